#!/usr/bin/env bash
# Create .venv-mlserver: Seldon MLServer with its scikit-learn runtime, in a virtualenv of its own
# (MLServer pins FastAPI below 0.116, officeflow needs a newer one). The Open Inference Protocol
# tests and bench/models.py start a local MLServer from it.
# Idempotent: when the venv exists with these exact requirements it returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${MLSERVER_VENV:-.venv-mlserver}"
PYTHON="${PYTHON:-python3}"
REQUIREMENTS=(mlserver==1.7.1 mlserver-sklearn==1.7.1 "scikit-learn>=1.5,<2" joblib)
STAMP="$VENV/.officeflow-requirements"
WANT="${REQUIREMENTS[*]}"

if [ -x "$VENV/bin/mlserver" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi

echo "creating $VENV (MLServer for the Open Inference Protocol tests)"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "${REQUIREMENTS[@]}"
"$VENV/bin/mlserver" --help >/dev/null
echo "$WANT" >"$STAMP"
echo "$VENV ready: $("$VENV/bin/mlserver" --version 2>/dev/null || echo mlserver)"

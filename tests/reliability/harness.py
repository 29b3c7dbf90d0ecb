"""Worker subprocesses for reliability tests: start, kill, replace, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
        self.killed: set[int] = set()
        self.count = 0

    def spawn(self) -> subprocess.Popen[bytes]:
        self.count += 1
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OFFICEFLOW_LOG_LEVEL": "warning", **self.extra_env}
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
        self.killed.add(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self, timeout: float = 30) -> None:
        for proc in self.alive():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

"""A private PostgreSQL cluster for tests that stop and restart the server.

It lives in a temporary directory (data, Unix socket, log) and listens on 127.0.0.1 on a free
port: no other database is touched. As root (initdb refuses to run as root), the server runs as
the ``postgres`` OS user. The binaries come from ``/usr/lib/postgresql/<version>/bin`` (Debian's
layout) or ``OFFICEFLOW_TEST_PG_BIN``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from .harness import free_port

SERVER_USER = "postgres"


def find_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine, or None."""
    configured = os.environ.get("OFFICEFLOW_TEST_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """``initdb`` in a temporary directory, then ``start()``, ``restart(mode)``, ``stop()``;
    ``remove()`` stops it and deletes the directory."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="officeflow-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, SERVER_USER, SERVER_USER)
        self._ctl("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "200",
            # The tests kill the server, never the machine: what the kernel holds survives.
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "on",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            for name, value in options.items():
                conf.write(f"{name} = {value}\n")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> None:
        self._ctl("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str) -> float:
        """Restart with ``pg_ctl -m fast`` or ``-m immediate``; returns the seconds it took."""
        started = time.monotonic()
        self._ctl("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60", "restart")
        return time.monotonic() - started

    def running(self) -> bool:
        done = subprocess.run(self._command("pg_ctl", "-D", str(self.data), "status"), capture_output=True)
        return done.returncode == 0

    def remove(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", SERVER_USER, "--", *command] if self.as_root else command

    def _ctl(self, program: str, *args: str) -> None:
        done = subprocess.run(self._command(program, *args), capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed ({done.returncode}):\n{done.stderr}\n{log}")

"""Wake-ups between processes that share one SQLite file, without polling.

Each listener binds a Unix datagram socket and leaves a marker file in ``<database>.officeflow/``
named ``<channel>.<token>``; publishers send one datagram to every marker of the channel after
they commit. On Linux the sockets live in the abstract namespace (no path length limit); elsewhere
the marker is the socket file itself. A marker whose socket is gone (its process died) is removed
by the first publisher that finds it dead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
import threading
from pathlib import Path

import structlog

from officeflow.store.base import Callback

log = structlog.get_logger("officeflow.store")
ABSTRACT = sys.platform.startswith("linux")


class SocketHub:
    def __init__(self, database: Path) -> None:
        self.dir = Path(f"{database}.officeflow")
        self.dir.mkdir(parents=True, exist_ok=True)
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)
        self._lock = threading.Lock()
        self._mtime = -1
        self._targets: dict[str, list[tuple[Path, str | bytes]]] = {}

    def _address(self, marker: Path) -> str | bytes:
        if ABSTRACT:
            return b"\0officeflow-" + marker.name.split(".", 1)[1].encode()
        return str(marker)

    def _refresh(self) -> None:
        try:
            mtime = os.stat(self.dir).st_mtime_ns
        except FileNotFoundError:
            self.dir.mkdir(parents=True, exist_ok=True)
            mtime = os.stat(self.dir).st_mtime_ns
        if mtime == self._mtime:
            return
        targets: dict[str, list[tuple[Path, str | bytes]]] = {}
        with os.scandir(self.dir) as entries:
            for entry in entries:
                channel, _, token = entry.name.partition(".")
                if token:
                    marker = Path(entry.path)
                    targets.setdefault(channel, []).append((marker, self._address(marker)))
        self._targets = targets
        self._mtime = mtime

    def publish(self, channel: str, payload: str) -> None:
        with self._lock:
            self._refresh()
            targets = list(self._targets.get(channel, ()))
        data = f"{channel}\n{payload}".encode()[:2048]
        for marker, address in targets:
            try:
                self._sender.sendto(data, address)
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(FileNotFoundError):
                    marker.unlink()
            except (BlockingIOError, OSError):
                pass  # the listener's buffer is full: it has wake-ups to read already

    def listen(self, channels: list[str], callback: Callback) -> SocketListener:
        return SocketListener(self, channels, callback)

    def close(self) -> None:
        self._sender.close()


class SocketListener:
    def __init__(self, hub: SocketHub, channels: list[str], callback: Callback) -> None:
        self._callback = callback
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        token = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._markers = [hub.dir / f"{channel}.{token}" for channel in channels]
        if ABSTRACT:
            self._sock.bind(b"\0officeflow-" + token.encode())
            for marker in self._markers:
                marker.touch()
        else:  # one socket file per channel is not possible; bind to the first, link the others
            self._sock.bind(str(self._markers[0]))
            for marker in self._markers[1:]:
                os.symlink(self._markers[0], marker)
        self._sock.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="officeflow-wakeups", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            channel, _, payload = data.decode(errors="replace").partition("\n")
            try:
                self._callback(channel, payload)
            except Exception:
                log.exception("wake-up callback failed")

    def close(self) -> None:
        self._stop.set()
        for marker in self._markers:
            with contextlib.suppress(FileNotFoundError):
                marker.unlink()
        self._thread.join(timeout=2)
        self._sock.close()

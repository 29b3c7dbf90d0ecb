"""SQLite: one file, WAL, writers serialised by ``BEGIN IMMEDIATE``, wake-ups through sockets."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from officeflow.store.base import Callback, SqlStore
from officeflow.store.dialect import SqliteDialect
from officeflow.store.sqlite_wakeups import SocketHub, SocketListener
from officeflow.store.tx import Tx


class SqliteStore(SqlStore):
    """A SQLite database file shared by any number of threads and processes on one machine.

    ``synchronous`` is ``NORMAL`` by default: a committed transaction survives any crash of the
    process; after a power loss the last transactions may be lost (never half of one). Use
    ``FULL`` to keep them through a power loss too, at a cost in commits per second.
    """

    dialect = SqliteDialect()

    def __init__(self, path: Path, *, synchronous: str = "NORMAL", busy_timeout: float = 30.0) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.synchronous = synchronous.upper()
        if self.synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, got {synchronous!r}")
        self.busy_timeout = busy_timeout
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._hub: SocketHub | None = None
        with self._lock:
            conn = self._connect()
            conn.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.busy_timeout)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA cache_size=-32000")
        conn.execute("PRAGMA temp_store=MEMORY")
        self._all.append(conn)
        self._local.conn = conn
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                conn = self._connect()
        return conn

    @property
    def hub(self) -> SocketHub:
        if self._hub is None:
            with self._lock:
                if self._hub is None:
                    self._hub = SocketHub(self.path)
        return self._hub

    @contextmanager
    def _tx(self, begin: str) -> Iterator[Tx]:
        conn = self._conn()
        pending: list[tuple[str, str]] = []
        conn.execute(begin)
        try:
            tx = Tx(conn, self.dialect, lambda channel, payload: pending.append((channel, payload)))
            yield tx
            tx.flush()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if pending:
            hub = self.hub
            for channel, payload in pending:
                hub.publish(channel, payload)

    def transaction(self, *, pipeline: bool = False) -> AbstractContextManager[Tx]:
        return self._tx("BEGIN IMMEDIATE")

    def read(self) -> AbstractContextManager[Tx]:
        return self._tx("BEGIN")

    def listen(self, channels: Sequence[str], callback: Callback) -> SocketListener:
        return self.hub.listen(list(channels), callback)

    def sqlalchemy_url(self) -> str:
        return f"sqlite:///{self.path}"

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all.clear()
            self._local = threading.local()
            if self._hub is not None:
                self._hub.close()
                self._hub = None

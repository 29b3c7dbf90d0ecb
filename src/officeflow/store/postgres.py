"""PostgreSQL: a connection pool, ``FOR UPDATE SKIP LOCKED`` claims, ``LISTEN/NOTIFY`` wake-ups."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import structlog
from psycopg_pool import ConnectionPool

from officeflow.store.base import Callback, SqlStore
from officeflow.store.dialect import PostgresDialect
from officeflow.store.tx import Tx

log = structlog.get_logger("officeflow.store")
PREFIX = "officeflow_"


class PostgresStore(SqlStore):
    dialect = PostgresDialect()

    def __init__(self, conninfo: str, *, pool_size: int = 10, url: str | None = None) -> None:
        self.conninfo = conninfo
        self.url = url or conninfo
        self.pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": 2},
            configure=_configure,
            open=True,
            name="officeflow",
        )

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[Tx]:
        with self.pool.connection() as conn:
            if pipeline:
                # BEGIN and COMMIT by hand: psycopg's transaction() in pipeline mode nests two more
                # pipelines, each ending with a sync, so a transaction would cost three round trips
                # at its end instead of one: the sync that ends the pipeline, which COMMIT precedes.
                try:
                    with conn.pipeline() as pipe:
                        conn.execute("BEGIN")
                        tx = self._tx(conn, pipe)
                        yield tx
                        tx.flush()
                        conn.execute("COMMIT")
                except BaseException:
                    _roll_back(conn)
                    raise
            else:
                with conn.transaction():
                    tx = self._tx(conn, None)
                    yield tx
                    tx.flush()

    def _tx(self, conn: psycopg.Connection[Any], pipe: Any) -> Tx:
        tx = Tx(conn, self.dialect, _no_notify, pipe)
        tx._notify = lambda channel, payload: tx.buffer.notifications.append((PREFIX + channel, payload))
        return tx

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.pool.connection() as conn, conn.transaction():
            yield Tx(conn, self.dialect, _no_notify)

    def listen(self, channels: Sequence[str], callback: Callback) -> PgListener:
        return PgListener(self.conninfo, list(channels), callback)

    def sqlalchemy_url(self) -> str:
        return "postgresql+psycopg://" + self.conninfo.split("://", 1)[1]

    def close(self) -> None:
        self.pool.close()


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every hot statement is an index lookup on small, fast-churning tables. A generic plan
    cached while a table was nearly empty would keep scanning it sequentially as it grows (until
    the next ANALYZE), so officeflow's sessions rule sequential scans out where an index applies."""
    conn.execute("SET enable_seqscan = off")


def _roll_back(conn: psycopg.Connection[Any]) -> None:
    """End a pipelined transaction that failed. The pipeline's last sync ran what was sent (after
    an error, the server skipped the rest, COMMIT included): the transaction is still open or
    aborted, and is rolled back. A broken connection is discarded by the pool when it comes back."""
    try:
        if conn.info.transaction_status in (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR):
            conn.execute("ROLLBACK")
    except psycopg.Error as exc:
        log.warning("rollback failed; the connection will be discarded", error=str(exc))


def _no_notify(channel: str, payload: str) -> None:
    raise RuntimeError("read-only transaction cannot notify")


class PgListener:
    """LISTEN on a dedicated connection; reconnects with backoff, and after a reconnect reports
    a notification on every channel (some may have been missed while disconnected)."""

    def __init__(self, conninfo: str, channels: list[str], callback: Callback) -> None:
        self._conninfo = conninfo
        self._channels = channels
        self._callback = callback
        self._stop = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="officeflow-listen", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def _loop(self) -> None:
        backoff = 0.1
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    self._conn = conn
                    for channel in self._channels:
                        conn.execute(f'LISTEN "{PREFIX}{channel}"')
                    self._ready.set()
                    if not first:
                        for channel in self._channels:
                            self._callback(channel, "")
                    first = False
                    backoff = 0.1
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._callback(note.channel.removeprefix(PREFIX), note.payload)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    return
                log.warning("listener connection lost; reconnecting", error=str(exc), retry_in=backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self._conn = None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

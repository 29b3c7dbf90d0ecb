"""PostgreSQL: a connection pool, ``FOR UPDATE SKIP LOCKED`` claims, ``LISTEN/NOTIFY`` wake-ups.

When the server restarts or a connection drops, a transaction raises ``StoreUnavailable`` (the
dialect tells connection loss from refused statements); the connections made before are dropped
from the pool, and while the database stays away a transaction waits at most ``DOWN_WAIT`` for a
connection, so callers learn at once that it is still away. The pool does not retry for long in
the background: each caller's next transaction (the loops retry with backoff, see
:mod:`officeflow.store.reconnect`) asks for a connection again, so the first one after the
server is back gets it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from officeflow.errors import StoreUnavailable
from officeflow.store.base import Callback, SqlStore
from officeflow.store.dialect import PostgresDialect
from officeflow.store.reconnect import Availability, run_loop
from officeflow.store.tx import Tx

log = structlog.get_logger("officeflow.store")
PREFIX = "officeflow_"
DOWN_WAIT = 1.0
"""Seconds a transaction waits for a connection while the database is away (and the pool tries
to connect in the background before it gives up)."""
POOL_WAIT = 30.0
"""Seconds a transaction waits for a connection while the database answers (every connection busy)."""
CONNECT_TIMEOUT = 5
"""Seconds to establish a connection (unless the URL sets ``connect_timeout``)."""

# psycopg and its pool log every failed connection attempt and every pipeline or rollback that a
# lost connection interrupted; the store raises those errors and says once per outage what
# happened (officeflow.store.reconnect.Availability).
logging.getLogger("psycopg").setLevel(logging.ERROR)


class PostgresStore(SqlStore):
    dialect = PostgresDialect()

    def __init__(self, conninfo: str, *, pool_size: int = 10, url: str | None = None) -> None:
        self.conninfo = conninfo
        self.url = url or conninfo
        self.availability = Availability(on_lost=self._drain)
        self._drained_at = float("-inf")
        self._connect_kwargs: dict[str, Any] = {}
        if "connect_timeout" not in conninfo_to_dict(conninfo):
            self._connect_kwargs["connect_timeout"] = CONNECT_TIMEOUT
        self.pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "prepare_threshold": 2, **self._connect_kwargs},
            configure=_configure,
            open=True,
            name="officeflow",
            timeout=POOL_WAIT,
            reconnect_timeout=DOWN_WAIT,
            reconnect_failed=self._reconnect_failed,
        )

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[Tx]:
        with self._connection() as conn:
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
        with self._connection() as conn, conn.transaction():
            yield Tx(conn, self.dialect, _no_notify)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection, as ``pool.connection()`` gives it, with connection loss raised as
        ``StoreUnavailable`` (whether it happens while connecting, in the caller's statements or at
        commit). Waits for a connection at most DOWN_WAIT at a time: between waits, a pool that
        found the database away meanwhile ends the wait."""
        waited = 0.0
        while True:
            try:
                conn = self.pool.getconn(DOWN_WAIT)
                break
            except PoolTimeout as exc:
                waited += DOWN_WAIT
                if self.availability.down or waited >= POOL_WAIT:
                    raise self._unavailable(exc, None, f"no database connection within {waited:.0f} s") from None
        checked_out = self.availability.monotonic()
        try:
            with conn:
                yield conn
        except Exception as exc:
            if self.dialect.is_unavailable(exc, connection_closed=conn.closed):
                raise self._unavailable(exc, checked_out) from exc
            raise
        finally:
            self.pool.putconn(conn)
        self.availability.back()

    def _unavailable(self, exc: Exception, checked_out: float | None, reason: str | None = None) -> StoreUnavailable:
        """Record the outage (which drops the pool's connections: made before the database went
        away, they are broken too). A connection taken from the pool before that belongs to the
        outage already recorded (the pool discards it when it comes back); one taken after the
        drain and broken means the database went away again while still recorded as away."""
        started = self.availability.lost(exc, since=checked_out)
        if not started and checked_out is not None and checked_out > self._drained_at:
            self._drain()
        text = reason or (str(exc).strip() or type(exc).__name__).splitlines()[0]
        return StoreUnavailable(f"the database is unavailable: {text}")

    def _drain(self) -> None:
        """Drop every connection made until now (idle ones at once, busy ones when they come back)."""
        self._drained_at = self.availability.monotonic()
        pool: ConnectionPool[Any] | None = getattr(self, "pool", None)  # None: still being made
        if pool is not None:
            pool.drain()

    def _reconnect_failed(self, pool: ConnectionPool[Any]) -> None:
        self.availability.lost(ConnectionError(f"the pool could not connect to the database in {DOWN_WAIT:.0f} s"))

    def listen(self, channels: Sequence[str], callback: Callback) -> PgListener:
        return PgListener(self.conninfo, list(channels), callback, self.availability, self._connect_kwargs)

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
        if not conn.closed:  # a lost connection is reported once, as an outage
            log.warning("rollback failed; the connection will be discarded", error=str(exc))


def _no_notify(channel: str, payload: str) -> None:
    raise RuntimeError("read-only transaction cannot notify")


class PgListener:
    """LISTEN on a dedicated connection. When the connection is lost, connects again with backoff
    (reporting the outage to the store's ``availability``) and then reports a notification on
    every channel: some may have been missed while disconnected."""

    def __init__(
        self,
        conninfo: str,
        channels: list[str],
        callback: Callback,
        availability: Availability | None = None,
        connect_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._channels = channels
        self._callback = callback
        self._availability = availability or Availability()
        self._connect_kwargs = connect_kwargs or {}
        self._stop = threading.Event()
        self._connected_before = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="officeflow-listen", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def _run(self) -> None:
        run_loop(self._session, wait=self._stop.wait, name="listening for notifications")

    def _session(self) -> float:
        """One connection: listen until stopped (returns) or the connection is lost (raises)."""
        connected_at = None
        try:
            with psycopg.connect(self._conninfo, autocommit=True, **self._connect_kwargs) as conn:
                connected_at = self._availability.monotonic()
                for channel in self._channels:
                    conn.execute(f'LISTEN "{PREFIX}{channel}"')
                self._ready.set()
                self._availability.back()
                if self._connected_before:
                    for channel in self._channels:
                        self._callback(channel, "")
                self._connected_before = True
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=0.5):
                        self._callback(note.channel.removeprefix(PREFIX), note.payload)
        except psycopg.Error as exc:
            if self._stop.is_set():
                return 0.0
            self._availability.lost(exc, since=connected_at)
            raise StoreUnavailable(str(exc)) from exc
        return 0.0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

"""The base every transaction mixin builds on: a connection, a dialect, execution helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from officeflow.store import buffer as buffered
from officeflow.store.dialect import Dialect
from officeflow.store.keyed import KeyedInserts, KeyedTable

RUNS_PAYLOAD_LIMIT = 7000
T = TypeVar("T")
Later = Callable[[], T]
"""A result that may still be on its way (see ``TxBase._count_later``)."""


class TxBase:
    def __init__(self, conn: Any, dialect: Dialect, notify: Callable[[str, str], None], pipeline: Any = None) -> None:
        self.conn = conn
        self.pipeline = pipeline
        """A psycopg pipeline: statements are sent without waiting; a count forces a sync."""
        self.dialect = dialect
        self._notify = notify
        self._notified: set[tuple[str, str]] = set()
        self._ended_runs: list[str] = []
        self.buffer = buffered.WriteBuffer()
        self.keyed = KeyedInserts()
        """Keyed inserts waiting for the next statement or sync (pipeline mode only)."""
        self._syncs = 0

    def notify(self, channel: str, payload: str = "") -> None:
        """Wake listeners of ``channel`` once this transaction commits. Notifications about runs
        are gathered into comma-separated payloads (one per transaction, not one per run)."""
        if channel == "runs":
            self._ended_runs.append(payload)
            return
        key = (channel, payload)
        if key not in self._notified:
            self._notified.add(key)
            self._notify(channel, payload)

    def flush(self) -> None:
        """Write what is buffered (see officeflow.store.buffer and officeflow.store.keyed)."""
        if self.keyed.waiting:
            self.keyed.send(self.conn)
        if self._ended_runs:
            chunk: list[str] = []
            size = 0
            for run_id in self._ended_runs:
                if size + len(run_id) + 1 > RUNS_PAYLOAD_LIMIT:
                    self._notify("runs", ",".join(chunk))
                    chunk, size = [], 0
                chunk.append(run_id)
                size += len(run_id) + 1
            self._notify("runs", ",".join(chunk))
            self._ended_runs.clear()
        if not self.buffer:
            return
        postgres = self.dialect.name == "postgresql"
        for statement in buffered.statements(self.buffer):
            if not postgres:
                self.conn.executemany(statement.sql, statement.named_rows())
            elif statement.table is not None:
                # Inserts go many rows per statement (each statement costs far more than a row).
                rows, columns = statement.rows, statement.columns
                for start, size in buffered.row_chunks(len(rows)):
                    values = [row.get(c) for row in rows[start : start + size] for c in columns]
                    self.conn.execute(buffered.multi_row_insert(statement.table, columns, size), values)
            else:
                # One execute per row, queued in the pipeline: an index lookup each.
                text = self.dialect.sql(statement.sql)
                for row in statement.rows:
                    self.conn.execute(text, row)
        for channel, payload in self.buffer.notifications:
            self._notify_now(channel, payload)
        self.buffer.clear()

    def _notify_now(self, channel: str, payload: str) -> None:
        self.conn.execute(self.dialect.sql("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})

    def _exec(self, sql: str, params: dict[str, Any] | None = None, *, flush: bool = True) -> Any:
        """Execute, after writing what is buffered (unless ``flush=False``: for statements that
        neither read nor conflict with any table the buffer writes to before them)."""
        if self.keyed.waiting:
            self.keyed.send(self.conn)
        if flush and (self.buffer or self._ended_runs):
            self.flush()
        return self.conn.execute(self.dialect.sql(sql), params or {})

    def _all(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self._exec(sql, params).fetchall())

    def _one(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._exec(sql, params).fetchone()
        return row

    def _count(self, sql: str, params: dict[str, Any] | None = None, *, flush: bool = True) -> int:
        return self._count_later(sql, params, flush=flush)()

    def _count_later(self, sql: str, params: dict[str, Any] | None = None, *, flush: bool = True) -> Later[int]:
        """Send a statement; a function that gives its row count. In pipeline mode the count is
        known only after a sync, so callers that queue several statements can wait for all of
        them at once (see ``needs_sync`` and officeflow.engine.batch)."""
        cur = self._exec(sql, params, flush=flush)
        sent = self._syncs

        def count() -> int:
            if self.pipeline is not None and self._syncs == sent:
                self.sync()
            return int(cur.rowcount)

        return count

    def _insert_keyed(self, spec: KeyedTable, row: dict[str, Any], key: tuple[Any, ...]) -> Later[bool]:
        """Insert ``row`` (parameters named by column) unless its key is taken; later: whether it
        went in. In pipeline mode the row waits to go out with others of its table
        (officeflow.store.keyed); otherwise it is one statement."""
        if self.pipeline is None:
            count = self._count_later(spec.one_row, row, flush=False)
            return lambda: count() == 1
        return self.keyed.add(spec, tuple(row[c] for c in spec.columns), key, self.sync)

    @property
    def needs_sync(self) -> bool:
        """Whether results of statements sent so far wait for a sync (PostgreSQL pipeline mode)."""
        return self.pipeline is not None

    def sync(self) -> None:
        """Wait for the results of every statement sent so far (one round trip in pipeline mode)."""
        if self.pipeline is not None:
            if self.keyed.waiting:
                self.keyed.send(self.conn)
            self.pipeline.sync()
            self._syncs += 1
            self.keyed.synced()

    def _many(self, sql: str, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if self.buffer or self.keyed.waiting:
            self.flush()
        if rows:
            cur = self.conn.cursor()
            try:
                cur.executemany(self.dialect.sql(sql), rows)
            finally:
                cur.close()

    def _in(self, column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        return self.dialect.in_list(column, name, values, params)

"""The base every transaction mixin builds on: a connection, a dialect, execution helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from officeflow.store.dialect import Dialect


class TxBase:
    def __init__(self, conn: Any, dialect: Dialect, notify: Callable[[str, str], None], pipeline: Any = None) -> None:
        self.conn = conn
        self.pipeline = pipeline
        """A psycopg pipeline: statements are sent without waiting; a count forces a sync."""
        self.dialect = dialect
        self._notify = notify
        self._notified: set[tuple[str, str]] = set()

    def notify(self, channel: str, payload: str = "") -> None:
        """Wake listeners of ``channel`` once this transaction commits."""
        key = (channel, payload)
        if key not in self._notified:
            self._notified.add(key)
            self._notify(channel, payload)

    def _exec(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.conn.execute(self.dialect.sql(sql), params or {})

    def _all(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self._exec(sql, params).fetchall())

    def _one(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._exec(sql, params).fetchone()
        return row

    def _count(self, sql: str, params: dict[str, Any] | None = None) -> int:
        cur = self._exec(sql, params)
        if self.pipeline is not None:
            self.pipeline.sync()
        return int(cur.rowcount)

    def _many(self, sql: str, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            cur = self.conn.cursor()
            try:
                cur.executemany(self.dialect.sql(sql), rows)
            finally:
                cur.close()

    def _in(self, column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        return self.dialect.in_list(column, name, values, params)

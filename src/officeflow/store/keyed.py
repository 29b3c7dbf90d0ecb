"""Keyed inserts gathered until the next sync (PostgreSQL pipeline mode).

An insert that may conflict (an event id, a run's idempotency key) has a result its caller needs:
was the row new? In a group commit (officeflow.engine.batch) every item sends such an insert and
then waits for the same sync. Instead of a statement each, the rows of a table wait here and go
out as one ``INSERT ... ON CONFLICT DO NOTHING RETURNING <key>`` when the transaction next sends
anything or syncs; each caller then learns from the returned keys whether its row went in.

Nothing else moves: the rows go out before any later statement of the transaction, so every
read still sees every earlier write. A key that comes twice before they go out is inserted once;
the later row is a duplicate of the earlier, as it would be one statement after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from officeflow.store import buffer as buffered
from officeflow.store.rowmap import RowMap


@dataclass(frozen=True)
class KeyedTable:
    """How rows of one table are inserted by key."""

    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    """the columns RETURNING gives back, which identify a row among those sent together"""
    conflict: str
    """the ON CONFLICT clause"""

    @classmethod
    def of(cls, rows: RowMap[Any], *, key: tuple[str, ...], conflict: str, leave_out: Sequence[str] = ()) -> KeyedTable:
        """The keyed inserts of a row map's records: the columns it writes but ``leave_out``."""
        return cls(rows.table, tuple(c for c in rows.write_columns if c not in leave_out), key, conflict)

    @cached_property
    def one_row(self) -> str:
        """The insert of one row with ``:column`` parameters (outside pipeline mode)."""
        values = ", ".join(":" + c for c in self.columns)
        return f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({values}) {self.conflict}"


@dataclass
class Pending:
    """Rows of one table waiting to go out, and then what came back."""

    spec: KeyedTable
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    keys: set[tuple[Any, ...]] = field(default_factory=set)
    cursors: list[Any] = field(default_factory=list)
    inserted: set[tuple[Any, ...]] | None = None
    """the keys of the rows that went in: known after the sync that followed the statements"""


class KeyedInserts:
    """The keyed rows of one transaction (see the module docstring)."""

    def __init__(self) -> None:
        self.waiting: dict[str, Pending] = {}
        self.sent: list[Pending] = []

    def add(
        self, spec: KeyedTable, row: tuple[Any, ...], key: tuple[Any, ...], sync: Callable[[], None]
    ) -> Callable[[], bool]:
        """Queue ``row``; a function that tells, after the next sync, whether it went in."""
        pending = self.waiting.get(spec.table)
        if pending is None:
            pending = self.waiting[spec.table] = Pending(spec)
        if key in pending.keys:
            return _not_new
        pending.keys.add(key)
        pending.rows.append(row)

        def inserted() -> bool:
            if pending.inserted is None:
                sync()
            assert pending.inserted is not None
            return key in pending.inserted

        return inserted

    def send(self, conn: Any) -> None:
        """Send every waiting table's rows: a multi-row statement per table (and chunk)."""
        for pending in self.waiting.values():
            spec = pending.spec
            suffix = f" {spec.conflict} RETURNING {', '.join(spec.key)}"
            for start, size in buffered.row_chunks(len(pending.rows)):
                values = [value for row in pending.rows[start : start + size] for value in row]
                sql = buffered.multi_row_insert(spec.table, spec.columns, size, suffix)
                pending.cursors.append(conn.execute(sql, values))
            self.sent.append(pending)
        self.waiting.clear()

    def synced(self) -> None:
        """After a sync: record which of the sent rows went in."""
        for pending in self.sent:
            pending.inserted = {tuple(row) for cursor in pending.cursors for row in cursor.fetchall()}
        self.sent.clear()


def _not_new() -> bool:
    return False

"""Writes buffered inside a transaction and sent together.

A transition writes many small rows: history events, new jobs, new runs, status changes, the
clean-up of a finished run. Buffered, they go out together: on PostgreSQL as prepared statements
queued in the transaction's pipeline (no round trip each), on SQLite as one ``executemany`` per
table. Notifications about ended runs are gathered into one payload per transaction.

The buffer is flushed before any other statement of the transaction runs and before commit, so
every read sees every earlier write: buffering changes how writes travel, never what a
transaction sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from officeflow.store.records import NEW_AUDIT, NEW_HISTORY, NEW_JOBS, NEW_RUNS

RUN_INSERT_COLUMNS = NEW_RUNS.write_columns
HISTORY_COLUMNS = NEW_HISTORY.write_columns
JOB_COLUMNS = NEW_JOBS.write_columns
AUDIT_COLUMNS = NEW_AUDIT.write_columns
POSITION_TABLES = ("of_jobs", "of_waits", "of_joins", "of_signals")


@dataclass
class WriteBuffer:
    runs: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleanups: list[str] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.runs or self.history or self.jobs or self.updates or self.cleanups or self.audit or self.notifications
        )

    def clear(self) -> None:
        self.runs.clear()
        self.history.clear()
        self.jobs.clear()
        self.updates.clear()
        self.cleanups.clear()
        self.audit.clear()
        self.notifications.clear()

    def update_run(self, update: dict[str, Any]) -> None:
        """A status change; applied to the pending insert when the run was created in this batch."""
        for row in self.runs:
            if row["id"] == update["id"]:
                row["status"] = update["status"]
                row["updated_at"] = update["now"]
                if update["set_output"]:
                    row["output"] = update["output"]
                row["error"] = update["error"]
                if update["completed"]:
                    row["completed_at"] = update["now"]
                return
        previous = self.updates.get(update["id"])
        if previous is not None:
            if previous["set_output"] and not update["set_output"]:
                update = {**update, "set_output": True, "output": previous["output"]}
            if previous["completed"] and not update["completed"]:
                update = {**update, "completed": True}
        self.updates[update["id"]] = update

    def clean(self, run_id: str) -> None:
        """Remove every position of a finished run (pending job inserts included)."""
        self.jobs = [j for j in self.jobs if j["run_id"] != run_id]
        self.cleanups.append(run_id)


UPDATE_RUN = (
    "UPDATE of_runs SET status = :status, updated_at = :now, "
    "output = CASE WHEN :set_output THEN :output ELSE output END, error = :error, "
    "completed_at = CASE WHEN :completed THEN :now ELSE completed_at END WHERE id = :id"
)
"""Run status changes go one statement per run: an index lookup each. (A join against an array
of changes gets a generic plan that scans the whole runs table.)"""


@dataclass(frozen=True)
class Statement:
    """One parameterised statement and its rows; for an insert, also its table and columns (so a
    backend can send many rows in one statement)."""

    sql: str
    rows: list[dict[str, Any]]
    """For an insert, rows may leave out columns that are NULL."""
    table: str | None = None
    columns: tuple[str, ...] = ()

    def named_rows(self) -> list[dict[str, Any]]:
        """Rows with every parameter of ``sql``."""
        if self.table is None:
            return self.rows
        return [{n: row.get(n) for n in self.columns} for row in self.rows]


def statements(buffer: WriteBuffer) -> list[Statement]:
    """Parameterised statements with their rows, in an order that respects dependencies (runs
    before their history and jobs; clean-ups drop pending jobs of a finished run beforehand)."""
    out: list[Statement] = []

    def insert(table: str, names: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if rows:
            values = ", ".join(f":{n}" for n in names)
            out.append(Statement(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({values})", rows, table, names))

    insert(NEW_RUNS.table, RUN_INSERT_COLUMNS, buffer.runs)
    insert(NEW_HISTORY.table, HISTORY_COLUMNS, buffer.history)
    insert(NEW_JOBS.table, JOB_COLUMNS, buffer.jobs)
    insert(NEW_AUDIT.table, AUDIT_COLUMNS, buffer.audit)
    if buffer.cleanups:
        for table in POSITION_TABLES:
            out.append(Statement(f"DELETE FROM {table} WHERE run_id = :id", [{"id": r} for r in buffer.cleanups]))
    if buffer.updates:
        out.append(Statement(UPDATE_RUN, list(buffer.updates.values())))
    return out


MULTI_ROW_MAX = 64


def row_chunks(count: int) -> list[tuple[int, int]]:
    """(start, size) pieces of ``count`` rows, sizes powers of two up to MULTI_ROW_MAX: a few
    distinct statement shapes, each prepared once, however the batch sizes vary."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = min(MULTI_ROW_MAX, 1 << ((count - start).bit_length() - 1))
        pieces.append((start, size))
        start += size
    return pieces


_multi_row_sql: dict[tuple[str, tuple[str, ...], int, str], str] = {}


def multi_row_insert(table: str, columns: tuple[str, ...], rows: int, suffix: str = "") -> str:
    """``INSERT INTO table (columns) VALUES (%s, ...), (...)`` and ``suffix``: ``rows`` rows,
    positional (psycopg)."""
    key = (table, columns, rows, suffix)
    sql = _multi_row_sql.get(key)
    if sql is None:
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows) + suffix
        _multi_row_sql[key] = sql
    return sql

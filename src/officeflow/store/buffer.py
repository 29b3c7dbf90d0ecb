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

RUN_INSERT_COLUMNS = (
    "id",
    "tenant",
    "workflow",
    "version",
    "status",
    "input",
    "output",
    "error",
    "idempotency_key",
    "parent_run_id",
    "parent_step",
    "parent_iteration",
    "parent_scope",
    "created_at",
    "updated_at",
    "completed_at",
    "created_by",
)
HISTORY_COLUMNS = ("run_id", "tenant", "at", "type", "step_id", "iteration", "attempt", "actor", "output", "data")
JOB_COLUMNS = (
    "id",
    "run_id",
    "tenant",
    "kind",
    "step_id",
    "iteration",
    "scope",
    "queue",
    "status",
    "attempt",
    "retries_from",
    "priority",
    "available_at",
    "lease_owner",
    "lease_expires_at",
    "created_at",
    "error",
)
AUDIT_COLUMNS = ("tenant", "at", "actor", "action", "object_type", "object_id", "before", "after", "mac")
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


def statements(buffer: WriteBuffer) -> list[tuple[str, list[dict[str, Any]]]]:
    """Parameterised statements with their rows, in an order that respects dependencies (runs
    before their history and jobs; clean-ups drop pending jobs of a finished run beforehand)."""
    out: list[tuple[str, list[dict[str, Any]]]] = []

    def insert(table: str, names: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if rows:
            values = ", ".join(f":{n}" for n in names)
            full = [{n: row.get(n) for n in names} for row in rows]
            out.append((f"INSERT INTO {table} ({', '.join(names)}) VALUES ({values})", full))

    insert("of_runs", RUN_INSERT_COLUMNS, buffer.runs)
    insert("of_history", HISTORY_COLUMNS, buffer.history)
    insert("of_jobs", JOB_COLUMNS, buffer.jobs)
    insert("of_audit", AUDIT_COLUMNS, buffer.audit)
    if buffer.cleanups:
        for table in POSITION_TABLES:
            out.append((f"DELETE FROM {table} WHERE run_id = :id", [{"id": r} for r in buffer.cleanups]))
    if buffer.updates:
        out.append(
            (
                "UPDATE of_runs SET status = :status, updated_at = :now, "
                "output = CASE WHEN :set_output THEN :output ELSE output END, error = :error, "
                "completed_at = CASE WHEN :completed THEN :now ELSE completed_at END WHERE id = :id",
                list(buffer.updates.values()),
            )
        )
    return out

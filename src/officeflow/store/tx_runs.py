"""Runs and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.jsonutil import dumps_or_none, loads
from officeflow.store.keyed import KeyedTable
from officeflow.store.records import (
    HEADS,
    HISTORY,
    NEW_HISTORY,
    NEW_RUNS,
    RUNS,
    HistoryEvent,
    NewHistoryEvent,
    NewRun,
    Run,
    RunHead,
    RunStatus,
)
from officeflow.store.tx_base import Later, TxBase

RUN_COLUMNS = RUNS.select
"""The columns of a :class:`Run` (the map's; for queries of runs outside this module)."""
run_of = RUNS.load
"""A :class:`Run` from a row read as ``SELECT {RUN_COLUMNS}``."""


@dataclass(frozen=True, kw_only=True)
class RunFilter:
    tenant: str
    statuses: Sequence[str] = ()
    workflow: str | None = None
    version: int | None = None
    parent_run_id: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    before: tuple[float, str] | None = None
    """Keyset cursor: runs strictly older than (created_at, id)."""
    limit: int = 50


KEYED_CONFLICT = "ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
RUNS_KEYED = KeyedTable.of(
    NEW_RUNS, key=("id",), conflict=KEYED_CONFLICT, leave_out=("output", "error", "completed_at")
)
"""Runs with an idempotency key: RETURNING gives the ids of those that went in (what a new run has
no value for yet left out). Two rows with one key in the same statement: the first goes in, as
``KeyedInserts`` sends a key only once."""


class RunsMixin(TxBase):
    def insert_run(self, run: NewRun) -> Later[bool]:
        """Insert; later: False when the tenant already has a run with this idempotency key.
        Without a key the insert is buffered (see officeflow.store.buffer)."""
        row = NEW_RUNS.params(run)
        if run.idempotency_key is None:
            self.buffer.runs.append(row)
            return _created
        return self._insert_keyed(RUNS_KEYED, row, (run.id,))

    def run_by_key(self, tenant: str, key: str) -> Run | None:
        row = self._one(
            f"SELECT {RUNS.select} FROM of_runs WHERE tenant = :tenant AND idempotency_key = :key",
            {"tenant": tenant, "key": key},
        )
        return RUNS.load(row) if row else None

    def get_run(self, run_id: str, tenant: str | None = None) -> Run | None:
        params: dict[str, Any] = {"id": run_id}
        where = "id = :id"
        if tenant is not None:
            where += " AND tenant = :tenant"
            params["tenant"] = tenant
        row = self._one(f"SELECT {RUNS.select} FROM of_runs WHERE {where}", params)
        return RUNS.load(row) if row else None

    def lock_runs(self, run_ids: Sequence[str]) -> dict[str, RunHead]:
        """Read and lock runs (in id order, so that two transactions never deadlock on them)."""
        return {head.id: head for head in HEADS.load_all(self._lock_runs_cursor(run_ids).fetchall())}

    def _lock_runs_cursor(self, run_ids: Sequence[str]) -> Any:
        params: dict[str, Any] = {}
        where = self._in("id", "ids", sorted(set(run_ids)), params)
        return self._exec(
            f"SELECT {HEADS.select} FROM of_runs WHERE {where} ORDER BY id{self.dialect.lock_rows}", params
        )

    def run_contexts(
        self, run_ids: Sequence[str]
    ) -> tuple[dict[str, tuple[RunHead, Any]], list[tuple[str, str, str | None, int | None, str | None, str | None]]]:
        """Heads and inputs of runs, and their completed steps and migrations in history order.
        Both queries go out before either is read (one round trip in pipeline mode)."""
        ids = list(set(run_ids))
        params: dict[str, Any] = {}
        where = self._in("id", "ids", ids, params)
        heads = self._exec(f"SELECT input, {HEADS.select} FROM of_runs WHERE {where}", params)
        params2: dict[str, Any] = {}
        where2 = self._in("run_id", "ids", ids, params2)
        steps = self._exec(
            "SELECT run_id, type, step_id, iteration, output, data FROM of_history "
            f"WHERE {where2} AND type IN ('step_completed', 'run_migrated') ORDER BY id",
            params2,
        )
        contexts = {}
        for input_text, *head_row in heads.fetchall():
            head = HEADS.load(head_row)
            contexts[head.id] = (head, loads(input_text))
        return contexts, [
            (run_id, type_, step_id, iteration, output, data)
            for run_id, type_, step_id, iteration, output, data in steps.fetchall()
        ]

    def set_run_status(
        self,
        run_id: str,
        status: RunStatus,
        now: float,
        *,
        output: Any = None,
        error: Any = None,
        set_output: bool = False,
        completed: bool = False,
    ) -> None:
        """Change a run's status (buffered); ``error`` replaces the run's error (None clears it)."""
        self.buffer.update_run(
            {
                "id": run_id,
                "status": str(status),
                "now": now,
                "set_output": set_output,
                "output": dumps_or_none(output) if set_output else None,
                "error": dumps_or_none(error),
                "completed": completed,
            }
        )

    def clean_run(self, run_id: str) -> None:
        """Remove every position of a finished run: jobs, waits, joins, buffered signals (buffered)."""
        self.buffer.clean(run_id)

    def set_run_version(self, run_id: str, version: int, now: float) -> None:
        self._exec(
            "UPDATE of_runs SET version = :version, updated_at = :now WHERE id = :id",
            {"id": run_id, "version": version, "now": now},
        )

    def list_runs(self, f: RunFilter) -> list[Run]:
        params: dict[str, Any] = {"tenant": f.tenant, "limit": f.limit}
        where = ["tenant = :tenant"]
        if f.statuses:
            where.append(self._in("status", "statuses", list(f.statuses), params))
        if f.workflow:
            where.append("workflow = :workflow")
            params["workflow"] = f.workflow
        if f.version is not None:
            where.append("version = :version")
            params["version"] = f.version
        if f.parent_run_id:
            where.append("parent_run_id = :parent")
            params["parent"] = f.parent_run_id
        if f.created_after is not None:
            where.append("created_at >= :after")
            params["after"] = f.created_after
        if f.created_before is not None:
            where.append("created_at < :created_before")
            params["created_before"] = f.created_before
        if f.before is not None:
            where.append("(created_at < :c_at OR (created_at = :c_at AND id < :c_id))")
            params["c_at"], params["c_id"] = f.before
        rows = self._all(
            f"SELECT {RUNS.select} FROM of_runs WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, id DESC LIMIT :limit",
            params,
        )
        return RUNS.load_all(rows)

    def count_runs_by_status(self, tenant: str, workflow: str | None = None) -> dict[str, int]:
        params: dict[str, Any] = {"tenant": tenant}
        where = "tenant = :tenant"
        if workflow:
            where += " AND workflow = :workflow"
            params["workflow"] = workflow
        rows = self._all(f"SELECT status, COUNT(*) FROM of_runs WHERE {where} GROUP BY status", params)
        return {status: int(count) for status, count in rows}

    def active_children(self, run_id: str) -> list[str]:
        rows = self._all(
            "SELECT id FROM of_runs WHERE parent_run_id = :id AND status NOT IN ('completed', 'cancelled')",
            {"id": run_id},
        )
        return [run_id for (run_id,) in rows]

    # History

    def add_history(self, event: NewHistoryEvent) -> None:
        """Append a history event (buffered)."""
        self.buffer.history.append(NEW_HISTORY.params(event))

    def history_of(self, run_id: str, *, after_id: int = 0, limit: int = 10_000) -> list[HistoryEvent]:
        rows = self._all(
            f"SELECT {HISTORY.select} FROM of_history WHERE run_id = :id AND id > :after ORDER BY id LIMIT :limit",
            {"id": run_id, "after": after_id, "limit": limit},
        )
        return HISTORY.load_all(rows)


def _created() -> bool:
    return True

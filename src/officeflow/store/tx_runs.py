"""Runs and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.jsonutil import dumps_or_none
from officeflow.store.buffer import RUN_INSERT_COLUMNS
from officeflow.store.codec import json_or_none, scope_of, scope_text
from officeflow.store.keyed import KeyedTable
from officeflow.store.records import HistoryEvent, Run, RunHead, RunStatus, Scope
from officeflow.store.tx_base import Later, TxBase

RUN_COLUMNS = (
    "id, tenant, workflow, version, status, input, output, error, idempotency_key, "
    "parent_run_id, parent_step, created_at, updated_at, completed_at, created_by"
)
HEAD_COLUMNS = "id, tenant, workflow, version, status, parent_run_id, parent_step, parent_iteration, parent_scope"
HISTORY_COLUMNS = "id, run_id, at, type, step_id, iteration, attempt, actor, output, data"


def run_of(row: tuple[Any, ...]) -> Run:
    return Run(
        id=row[0],
        tenant=row[1],
        workflow=row[2],
        version=row[3],
        status=RunStatus(row[4]),
        input=json_or_none(row[5]),
        output=json_or_none(row[6]),
        error=json_or_none(row[7]),
        idempotency_key=row[8],
        parent_run_id=row[9],
        parent_step=row[10],
        created_at=row[11],
        updated_at=row[12],
        completed_at=row[13],
        created_by=row[14],
    )


def head_of(row: tuple[Any, ...]) -> RunHead:
    return RunHead(
        id=row[0],
        tenant=row[1],
        workflow=row[2],
        version=row[3],
        status=RunStatus(row[4]),
        parent_run_id=row[5],
        parent_step=row[6],
        parent_iteration=row[7],
        parent_scope=scope_of(row[8]),
    )


def event_of(row: tuple[Any, ...]) -> HistoryEvent:
    return HistoryEvent(
        id=row[0],
        run_id=row[1],
        at=row[2],
        type=row[3],
        step_id=row[4],
        iteration=row[5],
        attempt=row[6],
        actor=row[7],
        output=json_or_none(row[8]),
        data=json_or_none(row[9]),
    )


@dataclass(frozen=True, kw_only=True)
class NewRun:
    id: str
    tenant: str
    workflow: str
    version: int
    status: RunStatus
    input_json: str
    idempotency_key: str | None
    parent_run_id: str | None = None
    parent_step: str | None = None
    parent_iteration: int | None = None
    parent_scope: Scope = ()
    created_at: float
    created_by: str | None = None


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


KEYED_RUN_COLUMNS = tuple(c for c in RUN_INSERT_COLUMNS if c not in ("output", "error", "completed_at"))
"""A new run's columns (what it has no value for yet left out)."""
KEYED_CONFLICT = "ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
RUNS_KEYED = KeyedTable("of_runs", KEYED_RUN_COLUMNS, key=("id",), conflict=KEYED_CONFLICT)
"""Runs with an idempotency key: RETURNING gives the ids of those that went in. Two rows with one
key in the same statement: the first goes in, as ``KeyedInserts`` sends a key only once."""
KEYED_RUN_INSERT = (
    f"INSERT INTO of_runs ({', '.join(KEYED_RUN_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in KEYED_RUN_COLUMNS)}) {KEYED_CONFLICT}"
)


class RunsMixin(TxBase):
    def insert_run(self, run: NewRun) -> Later[bool]:
        """Insert; later: False when the tenant already has a run with this idempotency key.
        Without a key the insert is buffered (see officeflow.store.buffer)."""
        row = {
            "id": run.id,
            "tenant": run.tenant,
            "workflow": run.workflow,
            "version": run.version,
            "status": str(run.status),
            "input": run.input_json,
            "output": None,
            "error": None,
            "idempotency_key": run.idempotency_key,
            "parent_run_id": run.parent_run_id,
            "parent_step": run.parent_step,
            "parent_iteration": run.parent_iteration,
            "parent_scope": scope_text(run.parent_scope),
            "created_at": run.created_at,
            "updated_at": run.created_at,
            "completed_at": None,
            "created_by": run.created_by,
        }
        if run.idempotency_key is None:
            self.buffer.runs.append(row)
            return _created
        return self._insert_keyed(RUNS_KEYED, row, (run.id,), KEYED_RUN_INSERT)

    def run_by_key(self, tenant: str, key: str) -> Run | None:
        row = self._one(
            f"SELECT {RUN_COLUMNS} FROM of_runs WHERE tenant = :tenant AND idempotency_key = :key",
            {"tenant": tenant, "key": key},
        )
        return run_of(row) if row else None

    def get_run(self, run_id: str, tenant: str | None = None) -> Run | None:
        params: dict[str, Any] = {"id": run_id}
        where = "id = :id"
        if tenant is not None:
            where += " AND tenant = :tenant"
            params["tenant"] = tenant
        row = self._one(f"SELECT {RUN_COLUMNS} FROM of_runs WHERE {where}", params)
        return run_of(row) if row else None

    def lock_runs(self, run_ids: Sequence[str]) -> dict[str, RunHead]:
        """Read and lock runs (in id order, so that two transactions never deadlock on them)."""
        return {row[0]: head_of(row) for row in self._lock_runs_cursor(run_ids).fetchall()}

    def _lock_runs_cursor(self, run_ids: Sequence[str]) -> Any:
        params: dict[str, Any] = {}
        where = self._in("id", "ids", sorted(set(run_ids)), params)
        return self._exec(
            f"SELECT {HEAD_COLUMNS} FROM of_runs WHERE {where} ORDER BY id{self.dialect.lock_rows}", params
        )

    def run_contexts(
        self, run_ids: Sequence[str]
    ) -> tuple[dict[str, tuple[RunHead, Any]], list[tuple[str, str, str | None, int | None, str | None, str | None]]]:
        """Heads and inputs of runs, and their completed steps and migrations in history order.
        Both queries go out before either is read (one round trip in pipeline mode)."""
        ids = list(set(run_ids))
        params: dict[str, Any] = {}
        where = self._in("id", "ids", ids, params)
        heads = self._exec(f"SELECT {HEAD_COLUMNS}, input FROM of_runs WHERE {where}", params)
        params2: dict[str, Any] = {}
        where2 = self._in("run_id", "ids", ids, params2)
        steps = self._exec(
            "SELECT run_id, type, step_id, iteration, output, data FROM of_history "
            f"WHERE {where2} AND type IN ('step_completed', 'run_migrated') ORDER BY id",
            params2,
        )
        head_rows = heads.fetchall()
        step_rows = steps.fetchall()
        return (
            {row[0]: (head_of(row), json_or_none(row[9])) for row in head_rows},
            [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in step_rows],
        )

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
            f"SELECT {RUN_COLUMNS} FROM of_runs WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, id DESC LIMIT :limit",
            params,
        )
        return [run_of(r) for r in rows]

    def count_runs_by_status(self, tenant: str, workflow: str | None = None) -> dict[str, int]:
        params: dict[str, Any] = {"tenant": tenant}
        where = "tenant = :tenant"
        if workflow:
            where += " AND workflow = :workflow"
            params["workflow"] = workflow
        rows = self._all(f"SELECT status, COUNT(*) FROM of_runs WHERE {where} GROUP BY status", params)
        return {r[0]: int(r[1]) for r in rows}

    def active_children(self, run_id: str) -> list[str]:
        rows = self._all(
            "SELECT id FROM of_runs WHERE parent_run_id = :id AND status NOT IN ('completed', 'cancelled')",
            {"id": run_id},
        )
        return [r[0] for r in rows]

    # History

    def add_history(
        self,
        *,
        run_id: str,
        tenant: str,
        at: float,
        type: str,
        step_id: str | None = None,
        iteration: int | None = None,
        attempt: int | None = None,
        actor: str | None = None,
        output_json: str | None = None,
        data: Any = None,
    ) -> None:
        """Append a history event (buffered)."""
        self.buffer.history.append(
            {
                "run_id": run_id,
                "tenant": tenant,
                "at": at,
                "type": type,
                "step_id": step_id,
                "iteration": iteration,
                "attempt": attempt,
                "actor": actor,
                "output": output_json,
                "data": dumps_or_none(data),
            }
        )

    def history_of(self, run_id: str, *, after_id: int = 0, limit: int = 10_000) -> list[HistoryEvent]:
        rows = self._all(
            f"SELECT {HISTORY_COLUMNS} FROM of_history WHERE run_id = :id AND id > :after ORDER BY id LIMIT :limit",
            {"id": run_id, "after": after_id, "limit": limit},
        )
        return [event_of(r) for r in rows]


def _created() -> bool:
    return True

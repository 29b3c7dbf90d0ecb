"""Human tasks, their event log, field corrections, and the notification outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_TUPLE, JSON_VALUE, SCOPE, Scope, scope_text
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase

NO_DUE = 1e18
"""``sort_due`` of a task without a due time: after every dated one."""
ACTIVE = "active"
COMPLETED = "completed"
CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskRow:
    id: str
    tenant: str
    run_id: str
    step_id: str
    iteration: int
    scope: Scope
    workflow: str
    version: int
    title: str
    status: str
    """active, completed or cancelled."""
    assignee: str | None
    candidate_group: str | None
    requester: str | None
    excluded: tuple[str, ...]
    """Users who may not decide: the requester, deciders of steps it must be separate from,
    earlier approvers of an N-of-M approval."""
    priority: int
    due_at: float | None
    sla_level: int
    sla_job_id: str | None
    approvals_required: int
    approvals: tuple[dict[str, Any], ...]
    spec: dict[str, Any]
    """What the step asked for, fixed when the task opened: outcomes, form, reasons, SLA, notify."""
    data: dict[str, Any] | None
    """The form's current values (pre-filled from earlier steps)."""
    explanation: dict[str, Any] | None
    outcome: str | None
    decided_by: str | None
    decided_at: float | None
    decision: dict[str, Any] | None
    lock_version: int
    created_at: float
    updated_at: float


@dataclass(frozen=True, kw_only=True)
class TaskFilter:
    """Which tasks a list shows. ``assignees``/``groups`` select the inbox views: tasks assigned
    to any of ``assignees``, or unassigned tasks offered to any of ``groups``; neither: all."""

    tenant: str
    status: str = ACTIVE
    assignees: Sequence[str] = ()
    groups: Sequence[str] = ()
    workflow: str | None = None
    workflows: Sequence[str] | None = None
    """Only these workflows (a caller whose grants name workflows); None: any."""
    run_id: str | None = None
    due_before: float | None = None
    min_priority: int | None = None
    after: tuple[int, float, str] | None = None
    """Keyset: (priority, sort_due, id) of the last task of the previous page."""
    limit: int = 50


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskEventRow:
    id: int
    task_id: str
    at: float
    actor: str | None
    type: str
    data: dict[str, Any] | None


@dataclass(frozen=True, kw_only=True, slots=True)
class CorrectionRow:
    id: int
    tenant: str
    task_id: str
    run_id: str
    workflow: str
    step_id: str
    field: str
    before: Any
    after: Any
    actor: str
    at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class OutboxRow:
    id: str
    tenant: str
    channel: str
    target: str
    payload: dict[str, Any]
    attempts: int
    created_at: float
    status: str = "pending"
    error: str | None = None
    sent_at: float | None = None
    next_at: float = 0.0
    """When it is due; 0: at once (its creation time)."""


def _sort_due(task: TaskRow) -> float:
    return task.due_at if task.due_at is not None else NO_DUE


@dataclass(frozen=True, kw_only=True, slots=True)
class NewTaskEvent:
    tenant: str
    task_id: str
    at: float
    actor: str | None
    type: str
    data: dict[str, Any] | None


TASKS = RowMap(
    schema.tasks,
    TaskRow,
    codecs={
        "scope": SCOPE,
        "excluded": JSON_TUPLE,
        "approvals": JSON_TUPLE,
        "spec": JSON_VALUE,
        "data": JSON,
        "explanation": JSON,
        "decision": JSON,
    },
    derived={"sort_due": _sort_due},
)
TASK_EVENTS = RowMap(schema.task_events, TaskEventRow, codecs={"data": JSON}, omit=("tenant",))
NEW_TASK_EVENTS = RowMap(schema.task_events, NewTaskEvent, codecs={"data": JSON}, writes_only=True)
CORRECTIONS = RowMap(schema.corrections, CorrectionRow, codecs={"before": JSON_VALUE, "after": JSON_VALUE})
_ADD_CORRECTION = CORRECTIONS.insert().replace("(id, ", "(").replace("(:id, ", "(")
"""The insert without the id, which the database generates (two corrections in one decision
each get their own)."""
OUTBOX = RowMap(
    schema.outbox,
    OutboxRow,
    codecs={"payload": JSON_VALUE},
    omit=("lease_until",),
)

_UPDATE_TASK = (
    f"UPDATE of_tasks SET {TASKS.assignments(exclude=('id', 'lock_version'))}, lock_version = lock_version + 1 "
    "WHERE id = :id AND lock_version = :lock_version"
)
"""Write a task read at ``lock_version`` if nobody changed it since."""


class TasksMixin(TxBase):
    # Tasks

    def insert_task(self, task: TaskRow) -> None:
        self._exec(TASKS.insert(), TASKS.params(task))

    def update_task(self, task: TaskRow) -> bool:
        """Write ``task`` if nobody changed it since it was read (its lock_version); the stored
        lock_version becomes ``task.lock_version + 1``. False when it had changed."""
        return self._count(_UPDATE_TASK, TASKS.params(task)) == 1

    def get_task(self, tenant: str, task_id: str) -> TaskRow | None:
        row = self._one(
            f"SELECT {TASKS.select} FROM of_tasks WHERE id = :id AND tenant = :t", {"id": task_id, "t": tenant}
        )
        return TASKS.load(row) if row else None

    def task_at(self, run_id: str, step_id: str, iteration: int) -> TaskRow | None:
        """The latest task of a step's iteration (an earlier one may have been cancelled)."""
        row = self._one(
            f"SELECT {TASKS.select} FROM of_tasks WHERE run_id = :r AND step_id = :s AND iteration = :i "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        return TASKS.load(row) if row else None

    def tasks_of_run(self, run_id: str) -> list[TaskRow]:
        rows = self._all(
            f"SELECT {TASKS.select} FROM of_tasks WHERE run_id = :r ORDER BY created_at, id", {"r": run_id}
        )
        return TASKS.load_all(rows)

    def list_tasks(self, flt: TaskFilter) -> list[TaskRow]:
        """A page of tasks, most urgent first. A view of several holders and groups is one arm
        per holder and per group (each a range of its index, already in the inbox's order, read
        only as far as the page needs), merged by one outer sort of at most ``limit`` rows per
        arm: an OR over the view would make the database collect and sort every task of the view."""
        params: dict[str, Any] = {"n": flt.limit}
        where = self._task_where(flt, params)
        if flt.after is not None:
            where.append(
                "(priority < :ap OR (priority = :ap AND sort_due > :ad) "
                "OR (priority = :ap AND sort_due = :ad AND id > :ai))"
            )
            params.update(ap=flt.after[0], ad=flt.after[1], ai=flt.after[2])
        order = "ORDER BY priority DESC, sort_due, id LIMIT :n"
        arms = self._task_arms(flt, params)
        if len(arms) == 1:
            rows = self._all(
                f"SELECT {TASKS.select} FROM of_tasks WHERE {' AND '.join([*where, arms[0]])} {order}", params
            )
        else:
            # each arm also gives sort_due (a derived column the record leaves out) for the outer sort
            union = " UNION ALL ".join(
                f"SELECT * FROM (SELECT {TASKS.select}, sort_due FROM of_tasks "
                f"WHERE {' AND '.join([*where, arm])} {order}) a{i}"
                for i, arm in enumerate(arms)
            )
            rows = self._all(f"SELECT {TASKS.select} FROM ({union}) page {order}", params)
        return TASKS.load_all(rows)

    def count_tasks(self, flt: TaskFilter, cap: int = 10_000) -> int:
        """How many tasks match (counting stops at ``cap``: an inbox badge says "10000+"). The
        arms (see ``list_tasks``) are disjoint, so the count is their sum."""
        params: dict[str, Any] = {"cap": cap}
        where = self._task_where(flt, params)
        counts = [
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM of_tasks WHERE {' AND '.join([*where, arm])} LIMIT :cap) c{i})"
            for i, arm in enumerate(self._task_arms(flt, params))
        ]
        row = self._one("SELECT " + " + ".join(counts), params)
        return min(cap, int(row[0])) if row else 0

    def _task_arms(self, flt: TaskFilter, params: dict[str, Any]) -> list[str]:
        """The view's disjoint parts: one per holder (assigned to them), one per group (offered to
        it, unclaimed); everything when the filter names neither."""
        arms = []
        for i, who in enumerate(dict.fromkeys(flt.assignees)):
            params[f"who{i}"] = who
            arms.append(f"assignee = :who{i}")
        for i, group in enumerate(dict.fromkeys(flt.groups)):
            params[f"grp{i}"] = group
            arms.append(f"assignee IS NULL AND candidate_group = :grp{i}")
        return arms or ["1 = 1"]

    def _task_where(self, flt: TaskFilter, params: dict[str, Any]) -> list[str]:
        """The conditions every arm shares."""
        where = ["tenant = :t", "status = :st"]
        params.update(t=flt.tenant, st=flt.status)
        # In a view of holders or groups, each arm's own index is the short range; "workflow || ''"
        # keeps the planner (SQLite's has no statistics) from walking the workflow's index instead.
        workflow = "workflow || ''" if flt.assignees or flt.groups else "workflow"
        if flt.workflow is not None:
            where.append(f"{workflow} = :wf")
            params["wf"] = flt.workflow
        if flt.workflows is not None:
            where.append(self._in(workflow, "wfs", list(flt.workflows) or [""], params))
        if flt.run_id is not None:
            where.append("run_id = :run")
            params["run"] = flt.run_id
        if flt.due_before is not None:
            where.append("sort_due < :due")
            params["due"] = flt.due_before
        if flt.min_priority is not None:
            where.append("priority >= :prio")
            params["prio"] = flt.min_priority
        return where

    def cancel_tasks_of_run(self, run_id: str, now: float, reason: str, step_id: str | None = None) -> list[str]:
        """Cancel the run's active tasks (of one step, or all); their ids."""
        params: dict[str, Any] = {"r": run_id, "now": now}
        where = "run_id = :r AND status = 'active'"
        if step_id is not None:
            where += " AND step_id = :s"
            params["s"] = step_id
        rows = self._all(f"SELECT id, tenant FROM of_tasks WHERE {where}", params)
        if rows:
            self._exec(
                f"UPDATE of_tasks SET status = 'cancelled', updated_at = :now, sla_job_id = NULL, "
                f"lock_version = lock_version + 1 WHERE {where}",
                params,
            )
            for task_id, tenant in rows:
                self.add_task_event(tenant, task_id, now, None, "cancelled", {"reason": reason})
        return [task_id for task_id, _tenant in rows]

    def move_task(
        self, run_id: str, step_id: str, iteration: int, new_step_id: str, scope: Scope, version: int
    ) -> None:
        """Follow a waiting position moved by a migration to another version."""
        self._exec(
            "UPDATE of_tasks SET step_id = :new, scope = :scope, version = :v, lock_version = lock_version + 1 "
            "WHERE run_id = :r AND step_id = :s AND iteration = :i AND status = 'active'",
            {"new": new_step_id, "scope": scope_text(scope), "v": version, "r": run_id, "s": step_id, "i": iteration},
        )

    # The task's own log

    def add_task_event(
        self, tenant: str, task_id: str, at: float, actor: str | None, type: str, data: dict[str, Any] | None = None
    ) -> None:
        event = NewTaskEvent(tenant=tenant, task_id=task_id, at=at, actor=actor, type=type, data=data)
        self._exec(NEW_TASK_EVENTS.insert(), NEW_TASK_EVENTS.params(event))

    def task_events(self, task_id: str) -> list[TaskEventRow]:
        rows = self._all(
            f"SELECT {TASK_EVENTS.select} FROM of_task_events WHERE task_id = :id ORDER BY id", {"id": task_id}
        )
        return TASK_EVENTS.load_all(rows)

    # Corrections (become labels for the models that produced the values)

    def add_corrections(self, rows: Sequence[CorrectionRow]) -> None:
        self._many(_ADD_CORRECTION, [{k: v for k, v in CORRECTIONS.params(c).items() if k != "id"} for c in rows])

    def list_corrections(
        self, tenant: str, *, workflow: str | None = None, task_id: str | None = None, limit: int = 1000
    ) -> list[CorrectionRow]:
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant, "n": limit}
        if workflow is not None:
            where.append("workflow = :wf")
            params["wf"] = workflow
        if task_id is not None:
            where.append("task_id = :task")
            params["task"] = task_id
        rows = self._all(
            f"SELECT {CORRECTIONS.select} FROM of_corrections WHERE {' AND '.join(where)} ORDER BY id LIMIT :n",
            params,
        )
        return CORRECTIONS.load_all(rows)

    # Outbox: notifications written with the change that causes them, sent after it commits

    def add_outbox(self, row: OutboxRow) -> None:
        self._exec(OUTBOX.insert(), {**OUTBOX.params(row), "next_at": row.next_at or row.created_at})

    def claim_outbox(self, now: float, lease: float, limit: int) -> list[OutboxRow]:
        """Lease up to ``limit`` due notifications (skipping those another sender holds)."""
        rows = self._all(
            "SELECT id FROM of_outbox WHERE status = 'pending' AND next_at <= :now "
            "AND (lease_until IS NULL OR lease_until < :now) ORDER BY next_at LIMIT :n" + self.dialect.skip_locked,
            {"now": now, "n": limit},
        )
        ids = [outbox_id for (outbox_id,) in rows]
        if not ids:
            return []
        params: dict[str, Any] = {"until": now + lease}
        cond = self._in("id", "ids", ids, params)
        self._exec(f"UPDATE of_outbox SET lease_until = :until WHERE {cond}", params)
        params2: dict[str, Any] = {}
        cond2 = self._in("id", "ids", ids, params2)
        return OUTBOX.load_all(self._all(f"SELECT {OUTBOX.select} FROM of_outbox WHERE {cond2}", params2))

    def outbox_done(self, outbox_id: str, now: float) -> None:
        self._exec(
            "UPDATE of_outbox SET status = 'sent', sent_at = :now, lease_until = NULL, attempts = attempts + 1, "
            "error = NULL WHERE id = :id",
            {"id": outbox_id, "now": now},
        )

    def outbox_failed(self, outbox_id: str, error: str, retry_at: float | None) -> None:
        """A failed attempt: tried again at ``retry_at``, or given up (``None``)."""
        self._exec(
            "UPDATE of_outbox SET attempts = attempts + 1, error = :e, lease_until = NULL, "
            "status = CASE WHEN :retry IS NULL THEN 'failed' ELSE 'pending' END, "
            "next_at = COALESCE(:retry, next_at) WHERE id = :id",
            {"id": outbox_id, "e": error[:2000], "retry": retry_at},
        )

    def list_outbox(self, tenant: str, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant, "n": limit}
        if status is not None:
            where.append("status = :s")
            params["s"] = status
        rows = self._all(
            f"SELECT {OUTBOX.select} FROM of_outbox WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, id DESC LIMIT :n",
            params,
        )
        return OUTBOX.load_all(rows)

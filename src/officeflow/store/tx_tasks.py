"""Human tasks, their event log, field corrections, and the notification outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from officeflow.jsonutil import dumps, dumps_or_none
from officeflow.store.codec import json_or_none, scope_of, scope_text
from officeflow.store.records import Scope
from officeflow.store.tx_base import TxBase

TASK_COLUMNS = (
    "id, tenant, run_id, step_id, iteration, scope, workflow, version, title, status, assignee, candidate_group, "
    "requester, excluded, priority, due_at, sort_due, sla_level, sla_job_id, approvals_required, approvals, spec, "
    "data, explanation, outcome, decided_by, decided_at, decision, lock_version, created_at, updated_at"
)
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


def _task(row: Sequence[Any]) -> TaskRow:
    return TaskRow(
        id=row[0],
        tenant=row[1],
        run_id=row[2],
        step_id=row[3],
        iteration=row[4],
        scope=scope_of(row[5]),
        workflow=row[6],
        version=row[7],
        title=row[8],
        status=row[9],
        assignee=row[10],
        candidate_group=row[11],
        requester=row[12],
        excluded=tuple(json_or_none(row[13]) or ()),
        priority=row[14],
        due_at=row[15],
        sla_level=row[17],
        sla_job_id=row[18],
        approvals_required=row[19],
        approvals=tuple(json_or_none(row[20]) or ()),
        spec=json_or_none(row[21]) or {},
        data=json_or_none(row[22]),
        explanation=json_or_none(row[23]),
        outcome=row[24],
        decided_by=row[25],
        decided_at=row[26],
        decision=json_or_none(row[27]),
        lock_version=row[28],
        created_at=row[29],
        updated_at=row[30],
    )


def _params(task: TaskRow) -> dict[str, Any]:
    return {
        "id": task.id,
        "tenant": task.tenant,
        "run_id": task.run_id,
        "step_id": task.step_id,
        "iteration": task.iteration,
        "scope": scope_text(task.scope),
        "workflow": task.workflow,
        "version": task.version,
        "title": task.title,
        "status": task.status,
        "assignee": task.assignee,
        "candidate_group": task.candidate_group,
        "requester": task.requester,
        "excluded": dumps(list(task.excluded)),
        "priority": task.priority,
        "due_at": task.due_at,
        "sort_due": task.due_at if task.due_at is not None else NO_DUE,
        "sla_level": task.sla_level,
        "sla_job_id": task.sla_job_id,
        "approvals_required": task.approvals_required,
        "approvals": dumps(list(task.approvals)),
        "spec": dumps(task.spec),
        "data": dumps_or_none(task.data),
        "explanation": dumps_or_none(task.explanation),
        "outcome": task.outcome,
        "decided_by": task.decided_by,
        "decided_at": task.decided_at,
        "decision": dumps_or_none(task.decision),
        "lock_version": task.lock_version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


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
    extra: dict[str, Any] = field(default_factory=dict)


class TasksMixin(TxBase):
    # Tasks

    def insert_task(self, task: TaskRow) -> None:
        names = [n.strip() for n in TASK_COLUMNS.split(",")]
        self._exec(
            f"INSERT INTO of_tasks ({TASK_COLUMNS}) VALUES ({', '.join(':' + n for n in names)})",
            _params(task),
        )

    def update_task(self, task: TaskRow) -> bool:
        """Write ``task`` if nobody changed it since it was read (its lock_version); the stored
        lock_version becomes ``task.lock_version + 1``. False when it had changed."""
        names = [n.strip() for n in TASK_COLUMNS.split(",") if n.strip() not in ("id", "lock_version")]
        sets = ", ".join(f"{n} = :{n}" for n in names)
        return (
            self._count(
                f"UPDATE of_tasks SET {sets}, lock_version = lock_version + 1 "
                "WHERE id = :id AND lock_version = :lock_version",
                _params(task),
            )
            == 1
        )

    def get_task(self, tenant: str, task_id: str) -> TaskRow | None:
        row = self._one(
            f"SELECT {TASK_COLUMNS} FROM of_tasks WHERE id = :id AND tenant = :t", {"id": task_id, "t": tenant}
        )
        return _task(row) if row else None

    def task_at(self, run_id: str, step_id: str, iteration: int) -> TaskRow | None:
        """The latest task of a step's iteration (an earlier one may have been cancelled)."""
        row = self._one(
            f"SELECT {TASK_COLUMNS} FROM of_tasks WHERE run_id = :r AND step_id = :s AND iteration = :i "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        return _task(row) if row else None

    def tasks_of_run(self, run_id: str) -> list[TaskRow]:
        rows = self._all(
            f"SELECT {TASK_COLUMNS} FROM of_tasks WHERE run_id = :r ORDER BY created_at, id", {"r": run_id}
        )
        return [_task(r) for r in rows]

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
        arms = [
            f"SELECT {TASK_COLUMNS} FROM of_tasks WHERE {' AND '.join([*where, arm])} {order}"
            for arm in self._task_arms(flt, params)
        ]
        if len(arms) == 1:
            rows = self._all(arms[0], params)
        else:
            union = " UNION ALL ".join(f"SELECT * FROM ({arm}) a{i}" for i, arm in enumerate(arms))
            rows = self._all(f"SELECT * FROM ({union}) page {order}", params)
        return [_task(r) for r in rows]

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
        return [r[0] for r in rows]

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
        self._exec(
            "INSERT INTO of_task_events (tenant, task_id, at, actor, type, data) VALUES (:t, :id, :at, :a, :ty, :d)",
            {"t": tenant, "id": task_id, "at": at, "a": actor, "ty": type, "d": dumps_or_none(data)},
        )

    def task_events(self, task_id: str) -> list[TaskEventRow]:
        rows = self._all(
            "SELECT id, task_id, at, actor, type, data FROM of_task_events WHERE task_id = :id ORDER BY id",
            {"id": task_id},
        )
        return [
            TaskEventRow(id=r[0], task_id=r[1], at=r[2], actor=r[3], type=r[4], data=json_or_none(r[5])) for r in rows
        ]

    # Corrections (become labels for the models that produced the values)

    def add_corrections(self, rows: Sequence[CorrectionRow]) -> None:
        self._many(
            "INSERT INTO of_corrections (tenant, task_id, run_id, workflow, step_id, field, before, after, actor, at) "
            "VALUES (:tenant, :task_id, :run_id, :workflow, :step_id, :field, :before, :after, :actor, :at)",
            [
                {
                    "tenant": c.tenant,
                    "task_id": c.task_id,
                    "run_id": c.run_id,
                    "workflow": c.workflow,
                    "step_id": c.step_id,
                    "field": c.field,
                    "before": dumps(c.before),
                    "after": dumps(c.after),
                    "actor": c.actor,
                    "at": c.at,
                }
                for c in rows
            ],
        )

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
            "SELECT id, tenant, task_id, run_id, workflow, step_id, field, before, after, actor, at "
            f"FROM of_corrections WHERE {' AND '.join(where)} ORDER BY id LIMIT :n",
            params,
        )
        return [
            CorrectionRow(
                id=r[0],
                tenant=r[1],
                task_id=r[2],
                run_id=r[3],
                workflow=r[4],
                step_id=r[5],
                field=r[6],
                before=json_or_none(r[7]),
                after=json_or_none(r[8]),
                actor=r[9],
                at=r[10],
            )
            for r in rows
        ]

    # Outbox: notifications written with the change that causes them, sent after it commits

    def add_outbox(self, row: OutboxRow) -> None:
        self._exec(
            "INSERT INTO of_outbox (id, tenant, channel, target, payload, status, attempts, next_at, created_at) "
            "VALUES (:id, :t, :c, :target, :p, 'pending', 0, :next, :at)",
            {
                "id": row.id,
                "t": row.tenant,
                "c": row.channel,
                "target": row.target,
                "p": dumps(row.payload),
                "next": row.next_at or row.created_at,
                "at": row.created_at,
            },
        )

    def claim_outbox(self, now: float, lease: float, limit: int) -> list[OutboxRow]:
        """Lease up to ``limit`` due notifications (skipping those another sender holds)."""
        rows = self._all(
            "SELECT id FROM of_outbox WHERE status = 'pending' AND next_at <= :now "
            "AND (lease_until IS NULL OR lease_until < :now) ORDER BY next_at LIMIT :n" + self.dialect.skip_locked,
            {"now": now, "n": limit},
        )
        ids = [r[0] for r in rows]
        if not ids:
            return []
        params: dict[str, Any] = {"until": now + lease}
        cond = self._in("id", "ids", ids, params)
        self._exec(f"UPDATE of_outbox SET lease_until = :until WHERE {cond}", params)
        params2: dict[str, Any] = {}
        cond2 = self._in("id", "ids", ids, params2)
        out = self._all(
            f"SELECT id, tenant, channel, target, payload, attempts, created_at FROM of_outbox WHERE {cond2}", params2
        )
        return [
            OutboxRow(
                id=r[0],
                tenant=r[1],
                channel=r[2],
                target=r[3],
                payload=json_or_none(r[4]),
                attempts=r[5],
                created_at=r[6],
            )
            for r in out
        ]

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
            "SELECT id, tenant, channel, target, payload, attempts, created_at, status, error, sent_at, next_at "
            f"FROM of_outbox WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT :n",
            params,
        )
        return [
            OutboxRow(
                id=r[0],
                tenant=r[1],
                channel=r[2],
                target=r[3],
                payload=json_or_none(r[4]),
                attempts=r[5],
                created_at=r[6],
                status=r[7],
                error=r[8],
                sent_at=r[9],
                next_at=r[10],
            )
            for r in rows
        ]

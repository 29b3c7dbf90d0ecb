"""A task's life inside the engine's transactions: opened by a ``human`` step, completed by a
decision or a timeout, escalated by its SLA, cancelled with its run.

Everything here runs inside a :class:`~officeflow.engine.transitions.Transition`: the task, the
run's wait, the SLA timer, the history, the audit entry and the notifications to send commit
together, or not at all.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from officeflow.engine.errorinfo import ErrorInfo
from officeflow.errors import TaskConflict
from officeflow.ids import uuid7
from officeflow.steps.base import OpenTask
from officeflow.steps.human import TIMED_OUT, HumanConfig
from officeflow.store.records import JobKind, RunHead, Scope, Wait
from officeflow.store.tx_tasks import ACTIVE, CANCELLED, COMPLETED, TaskRow
from officeflow.tasks import notify
from officeflow.tasks.assign import Assignment, AssignmentFailed, resolve, to_user, username

if TYPE_CHECKING:
    from officeflow.engine.context import RunContext
    from officeflow.engine.transitions import Transition
    from officeflow.store.records import Job

MAX_APPROVALS = 20


def sla_plan(step: HumanConfig) -> list[tuple[float, str, int]]:
    """The SLA's moments after opening, in order: (offset, "remind" or "escalate", index)."""
    if step.sla is None:
        return []
    plan = [(after, "remind", i) for i, after in enumerate(step.sla.remind)]
    plan += [(e.after, "escalate", i) for i, e in enumerate(step.sla.escalate)]
    return sorted(plan, key=lambda p: (p[0], p[1] != "remind", p[2]))


def human_step(t: Transition, head: RunHead, step_id: str) -> HumanConfig:
    step = t.definition(head).steps[step_id]
    assert isinstance(step, HumanConfig)
    return step


def open_task(
    t: Transition, head: RunHead, ctx: RunContext, step_id: str, iteration: int, scope: Scope, d: OpenTask
) -> None:
    """Open the task of a ``human`` step, and make the run wait for it."""
    step = human_step(t, head, step_id)
    tx, now = t.tx, t.now
    try:
        requester = _requester(t, head, d.requester)
        approvals = _approvals(d.approvals)
        priority = _priority(d.priority)
        excluded = _excluded(t, head, step, requester)
        base = d.assignee
        if step.assign.user is None and step.assign.group is None:
            if requester is None:
                raise AssignmentFailed(
                    "assign walks the directory from the requester, but this run has none: start it as a user "
                    "or give the step a requester"
                )
            base = requester
        assignment = resolve(tx, head.tenant, step.assign, base, now, excluded)
    except AssignmentFailed as exc:
        t.fail_position(head, step_id, iteration, scope, ErrorInfo.plain("AssignmentFailed", exc.message))
        return
    spec = step.model_dump(mode="json", by_alias=True, exclude={"assign", "requester", "explain", "document"})
    spec["escalation_users"] = list(d.escalation_users)
    spec["document"] = d.document
    due = now + step.sla.due if step.sla is not None and step.sla.due is not None else None
    task = TaskRow(
        id=uuid7(),
        tenant=head.tenant,
        run_id=head.id,
        step_id=step_id,
        iteration=iteration,
        scope=scope,
        workflow=head.workflow,
        version=head.version,
        title=d.subject or step.title or step_id.replace("_", " ").capitalize(),
        status=ACTIVE,
        assignee=assignment.assignee,
        candidate_group=assignment.group,
        requester=requester,
        excluded=tuple(sorted(excluded)),
        priority=priority,
        due_at=due,
        sla_level=0,
        sla_job_id=None,
        approvals_required=approvals,
        approvals=(),
        spec=spec,
        data=d.data if isinstance(d.data, dict) else ({} if d.data is None else {"value": d.data}),
        explanation=d.explanation
        if isinstance(d.explanation, dict) or d.explanation is None
        else {"info": d.explanation},
        outcome=None,
        decided_by=None,
        decided_at=None,
        decision=None,
        lock_version=1,
        created_at=now,
        updated_at=now,
    )
    plan = sla_plan(step)
    if plan:
        task = dataclasses.replace(task, sla_job_id=_sla_job(t, head, task, plan[0][0]))
    tx.insert_task(task)
    tx.insert_wait(
        Wait(
            run_id=head.id,
            step_id=step_id,
            iteration=iteration,
            tenant=head.tenant,
            scope=scope,
            kind="task",
            signal=task.id,
            child_run_id=None,
            timeout_job_id=task.sla_job_id,
            deadline=due,
            created_at=now,
        )
    )
    tx.add_task_event(head.tenant, task.id, now, t.actor, "opened", _assignment_data(assignment, due))
    t._history(
        head,
        "task_opened",
        step_id,
        iteration,
        data={"task_id": task.id, "assignee": task.assignee, "group": task.candidate_group, "due_at": due},
    )
    t.engine.record_audit(
        tx,
        head.tenant,
        t.actor or "system",
        "task.opened",
        "task",
        task.id,
        after={"run_id": head.id, "step_id": step_id, "assignee": task.assignee, "group": task.candidate_group},
    )
    notify.announce(tx, task, "task.assigned", now)


def complete(
    t: Transition,
    head: RunHead,
    ctx: RunContext,
    task: TaskRow,
    *,
    outcome: str,
    values: dict[str, Any] | None,
    reason: dict[str, Any] | None,
    decided_by: str | None,
    approvals: tuple[dict[str, Any], ...],
    corrections: list[str],
) -> dict[str, Any]:
    """Close ``task`` with ``outcome`` and move its run on; the step's output."""
    tx, now = t.tx, t.now
    wait = tx.get_wait(task.run_id, task.step_id, task.iteration)
    if wait is not None:
        tx.delete_wait(wait.run_id, wait.step_id, wait.iteration)
    if task.sla_job_id:
        tx.delete_job(task.sla_job_id)
    decision = {"values": values, "reason": reason, "approvals": list(approvals), "corrections": corrections}
    done = dataclasses.replace(
        task,
        status=COMPLETED,
        outcome=outcome,
        decided_by=decided_by,
        decided_at=now,
        decision=decision,
        data=values if values is not None else task.data,
        approvals=approvals,
        sla_job_id=None,
        updated_at=now,
    )
    if not tx.update_task(done):
        raise TaskConflict(f"task {task.id} changed while it was being decided; reload it")
    tx.add_task_event(task.tenant, task.id, now, decided_by, "decided", {"outcome": outcome, "reason": reason})
    output = {
        "outcome": outcome,
        "values": values,
        "reason": reason,
        "decided_by": decided_by,
        "approvals": list(approvals),
        "corrections": corrections,
        "task_id": task.id,
    }
    t._record(head, ctx, task.step_id, task.iteration, output, data={"task_id": task.id})
    t.engine.record_audit(
        tx,
        task.tenant,
        f"user:{decided_by}" if decided_by else (t.actor or "system"),
        "task.decided" if outcome != TIMED_OUT else "task.timed_out",
        "task",
        task.id,
        before={"status": task.status, "assignee": task.assignee},
        after={"outcome": outcome, "reason": reason, "run_id": task.run_id, "corrections": corrections},
    )
    t.after(head, ctx, task.step_id, output, task.scope)
    return output


def sla_fired(t: Transition, job: Job, ctx: RunContext) -> None:
    """The SLA timer of a task is due: remind, escalate, or time the task out."""
    head = t.heads[job.run_id]
    task = t.tx.task_at(job.run_id, job.step_id, job.iteration)
    if task is None or task.status != ACTIVE or task.sla_job_id != job.id:
        return  # decided, cancelled or rescheduled meanwhile
    step = human_step(t, head, task.step_id)
    plan = sla_plan(step)
    level = task.sla_level
    elapsed = t.now - task.created_at
    task = dataclasses.replace(task, sla_job_id=None)
    while level < len(plan) and plan[level][0] <= elapsed + 1e-6:
        _, what, index = plan[level]
        level += 1
        if what == "remind":
            t.tx.add_task_event(task.tenant, task.id, t.now, None, "reminded", {"n": index + 1})
            notify.announce(t.tx, task, "task.reminder", t.now)
            continue
        assert step.sla is not None
        escalation = step.sla.escalate[index]
        if escalation.action == "timeout":
            task = dataclasses.replace(task, sla_level=level)
            t.tx.add_task_event(task.tenant, task.id, t.now, None, "timed_out", {"after": escalation.after})
            t._history(head, "task_timed_out", task.step_id, task.iteration, data={"task_id": task.id})
            complete(
                t,
                head,
                ctx,
                task,
                outcome=TIMED_OUT,
                values=None,
                reason=None,
                decided_by=None,
                approvals=task.approvals,
                corrections=[],
            )
            return
        task = _escalate(t, task, escalation.action, escalation.to, _escalation_user(task, index), index)
    next_job = _sla_job(t, head, task, plan[level][0]) if level < len(plan) else None
    updated = dataclasses.replace(task, sla_level=level, sla_job_id=next_job)
    if not t.tx.update_task(updated):
        raise TaskConflict(f"task {task.id} changed while its SLA fired")


def _escalate(t: Transition, task: TaskRow, action: str, to: Any, user: Any, index: int) -> TaskRow:
    tx, now = t.tx, t.now
    try:
        if to.group is not None:
            target = resolve(tx, task.tenant, to, None, now, task.excluded)
        else:
            target = to_user(tx, task.tenant, username(user, "an escalation's to.user"), now, task.excluded)
    except AssignmentFailed as exc:
        tx.add_task_event(
            task.tenant, task.id, now, None, "escalation_failed", {"level": index + 1, "error": exc.message}
        )
        return task
    data = {"level": index + 1, "action": action, **_assignment_data(target, task.due_at)}
    tx.add_task_event(task.tenant, task.id, now, None, "escalated", data)
    t.engine.record_audit(tx, task.tenant, "system", "task.escalated", "task", task.id, after=data)
    if action == "reassign":
        task = dataclasses.replace(task, assignee=target.assignee, candidate_group=target.group, updated_at=now)
        notify.announce(tx, task, "task.escalated", now)
    else:
        notify.announce(tx, task, "task.escalated", now, target=target)
    return task


def _escalation_user(task: TaskRow, index: int) -> Any:
    users = task.spec.get("escalation_users") or []
    return users[index] if index < len(users) else None


def cancel_tasks(t: Transition, head: RunHead, reason: str, step_id: str | None = None) -> None:
    """Cancel the run's open tasks (all, or one step's): the run ended, or an operator moved on."""
    for task_id in t.tx.cancel_tasks_of_run(head.id, t.now, reason, step_id):
        t.engine.record_audit(
            t.tx, head.tenant, t.actor or "system", "task.cancelled", "task", task_id, after={"reason": reason}
        )


def has_human_steps(t: Transition, head: RunHead) -> bool:
    try:
        definition = t.definition(head)
    except Exception:
        return True  # cannot tell: look
    return any(step.kind == "human" for step in definition.steps.values())


def _sla_job(t: Transition, head: RunHead, task: TaskRow, offset: float) -> str:
    return t._insert_job(
        head, JobKind.TASK_SLA, task.step_id, task.iteration, task.scope, "default", task.created_at + offset
    )


def _assignment_data(assignment: Assignment, due: float | None) -> dict[str, Any]:
    data: dict[str, Any] = {"assignee": assignment.assignee, "group": assignment.group}
    if assignment.notes:
        data["notes"] = assignment.notes
    if due is not None:
        data["due_at"] = due
    return data


def _requester(t: Transition, head: RunHead, value: Any) -> str | None:
    if value is not None:
        return username(value, "requester")
    run = t.tx.get_run(head.id, head.tenant)
    created_by = run.created_by if run is not None else None
    if created_by and created_by.startswith("user:"):
        return created_by.removeprefix("user:")
    return None


def _approvals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise AssignmentFailed(f"four_eyes.approvals gave {value!r}; expected a whole number")
    if not 1 <= int(value) <= MAX_APPROVALS:
        raise AssignmentFailed(f"four_eyes.approvals gave {value}; expected 1 to {MAX_APPROVALS}")
    return int(value)


def _priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssignmentFailed(f"priority gave {value!r}; expected a number")
    return max(-100, min(100, int(value)))


def _excluded(t: Transition, head: RunHead, step: HumanConfig, requester: str | None) -> set[str]:
    excluded: set[str] = set()
    if step.four_eyes.not_requester and requester:
        excluded.add(requester)
    separate = set(step.four_eyes.separate_from)
    if separate:
        for other in t.tx.tasks_of_run(head.id):
            if other.step_id in separate and other.status == COMPLETED:
                if other.decided_by:
                    excluded.add(other.decided_by)
                excluded.update(a["user"] for a in other.approvals if a.get("user"))
    return excluded


__all__ = ["CANCELLED", "cancel_tasks", "complete", "has_human_steps", "open_task", "sla_fired", "sla_plan"]

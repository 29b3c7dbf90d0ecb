"""A task's life inside the engine's transactions: opened by a ``human`` step, completed by a
decision or a timeout, escalated by its SLA, cancelled with its run.

Everything here acts on the run through the step-kind port (officeflow.steps.port) of the
transaction that calls it: the task, the run's wait, the SLA timer, the history, the audit entry
and the notifications to send commit together, or not at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from officeflow.errors import TaskConflict
from officeflow.ids import uuid7
from officeflow.steps.port import RunPort, StepPort
from officeflow.store.records import Job
from officeflow.store.tx_tasks import ACTIVE, CANCELLED, COMPLETED, TaskRow
from officeflow.tasks import notify
from officeflow.tasks.assign import Assignment, AssignmentFailed, resolve, to_user, username
from officeflow.tasks.human import TIMED_OUT, HumanConfig

MAX_APPROVALS = 20
SLA_JOB = "task_sla"
"""The job kind of a task's SLA timer (remind, escalate, time out); the ``human`` kind owns it."""
TASK_WAIT = "task"
"""How a run's wait for a task is labelled (its key is the task id)."""


@dataclass(frozen=True, kw_only=True)
class Opening:
    """What a ``human`` step evaluated when the run reached it."""

    subject: str | None
    assignee: Any
    """A username from ``assign.user`` (before ``via`` walks the directory), or None for a group."""
    requester: Any
    approvals: Any
    priority: Any
    data: Any
    explanation: Any
    document: Any
    escalation_users: tuple[Any, ...] = ()
    """``to.user`` of each escalation, evaluated now (None where the escalation names a group)."""


def sla_plan(step: HumanConfig) -> list[tuple[float, str, int]]:
    """The SLA's moments after opening, in order: (offset, "remind" or "escalate", index)."""
    if step.sla is None:
        return []
    plan = [(after, "remind", i) for i, after in enumerate(step.sla.remind)]
    plan += [(e.after, "escalate", i) for i, e in enumerate(step.sla.escalate)]
    return sorted(plan, key=lambda p: (p[0], p[1] != "remind", p[2]))


def human_step(port: RunPort, step_id: str) -> HumanConfig:
    step = port.step(step_id)
    assert isinstance(step, HumanConfig)
    return step


def open_task(port: StepPort, step: HumanConfig, d: Opening) -> None:
    """Open the task of a ``human`` step, and make the run wait for it."""
    tx, now = port.tx, port.now
    try:
        requester = _requester(port, d.requester)
        approvals = _approvals(d.approvals)
        priority = _priority(d.priority)
        excluded = _excluded(port, step, requester)
        base = d.assignee
        if step.assign.user is None and step.assign.group is None:
            if requester is None:
                raise AssignmentFailed(
                    "assign walks the directory from the requester, but this run has none: start it as a user "
                    "or give the step a requester"
                )
            base = requester
        assignment = resolve(tx, port.tenant, step.assign, base, now, excluded)
    except AssignmentFailed as exc:
        port.fail("AssignmentFailed", exc.message)
        return
    spec = step.model_dump(mode="json", by_alias=True, exclude={"assign", "requester", "explain", "document"})
    spec["escalation_users"] = list(d.escalation_users)
    spec["document"] = d.document
    due = now + step.sla.due if step.sla is not None and step.sla.due is not None else None
    task = TaskRow(
        id=uuid7(),
        tenant=port.tenant,
        run_id=port.run_id,
        step_id=port.step_id,
        iteration=port.iteration,
        scope=port.scope,
        workflow=port.workflow,
        version=port.version,
        title=d.subject or step.title or port.step_id.replace("_", " ").capitalize(),
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
        task = dataclasses.replace(task, sla_job_id=port.schedule(SLA_JOB, task.created_at + plan[0][0]))
    tx.insert_task(task)
    port.wait(task.id, wait_kind=TASK_WAIT, timeout_job=task.sla_job_id, deadline=due)
    tx.add_task_event(port.tenant, task.id, now, port.actor, "opened", _assignment_data(assignment, due))
    port.history(
        "task_opened",
        {"task_id": task.id, "assignee": task.assignee, "group": task.candidate_group, "due_at": due},
    )
    port.audit(
        "task.opened",
        "task",
        task.id,
        after={
            "run_id": port.run_id,
            "step_id": port.step_id,
            "assignee": task.assignee,
            "group": task.candidate_group,
        },
    )
    notify.announce(tx, task, "task.assigned", now)


def complete(
    port: StepPort,
    task: TaskRow,
    *,
    outcome: str,
    values: dict[str, Any] | None,
    reason: dict[str, Any] | None,
    decided_by: str | None,
    approvals: tuple[dict[str, Any], ...],
    corrections: list[str],
) -> dict[str, Any]:
    """Close ``task`` (at the port's position) with ``outcome`` and move its run on; the step's output."""
    tx, now = port.tx, port.now
    port.end_wait()
    if task.sla_job_id:
        port.unschedule(task.sla_job_id)
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
    port.audit(
        "task.decided" if outcome != TIMED_OUT else "task.timed_out",
        "task",
        task.id,
        before={"status": task.status, "assignee": task.assignee},
        after={"outcome": outcome, "reason": reason, "run_id": task.run_id, "corrections": corrections},
        actor=f"user:{decided_by}" if decided_by else None,
    )
    port.complete(output, data={"task_id": task.id})
    return output


def sla_fired(port: StepPort, step: HumanConfig, job: Job) -> None:
    """The SLA timer of a task is due: remind, escalate, or time the task out."""
    tx, now = port.tx, port.now
    task = tx.task_at(port.run_id, port.step_id, port.iteration)
    if task is None or task.status != ACTIVE or task.sla_job_id != job.id:
        return  # decided, cancelled or rescheduled meanwhile
    plan = sla_plan(step)
    level = task.sla_level
    elapsed = now - task.created_at
    task = dataclasses.replace(task, sla_job_id=None)
    while level < len(plan) and plan[level][0] <= elapsed + 1e-6:
        _, what, index = plan[level]
        level += 1
        if what == "remind":
            tx.add_task_event(task.tenant, task.id, now, None, "reminded", {"n": index + 1})
            notify.announce(tx, task, "task.reminder", now)
            continue
        assert step.sla is not None
        escalation = step.sla.escalate[index]
        if escalation.action == "timeout":
            task = dataclasses.replace(task, sla_level=level)
            tx.add_task_event(task.tenant, task.id, now, None, "timed_out", {"after": escalation.after})
            port.history("task_timed_out", {"task_id": task.id})
            complete(
                port,
                task,
                outcome=TIMED_OUT,
                values=None,
                reason=None,
                decided_by=None,
                approvals=task.approvals,
                corrections=[],
            )
            return
        task = _escalate(port, task, escalation.action, escalation.to, _escalation_user(task, index), index)
    next_job = port.schedule(SLA_JOB, task.created_at + plan[level][0]) if level < len(plan) else None
    updated = dataclasses.replace(task, sla_level=level, sla_job_id=next_job)
    if not tx.update_task(updated):
        raise TaskConflict(f"task {task.id} changed while its SLA fired")


def _escalate(port: StepPort, task: TaskRow, action: str, to: Any, user: Any, index: int) -> TaskRow:
    tx, now = port.tx, port.now
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
    port.audit("task.escalated", "task", task.id, after=data, actor="system")
    if action == "reassign":
        task = dataclasses.replace(task, assignee=target.assignee, candidate_group=target.group, updated_at=now)
        notify.announce(tx, task, "task.escalated", now)
    else:
        notify.announce(tx, task, "task.escalated", now, target=target)
    return task


def _escalation_user(task: TaskRow, index: int) -> Any:
    users = task.spec.get("escalation_users") or []
    return users[index] if index < len(users) else None


def cancel_tasks(port: RunPort, reason: str, step_id: str | None = None) -> None:
    """Cancel the run's open tasks (all, or one step's): the run ended, or an operator moved on."""
    for task_id in port.tx.cancel_tasks_of_run(port.run_id, port.now, reason, step_id):
        port.audit("task.cancelled", "task", task_id, after={"reason": reason})


def drop_sla(port: StepPort) -> None:
    """Delete the SLA timer of the task at the port's position, if it has one."""
    task = port.tx.task_at(port.run_id, port.step_id, port.iteration)
    if task is not None and task.sla_job_id:
        port.unschedule(task.sla_job_id)


def _assignment_data(assignment: Assignment, due: float | None) -> dict[str, Any]:
    data: dict[str, Any] = {"assignee": assignment.assignee, "group": assignment.group}
    if assignment.notes:
        data["notes"] = assignment.notes
    if due is not None:
        data["due_at"] = due
    return data


def _requester(port: RunPort, value: Any) -> str | None:
    if value is not None:
        return username(value, "requester")
    run = port.tx.get_run(port.run_id, port.tenant)
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


def _excluded(port: RunPort, step: HumanConfig, requester: str | None) -> set[str]:
    excluded: set[str] = set()
    if step.four_eyes.not_requester and requester:
        excluded.add(requester)
    separate = set(step.four_eyes.separate_from)
    if separate:
        for other in port.tx.tasks_of_run(port.run_id):
            if other.step_id in separate and other.status == COMPLETED:
                if other.decided_by:
                    excluded.add(other.decided_by)
                excluded.update(a["user"] for a in other.approvals if a.get("user"))
    return excluded


__all__ = ["CANCELLED", "Opening", "cancel_tasks", "complete", "drop_sla", "open_task", "sla_fired", "sla_plan"]

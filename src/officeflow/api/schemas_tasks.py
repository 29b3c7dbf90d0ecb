"""Request and response bodies of the task and directory endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from officeflow.api.schemas import MAX_TIME, Input, Model, Name
from officeflow.clock import iso
from officeflow.store.tx_directory import AbsenceRow, DepartmentRow, GroupRow, PersonRow
from officeflow.store.tx_tasks import CorrectionRow, TaskEventRow, TaskRow

Username = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$", min_length=1, max_length=100)


class OutcomeOut(Model):
    name: str
    label: str
    style: str
    requires: list[str]
    reasons: list[str]
    reason_text: str


class TaskOut(Model):
    id: str
    title: str
    status: str = Field(description="active, completed or cancelled")
    workflow: str
    version: int
    run_id: str
    step_id: str
    assignee: str | None
    group: str | None
    requester: str | None
    priority: int
    due_at: str | None
    overdue: bool
    approvals_required: int
    approvals: list[dict[str, Any]]
    outcome: str | None
    decided_by: str | None
    decided_at: str | None
    lock_version: int = Field(description="send it back with a change: a task changed since is refused (409)")
    created_at: str | None

    @classmethod
    def of(cls, task: TaskRow, now: float) -> TaskOut:
        return cls(
            id=task.id,
            title=task.title,
            status=task.status,
            workflow=task.workflow,
            version=task.version,
            run_id=task.run_id,
            step_id=task.step_id,
            assignee=task.assignee,
            group=task.candidate_group,
            requester=task.requester,
            priority=task.priority,
            due_at=iso(task.due_at),
            overdue=task.status == "active" and task.due_at is not None and task.due_at < now,
            approvals_required=task.approvals_required,
            approvals=[{**a, "at": iso(a.get("at"))} for a in task.approvals],
            outcome=task.outcome,
            decided_by=task.decided_by,
            decided_at=iso(task.decided_at),
            lock_version=task.lock_version,
            created_at=iso(task.created_at),
        )


class TaskEventOut(Model):
    at: str | None
    actor: str | None
    type: str
    data: dict[str, Any] | None

    @classmethod
    def of(cls, event: TaskEventRow) -> TaskEventOut:
        return cls(at=iso(event.at), actor=event.actor, type=event.type, data=event.data)


class TaskDetail(TaskOut):
    outcomes: list[OutcomeOut]
    form: dict[str, Any] | None = Field(description="the form's JSON Schema")
    values: dict[str, Any] | None = Field(description="the form's current (pre-filled) values")
    explanation: dict[str, Any] | None
    document: Any = None
    decision: dict[str, Any] | None
    can_decide: bool
    why_not: str | None = Field(description="why the caller may not decide it now, if they may not")
    events: list[TaskEventOut]


class TaskPage(Model):
    tasks: list[TaskOut]
    counts: dict[str, int] = Field(description="tasks in each view (mine, groups, all) and overdue; capped at 10000")
    next: str | None = Field(description="cursor of the next page")


class ReasonIn(Input):
    code: str | None = Field(None, max_length=100)
    text: str | None = Field(None, max_length=2000)


class DecisionIn(Input):
    outcome: str = Field(max_length=50)
    values: dict[str, Any] | None = Field(None, description="all the form's values; omitted: the pre-filled ones")
    reason: ReasonIn | None = None
    lock_version: int | None = Field(None, ge=1, le=2**31 - 1)


class ClaimIn(Input):
    lock_version: int | None = Field(None, ge=1, le=2**31 - 1)


class DelegateIn(Input):
    to: str = Username
    reason: str = Field(min_length=1, max_length=2000)
    lock_version: int | None = Field(None, ge=1, le=2**31 - 1)


class ReassignIn(Input):
    to_user: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$", max_length=100)
    to_group: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    lock_version: int | None = Field(None, ge=1, le=2**31 - 1)


class CorrectionOut(Model):
    task_id: str
    run_id: str
    workflow: str
    step_id: str
    field: str
    before: Any
    after: Any
    actor: str
    at: str | None

    @classmethod
    def of(cls, row: CorrectionRow) -> CorrectionOut:
        return cls(
            task_id=row.task_id,
            run_id=row.run_id,
            workflow=row.workflow,
            step_id=row.step_id,
            field=row.field,
            before=row.before,
            after=row.after,
            actor=row.actor,
            at=iso(row.at),
        )


# Directory

DIRECTORY_NAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"


class PersonIn(Input):
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    manager: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$", max_length=100)
    department: str | None = Field(None, max_length=100)
    cost_centre: str | None = Field(None, max_length=100)


class PersonOut(PersonIn):
    username: str

    @classmethod
    def of(cls, row: PersonRow) -> PersonOut:
        return cls(
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            manager=row.manager,
            department=row.department,
            cost_centre=row.cost_centre,
        )


class DepartmentIn(Input):
    head: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$", max_length=100)
    cost_centre: str | None = Field(None, max_length=100)


class DepartmentOut(DepartmentIn):
    name: str

    @classmethod
    def of(cls, row: DepartmentRow) -> DepartmentOut:
        return cls(name=row.name, head=row.head, cost_centre=row.cost_centre)


class GroupIn(Input):
    description: str | None = Field(None, max_length=500)
    members: list[Annotated[str, Field(pattern=DIRECTORY_NAME, max_length=100)]] = Field(
        default_factory=list, max_length=10_000
    )


class GroupOut(Model):
    name: str
    description: str | None
    members: list[str]

    @classmethod
    def of(cls, row: GroupRow) -> GroupOut:
        return cls(name=row.name, description=row.description, members=list(row.members))


class AbsenceIn(Input):
    username: str = Username
    substitute: str = Username
    starts_at: float = Field(ge=0, le=MAX_TIME, description="epoch seconds")
    ends_at: float = Field(ge=0, le=MAX_TIME, description="epoch seconds")
    reason: str | None = Field(None, max_length=500)


class AbsenceOut(Model):
    id: str
    username: str
    substitute: str
    starts_at: str | None
    ends_at: str | None
    reason: str | None
    created_by: str | None

    @classmethod
    def of(cls, row: AbsenceRow) -> AbsenceOut:
        return cls(
            id=row.id,
            username=row.username,
            substitute=row.substitute,
            starts_at=iso(row.starts_at),
            ends_at=iso(row.ends_at),
            reason=row.reason,
            created_by=row.created_by,
        )


__all__ = ["Name"]

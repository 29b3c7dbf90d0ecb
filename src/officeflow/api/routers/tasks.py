"""/v1/tasks: the inbox and the decisions on human tasks; /v1/corrections: the fields people
changed, as labels for the models that filled them."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Query, Request

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.problems import bad_cursor
from officeflow.api.schemas_tasks import (
    ClaimIn,
    CorrectionOut,
    DecisionIn,
    DelegateIn,
    OutcomeOut,
    ReassignIn,
    TaskDetail,
    TaskEventOut,
    TaskOut,
    TaskPage,
)
from officeflow.edge.problems import ApiProblem
from officeflow.office import Office
from officeflow.queries.cursor import CursorInvalid, task_position
from officeflow.security.permissions import Principal
from officeflow.store.tx_tasks import TaskRow
from officeflow.tasks.service import Decision, Viewer

router = APIRouter(tags=["tasks"])
TASK_ID = r"^[0-9a-f-]{36}$"


def viewer_of(request: Request, principal: Principal) -> Viewer:
    """The person behind the caller; a holder of ``tasks.assign`` (tenant-wide) manages every task."""
    return office(request).queries.tasks.viewer(principal, manages=principal.can("tasks.assign"))


def _visible(request: Request, task_id: str) -> tuple[Principal, Viewer, TaskRow]:
    """The caller, the person behind them, and the task when they may see it (404 otherwise)."""
    principal = principal_of(request)
    viewer = viewer_of(request, principal)
    return principal, viewer, office(request).queries.tasks.visible(principal, viewer, task_id)


def detail(where: Office, principal: Principal, viewer: Viewer, task: TaskRow) -> TaskDetail:
    now = where.now()
    why = where.queries.tasks.why_not(viewer, task)
    if why is None and not principal.can("tasks.decide", task.workflow):
        why = "you do not have the approver role for this workflow"
    outcomes = [
        OutcomeOut(
            name=name,
            label=spec.get("label") or name.replace("_", " ").capitalize(),
            style=spec.get("style") or "default",
            requires=list(spec.get("requires") or ()),
            reasons=list(spec.get("reasons") or ()),
            reason_text=spec.get("reason_text") or "optional",
        )
        for name, spec in (task.spec.get("outcomes") or {}).items()
    ]
    form = task.spec.get("form")
    events = where.queries.tasks.events(task)
    return TaskDetail(
        **TaskOut.of(task, now).model_dump(),
        outcomes=outcomes,
        form=form.get("schema") if form else None,
        values=task.data,
        explanation=task.explanation,
        document=task.spec.get("document"),
        decision=task.decision,
        can_decide=why is None,
        why_not=why,
        events=[TaskEventOut.of(e) for e in events],
    )


@router.get("/v1/tasks", response_model=TaskPage, **guarded("tasks.read"))
async def list_tasks(
    request: Request,
    view: str = Query("mine", pattern="^(mine|groups|all)$", description="mine, groups (unclaimed) or all"),
    status: str = Query("active", pattern="^(active|completed|cancelled)$"),
    workflow: str | None = Query(None, pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$"),
    due_before: float | None = Query(None, ge=0, le=1e15, description="epoch seconds"),
    min_priority: int | None = Query(None, ge=-100, le=100),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=200),
) -> TaskPage:
    """The caller's inbox: tasks assigned to them (or to people they stand in for), tasks offered
    to their groups, or all (every task, for holders of ``tasks.assign``); most urgent first."""
    where, principal = office(request), principal_of(request)
    if cursor:
        try:
            task_position(cursor)
        except CursorInvalid:
            raise bad_cursor() from None

    def work() -> TaskPage:
        inbox = where.queries.tasks.inbox(
            principal,
            viewer_of(request, principal),
            view=view,
            status=status,
            workflow=workflow,
            due_before=due_before,
            min_priority=min_priority,
            after=cursor,
            limit=limit,
        )
        now = where.now()
        return TaskPage(tasks=[TaskOut.of(t, now) for t in inbox.tasks], counts=inbox.counts, next=inbox.next_cursor)

    return await anyio.to_thread.run_sync(work)


@router.get("/v1/tasks/{task_id}", response_model=TaskDetail, **guarded("tasks.read"))
def get_task(request: Request, task_id: str) -> TaskDetail:
    """A task with its form, pre-filled values, explanation, outcomes and log; ``can_decide``
    says whether the caller may decide it now (``why_not`` says why not)."""
    principal, viewer, task = _visible(request, task_id)
    return detail(office(request), principal, viewer, task)


@router.post("/v1/tasks/{task_id}/claim", response_model=TaskOut, **guarded("tasks.decide"))
def claim_task(request: Request, task_id: str, body: ClaimIn | None = None) -> TaskOut:
    """Take a task offered to one of your groups (409 when someone else was faster)."""
    _, viewer, _ = _visible(request, task_id)
    where = office(request)
    task = where.tasks.claim(viewer, task_id, body.lock_version if body else None)
    return TaskOut.of(task, where.now())


@router.post("/v1/tasks/{task_id}/release", response_model=TaskOut, **guarded("tasks.decide"))
def release_task(request: Request, task_id: str, body: ClaimIn | None = None) -> TaskOut:
    """Give a claimed task back to its group."""
    _, viewer, _ = _visible(request, task_id)
    where = office(request)
    task = where.tasks.release(viewer, task_id, body.lock_version if body else None)
    return TaskOut.of(task, where.now())


@router.post("/v1/tasks/{task_id}/delegate", response_model=TaskOut, **guarded("tasks.decide"))
def delegate_task(request: Request, task_id: str, body: DelegateIn) -> TaskOut:
    """Hand your task to someone else, saying why (four-eyes rules still apply to them)."""
    _, viewer, _ = _visible(request, task_id)
    where = office(request)
    task = where.tasks.delegate(viewer, task_id, body.to, body.reason, body.lock_version)
    return TaskOut.of(task, where.now())


@router.post("/v1/tasks/{task_id}/reassign", response_model=TaskOut, **guarded("tasks.assign"))
def reassign_task(request: Request, task_id: str, body: ReassignIn) -> TaskOut:
    """Give any task to another person or group (managers of tasks), saying why."""
    principal, viewer, found = _visible(request, task_id)
    if not principal.can("tasks.assign", found.workflow):
        raise ApiProblem(403, "forbidden", "Forbidden", "you may not reassign tasks of this workflow")
    where = office(request)
    task = where.tasks.reassign(
        viewer,
        task_id,
        to_user=body.to_user,
        to_group=body.to_group,
        reason=body.reason,
        lock_version=body.lock_version,
    )
    return TaskOut.of(task, where.now())


@router.post("/v1/tasks/{task_id}/decision", response_model=TaskDetail, **guarded("tasks.decide"))
def decide_task(request: Request, task_id: str, body: DecisionIn) -> TaskDetail:
    """Decide the task with one of its outcomes, the form's values and a reason. 409 when it was
    decided or changed since ``lock_version``; 403 when four-eyes rules or the assignment stand
    in the way; 422 with pointers when the decision is incomplete."""
    principal, viewer, found = _visible(request, task_id)
    if not principal.can("tasks.decide", found.workflow):
        raise ApiProblem(403, "forbidden", "Forbidden", "you may not decide tasks of this workflow")
    where = office(request)
    task = where.tasks.decide(
        viewer,
        task_id,
        Decision(
            outcome=body.outcome,
            values=body.values,
            reason_code=body.reason.code if body.reason else None,
            reason_text=body.reason.text if body.reason else None,
            lock_version=body.lock_version,
        ),
    )
    return detail(where, principal, viewer, task)


@router.get("/v1/corrections", response_model=list[CorrectionOut], **guarded("tasks.assign"))
def list_corrections(
    request: Request,
    workflow: str | None = Query(None, pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$"),
    task_id: str | None = Query(None, max_length=36),
) -> list[CorrectionOut]:
    """Fields people changed while deciding tasks (value before and after): labels for the
    models that pre-filled them."""
    rows = office(request).queries.tasks.corrections(principal_of(request), workflow=workflow, task_id=task_id)
    return [CorrectionOut.of(r) for r in rows]


__all__ = ["router", "viewer_of"]

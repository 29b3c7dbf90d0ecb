"""/v1/tasks: the inbox and the decisions on human tasks; /v1/corrections: the fields people
changed, as labels for the models that filled them."""

from __future__ import annotations

import base64
from typing import Any

import anyio
from fastapi import APIRouter, Query, Request

from officeflow.api.auth import current, guarded
from officeflow.api.problems import ApiProblem
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
from officeflow.errors import TaskNotFound
from officeflow.security.permissions import Principal
from officeflow.store.tx_tasks import NO_DUE, TaskRow
from officeflow.tasks.service import Decision, Viewer

router = APIRouter(tags=["tasks"])
TASK_ID = r"^[0-9a-f-]{36}$"


def _engine(request: Request) -> Any:
    return request.app.state.engine


def viewer_of(engine: Any, principal: Principal) -> Viewer:
    """The person behind a principal (an API key acts as itself: it holds no tasks of its own)."""
    name = principal.name if principal.kind == "user" else f"{principal.kind}:{principal.name}"
    return engine.tasks.viewer(principal.tenant, name, manages=principal.can("tasks.assign"))  # type: ignore[no-any-return]


def _principal(request: Request) -> Principal:
    principal = current(request)
    assert principal is not None
    return principal


def _visible_task(engine: Any, principal: Principal, viewer: Viewer, task_id: str) -> TaskRow:
    """The task, when the caller may see it; otherwise 404 (whether it exists or not)."""
    task: TaskRow = engine.tasks.get(principal.tenant, task_id)
    if not principal.can("tasks.read", task.workflow) or not engine.tasks.visible(viewer, task):
        raise TaskNotFound(f"no task {task_id} in tenant '{principal.tenant}'")
    return task


def _cursor(after: tuple[int, float, str] | None) -> str | None:
    if after is None:
        return None
    return base64.urlsafe_b64encode(f"{after[0]}|{after[1]!r}|{after[2]}".encode()).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[int, float, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        priority, due, task_id = text.split("|")
        return int(priority), float(due), task_id
    except Exception:
        raise ApiProblem(
            400,
            "bad-cursor",
            "Bad cursor",
            "the cursor is not one this API returned",
            errors=[{"pointer": "/cursor", "in": "query", "detail": "invalid cursor"}],
        ) from None


def detail(engine: Any, principal: Principal, viewer: Viewer, task: TaskRow) -> TaskDetail:
    now = engine.now()
    why = engine.tasks.why_not(viewer, task)
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
    events = engine.tasks.events(principal.tenant, task.id)
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
    engine, principal = _engine(request), _principal(request)
    after = _parse_cursor(cursor) if cursor else None
    scopes = principal.workflows("tasks.read")

    def work() -> TaskPage:
        viewer = viewer_of(engine, principal)
        inbox = engine.tasks.inbox(
            viewer,
            view=view,
            status=status,
            workflow=workflow,
            workflows=sorted(scopes) if scopes is not None else None,
            due_before=due_before,
            min_priority=min_priority,
            after=after,
            limit=limit,
        )
        now = engine.now()
        return TaskPage(
            tasks=[TaskOut.of(t, now) for t in inbox.tasks],
            counts=inbox.counts,
            next=_cursor(inbox.next_after),
        )

    return await anyio.to_thread.run_sync(work)


@router.get("/v1/tasks/{task_id}", response_model=TaskDetail, **guarded("tasks.read"))
def get_task(request: Request, task_id: str) -> TaskDetail:
    """A task with its form, pre-filled values, explanation, outcomes and log; ``can_decide``
    says whether the caller may decide it now (``why_not`` says why not)."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    return detail(engine, principal, viewer, _visible_task(engine, principal, viewer, task_id))


@router.post("/v1/tasks/{task_id}/claim", response_model=TaskOut, **guarded("tasks.decide"))
def claim_task(request: Request, task_id: str, body: ClaimIn | None = None) -> TaskOut:
    """Take a task offered to one of your groups (409 when someone else was faster)."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    _visible_task(engine, principal, viewer, task_id)
    task = engine.tasks.claim(viewer, task_id, body.lock_version if body else None)
    return TaskOut.of(task, engine.now())


@router.post("/v1/tasks/{task_id}/release", response_model=TaskOut, **guarded("tasks.decide"))
def release_task(request: Request, task_id: str, body: ClaimIn | None = None) -> TaskOut:
    """Give a claimed task back to its group."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    _visible_task(engine, principal, viewer, task_id)
    task = engine.tasks.release(viewer, task_id, body.lock_version if body else None)
    return TaskOut.of(task, engine.now())


@router.post("/v1/tasks/{task_id}/delegate", response_model=TaskOut, **guarded("tasks.decide"))
def delegate_task(request: Request, task_id: str, body: DelegateIn) -> TaskOut:
    """Hand your task to someone else, saying why (four-eyes rules still apply to them)."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    _visible_task(engine, principal, viewer, task_id)
    task = engine.tasks.delegate(viewer, task_id, body.to, body.reason, body.lock_version)
    return TaskOut.of(task, engine.now())


@router.post("/v1/tasks/{task_id}/reassign", response_model=TaskOut, **guarded("tasks.assign"))
def reassign_task(request: Request, task_id: str, body: ReassignIn) -> TaskOut:
    """Give any task to another person or group (managers of tasks), saying why."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    found = _visible_task(engine, principal, viewer, task_id)
    if not principal.can("tasks.assign", found.workflow):
        raise ApiProblem(403, "forbidden", "Forbidden", "you may not reassign tasks of this workflow")
    task = engine.tasks.reassign(
        viewer,
        task_id,
        to_user=body.to_user,
        to_group=body.to_group,
        reason=body.reason,
        lock_version=body.lock_version,
    )
    return TaskOut.of(task, engine.now())


@router.post("/v1/tasks/{task_id}/decision", response_model=TaskDetail, **guarded("tasks.decide"))
def decide_task(request: Request, task_id: str, body: DecisionIn) -> TaskDetail:
    """Decide the task with one of its outcomes, the form's values and a reason. 409 when it was
    decided or changed since ``lock_version``; 403 when four-eyes rules or the assignment stand
    in the way; 422 with pointers when the decision is incomplete."""
    engine, principal = _engine(request), _principal(request)
    viewer = viewer_of(engine, principal)
    found = _visible_task(engine, principal, viewer, task_id)
    if not principal.can("tasks.decide", found.workflow):
        raise ApiProblem(403, "forbidden", "Forbidden", "you may not decide tasks of this workflow")
    task = engine.tasks.decide(
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
    return detail(engine, principal, viewer, task)


@router.get("/v1/corrections", response_model=list[CorrectionOut], **guarded("tasks.assign"))
def list_corrections(
    request: Request,
    workflow: str | None = Query(None, pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$"),
    task_id: str | None = Query(None, max_length=36),
) -> list[CorrectionOut]:
    """Fields people changed while deciding tasks (value before and after): labels for the
    models that pre-filled them."""
    engine, principal = _engine(request), _principal(request)
    rows = engine.tasks.corrections(principal.tenant, workflow=workflow, task_id=task_id)
    return [CorrectionOut.of(r) for r in rows if principal.can("tasks.read", r.workflow)]


__all__ = ["NO_DUE", "router", "viewer_of"]

"""The inbox (/inbox) and the task page (/tasks/{id}): what approvers work in.

The inbox lists the viewer's tasks (mine, my groups', or everything for a manager of tasks),
most urgent first, with SLA badges and counts, filtered by workflow, due time and priority.
The task page shows the document, the form pre-filled from earlier steps, the explanation
earlier steps attached, the task's log and the run's progress, and the decision buttons; a
decision carries the task's lock version, so a task decided by someone else in the meantime is
refused with a clear message instead of being decided twice.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from officeflow.errors import DecisionInvalid, InvalidRunState, NotAllowed, NotFound, TaskConflict, TaskNotFound
from officeflow.queries.cursor import CursorInvalid
from officeflow.store.tx_tasks import TaskRow
from officeflow.tasks.service import Decision
from officeflow.tasks.service import Viewer as TaskViewer
from officeflow.web import forms, graph, state
from officeflow.web.context import console_of, office_of
from officeflow.web.document_view import reading_view
from officeflow.web.documents import DocumentUnreadable, PageCache
from officeflow.web.errors import PageError
from officeflow.web.runs import STALE_LINK, workflow_names
from officeflow.web.session import Viewer, safe_next, viewer

router = APIRouter(include_in_schema=False)
PAGE = 50
SOON = 4 * 3600.0
"""A task due within this long is 'due soon'."""
DUE_FILTERS = {"overdue": 0.0, "today": 86400.0, "week": 7 * 86400.0}
MAX_FORM_FIELDS = 500
PAGES = PageCache()
"""Rendered PDF pages of task documents (see officeflow.web.documents)."""


def task_viewer(request: Request, who: Viewer) -> TaskViewer:
    """The person behind the viewer; one who may assign tasks of any workflow manages them."""
    return office_of(request).queries.tasks.viewer(who.principal, manages=who.can_any("tasks.assign"))


def sla(task: TaskRow, now: float) -> dict[str, str] | None:
    """The SLA badge of an open task: overdue, due soon, or on time."""
    if task.due_at is None or task.status != "active":
        return None
    left = task.due_at - now
    if left < 0:
        return {"class": "sla-over", "text": "overdue", "title": f"was due {_span(-left)} ago"}
    if left < SOON:
        return {"class": "sla-soon", "text": f"due in {_span(left)}", "title": "due soon"}
    return {"class": "sla-ok", "text": f"due in {_span(left)}", "title": "on time"}


def _span(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


@router.get("/inbox")
def inbox_page(
    request: Request,
    view: str = "",
    workflow: str = "",
    due: str = "",
    priority: str = "",
    after: str = "",
    done: str = "",
) -> Response:
    who = viewer(request)
    if not who.can_any("tasks.read"):
        raise PageError(403, "Your roles do not include working on tasks.")
    where = office_of(request)
    tv = task_viewer(request, who)
    chosen_view = view
    view = view or "mine"
    if view not in ("mine", "groups", "all"):
        raise PageError(400, "Choose the view mine, groups or all.")
    if due and due not in DUE_FILTERS:
        raise PageError(400, "Choose the due filter overdue, today or week.")
    min_priority: int | None = None
    if priority:
        try:
            min_priority = int(priority)
        except ValueError:
            raise PageError(400, "The priority is a whole number.") from None
    now = where.now()
    options: dict[str, Any] = {
        "workflow": workflow.strip() or None,
        "due_before": now + DUE_FILTERS[due] if due else None,
        "min_priority": min_priority,
        "after": after or None,
        "limit": PAGE,
    }
    try:
        result = where.queries.tasks.inbox(who.principal, tv, view=view, **options)
        if not chosen_view and not result.tasks and result.counts["groups"]:
            view = "groups"  # nothing assigned to the viewer: show what their groups have
            result = where.queries.tasks.inbox(who.principal, tv, view=view, **options)
    except CursorInvalid:
        raise PageError(400, STALE_LINK) from None
    rows = [
        {"task": t, "sla": sla(t, now), "mine": t.assignee in tv.holders, "for": _for_whom(t, tv)} for t in result.tasks
    ]
    query = {k: v for k, v in {"view": view, "workflow": workflow, "due": due, "priority": priority}.items() if v}
    return console_of(request).page(
        request,
        "inbox.html",
        who=who,
        section="inbox",
        rows=rows,
        counts=result.counts,
        view=view,
        filters={"workflow": workflow, "due": due, "priority": priority},
        query=query,
        workflows=_workflows(request, who),
        next_cursor=result.next_cursor,
        paged=bool(after),
        notice=_notice(done),
        stands_in_for=tv.stands_in_for,
        groups=tv.groups,
    )


def _for_whom(task: TaskRow, tv: TaskViewer) -> str:
    if task.assignee is None:
        return f"group {task.candidate_group}"
    if task.assignee == tv.username:
        return "you"
    if task.assignee in tv.stands_in_for:
        return f"{task.assignee} (you stand in)"
    return task.assignee


def _notice(done: str) -> str | None:
    return {
        "decided": "Decision recorded. The request has moved on.",
        "approved": "Your approval is recorded; the task waits for the other approvers.",
        "claimed": "The task is yours now.",
        "released": "The task is back with its group.",
        "delegated": "The task was handed over.",
        "reassigned": "The task was reassigned.",
    }.get(done)


def _workflows(request: Request, who: Viewer) -> list[str]:
    return workflow_names(request, who, "tasks.read")


def load_task(request: Request, task_id: str) -> tuple[Viewer, TaskViewer, TaskRow]:
    who = viewer(request)
    tv = task_viewer(request, who)
    try:
        task = office_of(request).queries.tasks.visible(who.principal, tv, task_id[:64])
    except TaskNotFound:
        raise PageError(404, "There is no such task, or it is not yours to see.") from None
    return who, tv, task


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: str, done: str = "") -> Response:
    who, tv, task = load_task(request, task_id)
    return render_task(request, who, tv, task, notice=_notice(done))


def render_task(
    request: Request,
    who: Viewer,
    tv: TaskViewer,
    task: TaskRow,
    *,
    status: int = 200,
    error: str | None = None,
    error_items: list[str] | None = None,
    field_errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    chosen: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    where = office_of(request)
    engine = where.engine
    now = where.now()
    why = where.queries.tasks.why_not(tv, task)
    if why is None and not who.can("tasks.decide", task.workflow):
        why = "deciding needs the approver role on this workflow"
    form_spec = task.spec.get("form") or {}
    schema = form_spec.get("schema") if isinstance(form_spec, dict) else None
    values = typed if typed is not None else (task.data or {})
    form_fields = forms.fields(schema, values, field_errors) if isinstance(schema, dict) else []
    outcomes = [
        {
            "name": name,
            "label": spec.get("label") or name.replace("_", " ").capitalize(),
            "style": spec.get("style") or "default",
            "reasons": list(spec.get("reasons") or ()),
            "reason_text": spec.get("reason_text") or "optional",
            "requires": list(spec.get("requires") or ()),
        }
        for name, spec in (task.spec.get("outcomes") or {}).items()
    ]
    run = engine.get_run(task.run_id, tenant=task.tenant)
    history = engine.history(task.run_id, tenant=task.tenant)[-12:]
    definition = engine.definition(task.workflow, task.version, tenant=task.tenant)
    positions, last_events = where.queries.runs.progress(run.id)
    states = state.step_states(positions, last_events)
    return console_of(request).page(
        request,
        "task.html",
        who=who,
        section="inbox",
        status=status,
        task=task,
        run=run,
        sla=sla(task, now),
        why_not=why,
        can_claim=task.status == "active"
        and task.assignee is None
        and task.candidate_group in tv.groups
        and tv.username not in task.excluded,
        can_release=task.status == "active" and task.assignee in tv.holders and task.candidate_group is not None,
        can_delegate=task.status == "active" and task.assignee in tv.holders,
        can_reassign=task.status == "active" and who.can("tasks.assign", task.workflow),
        groups=[g.name for g in where.directory.groups(task.tenant)] if who.can("tasks.assign", task.workflow) else [],
        fields=form_fields,
        outcomes=outcomes,
        explanation=task.explanation,
        decisions=where.queries.decision_tables.evaluated_in_run(task.tenant, task.run_id),
        document=_document(task),
        events=where.queries.tasks.events(task),
        history=history,
        svg=graph.render(definition, states, label=f"Progress of run {run.id}"),
        legend=graph.legend(states, definition),
        error=error,
        error_items=error_items or [],
        chosen=chosen or {},
        notice=notice,
        approvals_left=max(0, task.approvals_required - len(task.approvals)),
    )


def _document(task: TaskRow) -> dict[str, Any] | None:
    """The task's document: a stored file id (or ``{"file_id": ...}``), shown on the page; a
    document step's output also brings the fields read from it, boxes drawn over its pages."""
    spec = task.spec.get("document")
    ref = spec.get("file_id") or spec.get("id") if isinstance(spec, dict) else spec
    if not isinstance(ref, str) or not ref:
        return None
    reading = reading_view(task.id, spec) if isinstance(spec, dict) else None
    return {"file_id": ref, "src": f"/tasks/{task.id}/document", "reading": reading}


@router.get("/tasks/{task_id}/document")
def task_document(request: Request, task_id: str, page: int = 1) -> Response:
    """The task's document as an image: images as they are, a PDF's page (the first by default) rendered."""
    who, _, task = load_task(request, task_id)
    document = _document(task)
    if document is None or not who.can("files.read"):
        raise PageError(404, "This task has no document you may see.")
    try:
        row, content = office_of(request).queries.files.get(task.tenant, document["file_id"])
    except NotFound:
        raise PageError(404, "The task's document is not stored (any more).") from None
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"}
    if row.content_type in ("image/png", "image/jpeg", "image/webp", "image/gif"):
        return Response(content, media_type=row.content_type, headers=headers)
    if row.content_type == "application/pdf":
        try:
            png = PAGES.get(row.sha256, max(0, min(page, 10_000) - 1), content)
        except DocumentUnreadable as exc:
            raise PageError(422, f"The PDF cannot be shown here ({exc.message}); download it instead.") from None
        return Response(png, media_type="image/png", headers=headers)
    raise PageError(415, f"A {row.content_type} document cannot be shown here; download it instead.")


# Actions


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form()
    out: dict[str, str] = {}
    for key, value in raw.multi_items():
        if isinstance(value, str) and len(out) < MAX_FORM_FIELDS:
            out[key] = value
    return out


def _back(task: TaskRow, done: str, form: dict[str, str]) -> Response:
    back = safe_next(form.get("back"), default="") or "/inbox"
    return RedirectResponse(back + ("&" if "?" in back else "?") + f"done={done}", status_code=303)


def _lock(form: dict[str, str]) -> int | None:
    text = form.get("lock_version", "")
    return int(text) if text.isdigit() else None


@router.post("/tasks/{task_id}/decide")
async def decide(request: Request, task_id: str) -> Response:
    form = await _form(request)
    who, tv, task = load_task(request, task_id)
    if not who.can("tasks.decide", task.workflow):
        raise PageError(403, "Deciding tasks of this workflow needs the approver role.")
    outcome = form.get("outcome", "")
    schema = (task.spec.get("form") or {}).get("schema")
    values: dict[str, Any] | None = None
    field_errors: dict[str, str] = {}
    if isinstance(schema, dict):
        values, problems = forms.read(schema, form, task.data or {})
        field_errors = {p.pointer or "/": p.message for p in problems}
    chosen = {
        "outcome": outcome,
        "reason_code": form.get("reason_code", ""),
        "reason_text": form.get("reason_text", ""),
    }
    if field_errors:
        return render_task(
            request,
            who,
            tv,
            task,
            status=422,
            error="Some fields need attention.",
            field_errors=field_errors,
            typed=values,
            chosen=chosen,
        )
    decision = Decision(
        outcome=outcome,
        values=values,
        reason_code=form.get("reason_code") or None,
        reason_text=form.get("reason_text") or None,
        lock_version=_lock(form),
    )
    tasks = office_of(request).tasks
    try:
        after = tasks.decide(tv, task.id, decision)
    except DecisionInvalid as exc:
        errors = {(p.pointer or "/").removeprefix("/values"): p.message for p in exc.problems}
        field_errors = {k: v for k, v in errors.items() if not k.startswith("/reason") and k != "/outcome"}
        others = [p.message for p in exc.problems if (p.pointer or "").startswith(("/reason", "/outcome"))]
        return render_task(
            request,
            who,
            tv,
            task,
            status=422,
            error="The decision is not complete.",
            error_items=others,
            field_errors=field_errors,
            typed=values,
            chosen=chosen,
        )
    except TaskConflict as exc:
        fresh = tasks.get(task.tenant, task.id)
        return render_task(request, who, tv, fresh, status=409, error=_conflict(fresh, exc.message))
    except (NotAllowed, InvalidRunState) as exc:
        return render_task(
            request, who, tv, task, status=403 if isinstance(exc, NotAllowed) else 409, error=exc.message
        )
    if after.status == "active":
        return RedirectResponse(f"/tasks/{task.id}?done=approved", status_code=303)
    return _back(task, "decided", form)


def _conflict(task: TaskRow, message: str) -> str:
    if task.status == "completed" and task.decided_by:
        when = time.strftime("%H:%M", time.gmtime(task.decided_at or 0))
        return f"{task.decided_by} already decided this task ({task.outcome}, {when} UTC). Nothing was changed."
    return message[:1].upper() + message[1:]


@router.post("/tasks/{task_id}/claim")
async def claim(request: Request, task_id: str) -> Response:
    form = await _form(request)
    who, tv, task = load_task(request, task_id)
    return _attempt(request, who, tv, task, lambda: office_of(request).tasks.claim(tv, task.id, _lock(form)), "claimed")


@router.post("/tasks/{task_id}/release")
async def release(request: Request, task_id: str) -> Response:
    form = await _form(request)
    who, tv, task = load_task(request, task_id)
    result = _attempt(
        request, who, tv, task, lambda: office_of(request).tasks.release(tv, task.id, _lock(form)), "released"
    )
    if result.status_code == 303:
        return _back(task, "released", form)
    return result


@router.post("/tasks/{task_id}/delegate")
async def delegate(request: Request, task_id: str) -> Response:
    form = await _form(request)
    who, tv, task = load_task(request, task_id)
    to, reason = form.get("to", "").strip(), form.get("reason", "").strip()
    if not to or not reason:
        return render_task(request, who, tv, task, status=422, error="Name the person and say why you hand it over.")
    result = _attempt(
        request,
        who,
        tv,
        task,
        lambda: office_of(request).tasks.delegate(tv, task.id, to[:100], reason[:2000], _lock(form)),
        "delegated",
    )
    if result.status_code == 303:
        return _back(task, "delegated", form)
    return result


@router.post("/tasks/{task_id}/reassign")
async def reassign(request: Request, task_id: str) -> Response:
    """A manager of tasks (``tasks.assign``) gives the task to another person or group."""
    form = await _form(request)
    who, tv, task = load_task(request, task_id)
    if not who.can("tasks.assign", task.workflow):
        raise PageError(403, "Reassigning tasks needs the tasks.assign permission (operators and admins).")
    target, reason = form.get("to", "").strip(), form.get("reason", "").strip()
    to_group = target.removeprefix("group:") if target.startswith("group:") else None
    to_user = None if to_group is not None else target
    if not target or not reason:
        return render_task(request, who, tv, task, status=422, error="Name a person or a group, and say why.")
    tasks = office_of(request).tasks
    try:
        tasks.reassign(tv, task.id, to_user=to_user, to_group=to_group, reason=reason[:2000], lock_version=_lock(form))
    except TaskConflict as exc:
        return render_task(
            request, who, tv, tasks.get(task.tenant, task.id), status=409, error=_conflict(task, exc.message)
        )
    except (NotAllowed, DecisionInvalid) as exc:
        return render_task(request, who, tv, task, status=422, error=exc.message.split("\n")[0])
    return RedirectResponse(f"/tasks/{task.id}?done=reassigned", status_code=303)


def _attempt(request: Request, who: Viewer, tv: TaskViewer, task: TaskRow, work: Any, done: str) -> Response:
    if not who.can("tasks.decide", task.workflow):
        raise PageError(403, "Working on tasks of this workflow needs the approver role.")
    try:
        work()
    except TaskConflict as exc:
        fresh = office_of(request).tasks.get(task.tenant, task.id)
        return render_task(request, who, tv, fresh, status=409, error=_conflict(task, exc.message))
    except (NotAllowed, DecisionInvalid) as exc:
        return render_task(
            request, who, tv, task, status=403 if isinstance(exc, NotAllowed) else 422, error=exc.message.split("\n")[0]
        )
    return RedirectResponse(f"/tasks/{task.id}?done={done}", status_code=303)

"""/runs/{id}: one run: its graph with the steps done, in progress and failed; where it is now;
its history; input and output; and the operator actions the viewer may take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.store.records import HistoryEvent, Run, RunStatus
from officeflow.web import graph, state
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
HISTORY_PAGE = 300
ACTIVE = (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PAUSED, RunStatus.FAILED)
DONE = {
    "retried": "Retry requested: the failed step(s) are queued again.",
    "skipped": "The step was skipped with the output you gave.",
    "cancelled": "The run was cancelled.",
    "paused": "The run is paused: nothing of it runs until it is resumed.",
    "resumed": "The run was resumed.",
    "migrated": "The run now follows the new version.",
    "signaled": "The signal was delivered.",
    "kept": "The signal was kept: the run takes it when it waits for it.",
}
EVENTS: dict[str, tuple[str, str]] = {
    "run_started": ("Run started", "run"),
    "step_completed": ("Step completed", "ok"),
    "step_skipped": ("Step skipped by an operator", "op"),
    "step_retrying": ("Attempt failed; retrying", "warn"),
    "step_failed": ("Step failed", "bad"),
    "run_failed": ("Run failed", "bad"),
    "waiting": ("Waiting for a signal", "run"),
    "signal_received": ("Signal received", "run"),
    "wait_timed_out": ("Wait timed out", "warn"),
    "timer_started": ("Timer started", "run"),
    "branch_ended": ("Branch ended", "ok"),
    "run_completed": ("Run completed", "ok"),
    "run_cancelled": ("Run cancelled", "op"),
    "run_paused": ("Run paused", "op"),
    "run_resumed": ("Run resumed", "op"),
    "run_retried": ("Run retried", "op"),
    "run_migrated": ("Run migrated", "op"),
    "lease_expired": ("Worker lease expired; the step runs again", "warn"),
}


@dataclass(frozen=True)
class Entry:
    """A history event as the timeline shows it."""

    event: HistoryEvent
    label: str
    tone: str
    message: str | None
    details: Any


def entry(event: HistoryEvent) -> Entry:
    label, tone = EVENTS.get(event.type, (event.type.replace("_", " ").capitalize(), "idle"))
    data = event.data or {}
    message = None
    if event.type in ("step_failed", "step_retrying"):
        error = data.get("error", data)
        message = (
            f"{error.get('type', 'Error')}: {error.get('message', '')}".strip(": ") if isinstance(error, dict) else None
        )
    elif event.type == "run_failed":
        message = data.get("message")
    return Entry(event=event, label=label, tone=tone, message=message, details=event.data)


def load_run(request: Request, run_id: str) -> tuple[Viewer, Run]:
    """The run if the viewer may read it; another tenant's run, or one the viewer's roles do not
    cover, is not found."""
    who = viewer(request)
    return who, office_of(request).queries.runs.readable(who.principal, run_id)


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str, done: str = "", after: int = 0) -> Response:
    who, run = load_run(request, run_id)
    return render_run(request, who, run, notice=DONE.get(done), after=max(0, after))


def render_run(
    request: Request,
    who: Viewer,
    run: Run,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    error_items: list[str] | None = None,
    plan: Any = None,
    form: dict[str, str] | None = None,
    after: int = 0,
) -> Response:
    where = office_of(request)
    view = where.queries.runs.view(run, history_after=after, history_limit=HISTORY_PAGE)
    definition, positions, history = view.definition, view.positions, view.history
    if after and not history:
        raise PageError(404, "There are no history events after that point.")
    states = state.step_states(positions, view.last_events)
    can_operate = who.can("runs.operate", run.workflow)
    can_signal = who.can("runs.signal", run.workflow)
    active = run.status in ACTIVE
    return console_of(request).page(
        request,
        "run.html",
        who=who,
        section="runs",
        status=status,
        run=run,
        definition=definition,
        svg=graph.render(definition, states, label=f"Graph of {run.workflow} version {run.version} for run {run.id}"),
        legend=graph.legend(states, definition),
        places=state.places(positions),
        buffered=positions.signals,
        history=[entry(e) for e in history],
        history_after=after,
        history_next=history[-1].id if view.more_history else None,
        children=view.children,
        can_operate=can_operate,
        can_signal=can_signal,
        active=active,
        skippable=state.skippable(positions) if active else [],
        retry_points=state.retry_points(definition, positions) if run.status == RunStatus.FAILED else [],
        signals=state.signals_awaited(positions),
        versions=[v for v in view.versions if v.version != run.version],
        notice=notice,
        error=error,
        error_items=error_items or [],
        plan=plan,
        form=form or {},
        duration=((run.completed_at or where.now()) - run.created_at),
    )

"""Where a run stands, for the run page: each step's state on the graph, and the steps the
operator forms offer (skip a failed/waiting/sleeping step; retry from a step of a failed branch)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from officeflow.definitions.model import Definition
from officeflow.engine.engine import Positions
from officeflow.store.records import JobKind, JobStatus

DONE_EVENTS = frozenset({"step_completed", "step_skipped"})


@dataclass(frozen=True)
class Place:
    """A position of the run, in words."""

    step_id: str
    what: str
    """'failed', 'queued', 'executing', 'retrying', 'sleeping', 'waiting for a signal', ..."""
    detail: str = ""
    due_at: float | None = None
    error: str | None = None


def step_states(positions: Positions, last_events: Mapping[str, str]) -> dict[str, str]:
    """step id -> 'completed', 'current' or 'failed'."""
    states: dict[str, str] = {}
    for step, event in last_events.items():
        if event in DONE_EVENTS:
            states[step] = "completed"
        elif event == "step_failed":
            states[step] = "failed"
    for step_id, _, _ in positions.joins:
        states[step_id] = "current"
    for wait in positions.waits:
        states[wait.step_id] = "current"
    for job in positions.jobs:
        if job.status != JobStatus.FAILED:
            states[job.step_id] = "current"
    for job in positions.jobs:
        if job.status == JobStatus.FAILED:
            states[job.step_id] = "failed"
    return states


def places(positions: Positions) -> list[Place]:
    out = []
    for job in positions.jobs:
        error = (job.error or {}).get("message") if job.error else None
        if job.status == JobStatus.FAILED:
            out.append(Place(job.step_id, "failed", f"after {job.attempt} attempt(s)", error=error))
        elif job.kind == JobKind.TIMER:
            out.append(Place(job.step_id, "sleeping", "until", due_at=job.available_at))
        elif job.kind == JobKind.TIMEOUT:
            continue  # shown with its wait
        elif job.status == JobStatus.RUNNING:
            out.append(Place(job.step_id, "executing", f"attempt {job.attempt}"))
        elif job.status == JobStatus.PAUSED:
            out.append(Place(job.step_id, "paused", "queued when the run resumes"))
        elif job.error:
            out.append(Place(job.step_id, "retrying", "next attempt", due_at=job.available_at, error=error))
        else:
            out.append(Place(job.step_id, "queued", "", due_at=job.available_at))
    for wait in positions.waits:
        if wait.kind == "signal":
            out.append(Place(wait.step_id, "waiting", f"for signal '{wait.signal}'", due_at=wait.deadline))
        else:
            out.append(Place(wait.step_id, "waiting", f"for child run {wait.child_run_id}"))
    for step_id, _, remaining in positions.joins:
        out.append(Place(step_id, "joining", f"{remaining} branch(es) still running"))
    return out


def skippable(positions: Positions) -> list[str]:
    """Steps an operator can complete with a supplied output: failed, waiting for a signal, sleeping."""
    steps = [j.step_id for j in positions.jobs if j.status == JobStatus.FAILED or j.kind == JobKind.TIMER]
    steps += [w.step_id for w in positions.waits if w.kind == "signal"]
    return list(dict.fromkeys(steps))


def retry_points(definition: Definition, positions: Positions) -> list[str]:
    """Steps a failed run can be retried from: those in the branch of a failed step."""
    scopes = {tuple((p, b) for p, _, b in j.scope) for j in positions.jobs if j.status == JobStatus.FAILED}
    return [sid for sid in definition.steps if definition.scope_of(sid) in scopes]


def signals_awaited(positions: Positions) -> list[str]:
    return list(dict.fromkeys(w.signal for w in positions.waits if w.kind == "signal" and w.signal))

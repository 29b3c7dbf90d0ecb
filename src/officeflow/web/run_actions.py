"""Operator actions on a run, as form posts: retry, skip, cancel, pause, resume, migrate, signal.

Each checks the viewer's permission on the run's workflow (403 page otherwise; the forms are only
shown to those who may use them), calls the engine's operation with the viewer as actor (so the
run's history and the audit log name them), and redirects back to the run (post/redirect/get).
A refusal by the engine (the run is in the wrong state, a migration does not fit) shows the run
page again with the reason and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from officeflow import safeyaml
from officeflow.errors import MigrationRefused, NotFound, OfficeflowError
from officeflow.store.records import Run
from officeflow.web.context import office_of
from officeflow.web.errors import PageError
from officeflow.web.run_page import load_run, render_run
from officeflow.web.session import Viewer, safe_next

router = APIRouter(include_in_schema=False)
TEXT = 10_000
JSON_TEXT = 200_000


def _allowed(request: Request, run_id: str, action: str) -> tuple[Viewer, Run]:
    who, run = load_run(request, run_id)
    if not who.can(action, run.workflow):
        raise PageError(
            403,
            f"{who.actor} may not {action.split('.')[1]} runs of '{run.workflow}' "
            f"(roles: {', '.join(sorted(who.principal.roles)) or 'none'}).",
        )
    return who, run


def _back(run: Run, done: str, back: str = "") -> Response:
    target = safe_next(back, default="") or f"/runs/{run.id}"
    target += ("&" if "?" in target else "?") + f"done={done}"
    return RedirectResponse(target, status_code=303)


def _json(text: str, what: str) -> Any:
    if not text.strip():
        return None
    try:
        return safeyaml.load_json(text, f"the {what}")
    except safeyaml.NotJSON as exc:
        why = exc.problems[0].message.removeprefix("not JSON: ")
        raise ValueError(f"The {what} is not valid JSON: {why}") from None
    except safeyaml.DocumentRefused as exc:
        raise ValueError(f"The {what} is refused: {exc.reason()}") from None


def _attempt(request: Request, who: Viewer, run: Run, form: dict[str, str], work: Callable[[], Response]) -> Response:
    """Run ``work``; on a refusal show the run page again with the reason (and the form as typed)."""
    try:
        return work()
    except NotFound:
        raise
    except ValueError as exc:
        return render_run(request, who, run, status=422, error=str(exc), form=form)
    except MigrationRefused as exc:
        return render_run(
            request, who, run, status=409, error="The run cannot be migrated:", error_items=exc.reasons, form=form
        )
    except OfficeflowError as exc:
        fresh = office_of(request).engine.get_run(run.id, tenant=run.tenant)
        return render_run(request, who, fresh, status=409, error=exc.message.split("\n")[0], form=form)


@router.post("/runs/{run_id}/retry")
def retry(
    request: Request, run_id: str, from_step: str = Form("", max_length=200), back: str = Form("", max_length=2000)
) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")

    def work() -> Response:
        office_of(request).engine.retry(run.id, from_step=from_step or None, tenant=run.tenant, actor=who.actor)
        return _back(run, "retried", back)

    return _attempt(request, who, run, {"action": "retry", "from_step": from_step}, work)


@router.post("/runs/{run_id}/skip")
def skip(
    request: Request,
    run_id: str,
    step_id: str = Form(..., max_length=200),
    output: str = Form("", max_length=JSON_TEXT),
) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")

    def work() -> Response:
        value = _json(output, "output")
        office_of(request).engine.skip(run.id, step_id, value, tenant=run.tenant, actor=who.actor)
        return _back(run, "skipped")

    return _attempt(request, who, run, {"action": "skip", "step_id": step_id, "output": output}, work)


@router.post("/runs/{run_id}/cancel")
def cancel(request: Request, run_id: str, reason: str = Form("", max_length=TEXT)) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")

    def work() -> Response:
        office_of(request).engine.cancel(run.id, reason=reason.strip() or None, tenant=run.tenant, actor=who.actor)
        return _back(run, "cancelled")

    return _attempt(request, who, run, {"action": "cancel", "reason": reason}, work)


@router.post("/runs/{run_id}/pause")
def pause(request: Request, run_id: str) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")

    def work() -> Response:
        office_of(request).engine.pause(run.id, tenant=run.tenant, actor=who.actor)
        return _back(run, "paused")

    return _attempt(request, who, run, {}, work)


@router.post("/runs/{run_id}/resume")
def resume(request: Request, run_id: str) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")

    def work() -> Response:
        office_of(request).engine.resume(run.id, tenant=run.tenant, actor=who.actor)
        return _back(run, "resumed")

    return _attempt(request, who, run, {}, work)


def parse_step_map(text: str) -> dict[str, str]:
    """``old=new`` pairs, one per line or comma-separated (``old -> new`` also reads)."""
    mapping: dict[str, str] = {}
    for raw in text.replace(",", "\n").splitlines():
        line = raw.strip()
        if not line:
            continue
        old, sep, new = line.replace("->", "=").partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(f"'{line}' is not a step mapping; write old_step=new_step, one per line")
        mapping[old.strip()] = new.strip()
    return mapping


@router.post("/runs/{run_id}/migrate")
def migrate(
    request: Request,
    run_id: str,
    to_version: int = Form(..., ge=1, le=2**31 - 1),
    step_map: str = Form("", max_length=TEXT),
    mode: str = Form("apply", pattern="^(check|apply)$"),
) -> Response:
    who, run = _allowed(request, run_id, "runs.operate")
    form = {"action": "migrate", "to_version": str(to_version), "step_map": step_map}

    def work() -> Response:
        mapping = parse_step_map(step_map)
        plan = office_of(request).engine.migrate(
            run.id, to_version, mapping, tenant=run.tenant, actor=who.actor, dry_run=mode == "check"
        )
        if mode == "check":
            return render_run(request, who, run, plan=plan, form=form)
        return _back(run, "migrated")

    return _attempt(request, who, run, form, work)


@router.post("/runs/{run_id}/signal")
def signal(
    request: Request,
    run_id: str,
    name: str = Form(..., min_length=1, max_length=200),
    payload: str = Form("", max_length=JSON_TEXT),
) -> Response:
    who, run = _allowed(request, run_id, "runs.signal")

    def work() -> Response:
        value = _json(payload, "payload")
        delivered = office_of(request).engine.signal(run.id, name.strip(), value, tenant=run.tenant, actor=who.actor)
        return _back(run, "signaled" if delivered else "kept")

    return _attempt(request, who, run, {"action": "signal", "name": name, "payload": payload}, work)

"""/v1/runs: start runs, list and show them with their history, act on them, signal them;
/v1/dead-letters: steps that exhausted their retries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from officeflow.api.auth import check_workflow, guarded, principal_of
from officeflow.api.context import office
from officeflow.api.gate import IDEMPOTENCY_KEY
from officeflow.api.problems import ApiProblem, bad_cursor
from officeflow.api.schemas import (
    CancelIn,
    DeadLetterOut,
    Done,
    HistoryOut,
    MigrateIn,
    MigrateOut,
    PositionOut,
    RetryIn,
    RunDetail,
    RunOut,
    RunPage,
    SignalIn,
    SignalOut,
    SkipIn,
    StartIn,
)
from officeflow.clock import iso
from officeflow.engine import Engine
from officeflow.errors import DefinitionNotFound
from officeflow.queries.cursor import CursorInvalid
from officeflow.security.permissions import Principal
from officeflow.store.records import Run, RunStatus

router = APIRouter(tags=["runs"])


def _run(request: Request, run_id: str, action: str) -> tuple[Engine, Principal, Run]:
    """The run, if the caller may see it at all (else 404), and may ``action`` it (else 403)."""
    where, principal = office(request), principal_of(request)
    run = where.queries.runs.readable(principal, run_id)
    check_workflow(principal, action, run.workflow)
    return where.engine, principal, run


@router.post(
    "/v1/runs", response_model=RunOut, status_code=201, responses={200: {"model": RunOut}}, **guarded("runs.start")
)
def start_run(
    request: Request,
    body: StartIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY),
) -> Any:
    """Start a run. With an ``Idempotency-Key`` the run is started once: a repeat returns it (200)."""
    engine, principal = office(request).engine, principal_of(request)
    check_workflow(principal, "runs.start", body.workflow)
    if not principal.can("definitions.read", body.workflow) and not principal.can("runs.start", body.workflow):
        raise DefinitionNotFound(f"no workflow definition '{body.workflow}'")
    run, created = engine.start_or_get(
        body.workflow,
        body.input,
        version=body.version,
        tenant=principal.tenant,
        idempotency_key=f"api:{principal.id}:{idempotency_key}" if idempotency_key else None,
        actor=principal.actor,
    )
    out = RunOut.of(run).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200, headers={"Location": f"/v1/runs/{run.id}"})


@router.get("/v1/runs", response_model=RunPage, **guarded("runs.read"))
def list_runs(
    request: Request,
    status: list[RunStatus] = Query(default_factory=list, description="repeatable", max_length=6),
    workflow: str | None = Query(None, max_length=100),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=200),
) -> RunPage:
    """Runs, newest first, a page at a time (pass ``next_cursor`` back as ``cursor``)."""
    try:
        page = office(request).queries.runs.page(
            principal_of(request), statuses=[s.value for s in status], workflow=workflow, limit=limit, after=cursor
        )
    except CursorInvalid:
        raise bad_cursor() from None
    return RunPage(items=[RunOut.of(r) for r in page.runs], next_cursor=page.next_cursor)


@router.get("/v1/runs/{run_id}", response_model=RunDetail, **guarded("runs.read"))
def get_run(request: Request, run_id: str) -> RunDetail:
    """A run and where it is: queued, executing, sleeping or failed steps and waits."""
    _, _, run = _run(request, run_id, "runs.read")
    positions = office(request).queries.runs.positions(run)
    items = [PositionOut.of_job(j) for j in positions.jobs] + [PositionOut.of_wait(w) for w in positions.waits]
    return RunDetail(**RunOut.of(run).model_dump(), positions=items)


@router.get("/v1/runs/{run_id}/history", response_model=list[HistoryOut], **guarded("runs.read"))
def run_history(request: Request, run_id: str) -> list[HistoryOut]:
    """Every event of the run, oldest first."""
    _, _, run = _run(request, run_id, "runs.read")
    return [HistoryOut.of(e) for e in office(request).queries.runs.history(run)]


@router.post("/v1/runs/{run_id}/retry", response_model=Done, **guarded("runs.operate"))
def retry_run(request: Request, run_id: str, body: RetryIn) -> Done:
    engine, principal, run = _run(request, run_id, "runs.operate")
    count = engine.retry(run_id, from_step=body.from_step, tenant=run.tenant, actor=principal.actor)
    return Done(detail=f"retrying {count} step(s)")


@router.post("/v1/runs/{run_id}/skip", response_model=Done, **guarded("runs.operate"))
def skip_step(request: Request, run_id: str, body: SkipIn) -> Done:
    engine, principal, run = _run(request, run_id, "runs.operate")
    engine.skip(run_id, body.step_id, body.output, tenant=run.tenant, actor=principal.actor)
    return Done(detail=f"skipped '{body.step_id}'")


@router.post("/v1/runs/{run_id}/cancel", response_model=Done, **guarded("runs.operate"))
def cancel_run(request: Request, run_id: str, body: CancelIn) -> Done:
    engine, principal, run = _run(request, run_id, "runs.operate")
    cancelled = engine.cancel(run_id, reason=body.reason, tenant=run.tenant, actor=principal.actor)
    return Done(detail=f"cancelled {len(cancelled)} run(s)")


@router.post("/v1/runs/{run_id}/pause", response_model=Done, **guarded("runs.operate"))
def pause_run(request: Request, run_id: str) -> Done:
    engine, principal, run = _run(request, run_id, "runs.operate")
    engine.pause(run_id, tenant=run.tenant, actor=principal.actor)
    return Done()


@router.post("/v1/runs/{run_id}/resume", response_model=Done, **guarded("runs.operate"))
def resume_run(request: Request, run_id: str) -> Done:
    engine, principal, run = _run(request, run_id, "runs.operate")
    engine.resume(run_id, tenant=run.tenant, actor=principal.actor)
    return Done()


@router.post("/v1/runs/{run_id}/migrate", response_model=MigrateOut, **guarded("runs.operate"))
def migrate_run(request: Request, run_id: str, body: MigrateIn) -> MigrateOut:
    engine, principal, run = _run(request, run_id, "runs.operate")
    plan = engine.migrate(
        run_id, body.to_version, body.map, tenant=run.tenant, actor=principal.actor, dry_run=body.dry_run
    )
    return MigrateOut(
        run_id=plan.run_id,
        from_version=plan.from_version,
        to_version=plan.to_version,
        moves=[list(m) for m in plan.moves],
        applied=plan.applied,
    )


@router.post("/v1/runs/{run_id}/signals/{name}", response_model=SignalOut, **guarded("runs.signal"))
def signal_run(request: Request, run_id: str, name: str, body: SignalIn) -> SignalOut:
    """Send the signal ``name`` to a run (kept until the run waits for it, if it does not yet)."""
    if not name or len(name) > 200:
        raise ApiProblem(422, "validation", "The request is not valid", "a signal name is 1 to 200 characters")
    engine, principal, run = _run(request, run_id, "runs.signal")
    return SignalOut(delivered=engine.signal(run_id, name, body.payload, tenant=run.tenant, actor=principal.actor))


@router.get("/v1/dead-letters", response_model=list[DeadLetterOut], tags=["runs"], **guarded("runs.read"))
def dead_letters(
    request: Request, workflow: str | None = Query(None, max_length=100), limit: int = Query(100, ge=1, le=1000)
) -> list[DeadLetterOut]:
    """Steps that exhausted their retries, newest first."""
    page = office(request).queries.runs.dead_letters(principal_of(request), workflow=workflow, limit=limit)
    return [
        DeadLetterOut(
            run_id=d.job.run_id,
            workflow=d.workflow,
            version=d.version,
            step_id=d.job.step_id,
            iteration=d.job.iteration,
            attempts=d.job.attempt,
            error=d.job.error,
            failed_at=iso(d.failed_at),
        )
        for d in page.letters
    ]

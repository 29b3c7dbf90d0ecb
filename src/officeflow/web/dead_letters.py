"""/dead-letters: steps that exhausted their retries, newest first, with their error and a
retry button (it posts to the run's retry action and comes back here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.web.errors import PageError
from officeflow.web.run_page import DONE
from officeflow.web.runs import cursor_of, parse_cursor, workflow_names
from officeflow.web.session import viewer

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/dead-letters")
def dead_letters_page(request: Request, workflow: str = "", before: str = "", done: str = "") -> Response:
    who = viewer(request)
    if not who.can_any("runs.read"):
        raise PageError(403, "Your roles do not include reading runs.")
    allowed = who.principal.workflows("runs.read")
    wanted = workflow.strip() or None
    position = parse_cursor(before) if before else None
    letters = []
    more = False
    last = None
    if wanted is None or allowed is None or wanted in allowed:
        with request.app.state.engine.store.read() as tx:
            rows = tx.dead_letters(who.tenant, workflow=wanted, limit=PAGE + 1, before=position)
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        letters = [
            {"job": job, "workflow": wf, "version": version, "failed_at": at}
            for job, wf, version, at in rows
            if allowed is None or wf in allowed
        ]
        last = rows[-1] if rows else None
    next_cursor = cursor_of(last[3], last[0].id) if more and last is not None else None
    query = f"?workflow={wanted}" if wanted else ""
    return request.app.state.console.page(  # type: ignore[no-any-return]
        request,
        "dead_letters.html",
        who=who,
        section="dead-letters",
        letters=letters,
        workflows=workflow_names(request, who, "runs.read"),
        workflow=wanted or "",
        next_cursor=next_cursor,
        paged=bool(before),
        notice=DONE.get(done),
        back="/dead-letters" + query,
        can_operate={wf: who.can("runs.operate", wf) for wf in {item["workflow"] for item in letters}},
    )

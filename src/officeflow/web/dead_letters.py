"""/dead-letters: steps that exhausted their retries, newest first, with their error and a
retry button (it posts to the run's retry action and comes back here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.queries.cursor import CursorInvalid
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.run_page import DONE
from officeflow.web.runs import STALE_LINK, workflow_names
from officeflow.web.session import viewer

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/dead-letters")
def dead_letters_page(request: Request, workflow: str = "", before: str = "", done: str = "") -> Response:
    who = viewer(request)
    if not who.can_any("runs.read"):
        raise PageError(403, "Your roles do not include reading runs.")
    wanted = workflow.strip() or None
    try:
        page = office_of(request).queries.runs.dead_letters(
            who.principal, workflow=wanted, limit=PAGE, after=before or None
        )
    except CursorInvalid:
        raise PageError(400, STALE_LINK) from None
    letters = [
        {"job": d.job, "workflow": d.workflow, "version": d.version, "failed_at": d.failed_at} for d in page.letters
    ]
    query = f"?workflow={wanted}" if wanted else ""
    return console_of(request).page(
        request,
        "dead_letters.html",
        who=who,
        section="dead-letters",
        letters=letters,
        workflows=workflow_names(request, who, "runs.read"),
        workflow=wanted or "",
        next_cursor=page.next_cursor,
        paged=bool(before),
        notice=DONE.get(done),
        back="/dead-letters" + query,
        can_operate={wf: who.can("runs.operate", wf) for wf in {d.workflow for d in page.letters}},
    )

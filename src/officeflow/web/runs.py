"""/runs: runs newest first, filtered by status, workflow and version, a page at a time (keyset
cursor, so any page costs the same on any size of table)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.queries.cursor import CursorInvalid
from officeflow.store.records import RunStatus
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
PAGE = 50
MAX_ROUNDS = 5
"""Pages read at most per request when the viewer may see only some workflows."""
STALE_LINK = "That page link is not valid any more. Start again from the first page."


def workflow_names(request: Request, who: Viewer, action: str) -> list[str]:
    """Workflows the viewer may ``action``, for filter menus (the first 500 by name)."""
    return office_of(request).queries.definitions.names(who.principal, action)


@router.get("/runs")
def runs_page(request: Request, status: str = "", workflow: str = "", version: str = "", before: str = "") -> Response:
    who = viewer(request)
    if not who.can_any("runs.read"):
        raise PageError(403, "Your roles do not include reading runs.")
    statuses = [s.value for s in RunStatus]
    if status and status not in statuses:
        raise PageError(400, f"Unknown status '{status}'; choose one of {', '.join(statuses)}.")
    number: int | None = None
    if version.strip():
        if not version.strip().isdigit() or not 1 <= int(version) < 2**31:
            raise PageError(400, "The version is a whole number from 1.")
        number = int(version)
    try:
        page = office_of(request).queries.runs.page(
            who.principal,
            statuses=[status] if status else [],
            workflow=workflow.strip() or None,
            version=number,
            limit=PAGE,
            after=before or None,
            rounds=MAX_ROUNDS,
        )
    except CursorInvalid:
        raise PageError(400, STALE_LINK) from None
    filters: dict[str, Any] = {"status": status, "workflow": workflow.strip(), "version": version.strip()}
    return console_of(request).page(
        request,
        "runs.html",
        who=who,
        section="runs",
        runs=page.runs,
        statuses=statuses,
        workflows=workflow_names(request, who, "runs.read"),
        filters=filters,
        next_cursor=page.next_cursor,
        searched=page.searched,
        paged=bool(before),
        query={k: v for k, v in filters.items() if v},
    )

"""/runs: runs newest first, filtered by status, workflow and version, a page at a time (keyset
cursor, so any page costs the same on any size of table)."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.store import tx_console
from officeflow.store.records import Run, RunStatus
from officeflow.store.tx_runs import RunFilter
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
PAGE = 50
MAX_ROUNDS = 5
"""Pages read at most per request when the viewer may see only some workflows."""


def cursor_of(created_at: float, key: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at!r}|{key}".encode()).decode().rstrip("=")


def parse_cursor(text: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at, sep, key = raw.partition("|")
        if not sep or not key:
            raise ValueError(raw)
        return float(at), key
    except (ValueError, UnicodeDecodeError):
        raise PageError(400, "That page link is not valid any more. Start again from the first page.") from None


def workflow_names(request: Request, who: Viewer, action: str) -> list[str]:
    """Workflows the viewer may ``action``, for filter menus (the first 500 by name)."""
    with request.app.state.engine.store.read() as tx:
        names = [d.name for d in tx_console.definition_summaries(tx, who.tenant, limit=500)]
    allowed = who.principal.workflows(action)
    return [n for n in names if allowed is None or n in allowed]


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
    engine = request.app.state.engine
    allowed = who.principal.workflows("runs.read")
    wanted = workflow.strip() or None
    if wanted is None and allowed is not None and len(allowed) == 1:
        wanted = next(iter(allowed))
    position = parse_cursor(before) if before else None
    items: list[Run] = []
    next_cursor: str | None = None
    searched = False
    if wanted is None or allowed is None or wanted in allowed:
        with engine.store.read() as tx:
            for _ in range(MAX_ROUNDS):
                flt = RunFilter(
                    tenant=who.tenant,
                    statuses=[status] if status else [],
                    workflow=wanted,
                    version=number,
                    limit=PAGE + 1,
                    before=position,
                )
                page = tx_console.runs_page(tx, flt)
                items += [r for r in page.runs if allowed is None or r.workflow in allowed]
                if page.runs:
                    position = (page.runs[-1].created_at, page.runs[-1].id)
                if page.searched_to is not None and len(page.runs) <= PAGE:
                    position = page.searched_to
                if len(items) > PAGE or (len(page.runs) <= PAGE and page.searched_to is None):
                    break
            else:  # read enough for one request: the next page goes on from the last run read
                if position is not None and len(items) <= PAGE:
                    next_cursor = cursor_of(*position)
                    searched = True
        if len(items) > PAGE:
            items = items[:PAGE]
            next_cursor = cursor_of(items[-1].created_at, items[-1].id)
    filters: dict[str, Any] = {"status": status, "workflow": workflow.strip(), "version": version.strip()}
    return request.app.state.console.page(  # type: ignore[no-any-return]
        request,
        "runs.html",
        who=who,
        section="runs",
        runs=items,
        statuses=statuses,
        workflows=workflow_names(request, who, "runs.read"),
        filters=filters,
        next_cursor=next_cursor,
        searched=searched,
        paged=bool(before),
        query={k: v for k, v in filters.items() if v},
    )

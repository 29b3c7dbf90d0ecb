"""/definitions: every workflow with its versions; /definitions/{name}/{version}: one version's
graph and YAML source."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from officeflow.errors import DefinitionNotFound
from officeflow.web import graph
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import viewer

router = APIRouter(include_in_schema=False)
PAGE = 100


@router.get("/definitions")
def definitions_page(request: Request, after: str = "") -> Response:
    who = viewer(request)
    if not who.can_any("definitions.read"):
        raise PageError(403, "Your roles do not include reading definitions.")
    allowed = who.principal.workflows("definitions.read")
    rows = office_of(request).queries.definitions.summaries(who.tenant, after=after or None, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return console_of(request).page(
        request,
        "definitions.html",
        who=who,
        section="definitions",
        definitions=[d for d in rows if allowed is None or d.name in allowed],
        next_after=rows[-1].name if more else None,
        paged=bool(after),
    )


def _readable(request: Request, name: str) -> None:
    who = viewer(request)
    if not who.can("definitions.read", name):
        raise DefinitionNotFound(f"no workflow definition '{name}' in tenant '{who.tenant}'")


@router.get("/definitions/{name}")
def latest(request: Request, name: str) -> Response:
    _readable(request, name)
    who = viewer(request)
    versions = office_of(request).queries.definitions.versions(who.tenant, name, limit=1)
    if not versions:
        raise DefinitionNotFound(f"no workflow definition '{name}' in tenant '{who.tenant}'")
    return RedirectResponse(f"/definitions/{name}/{versions[0].version}", status_code=303)


@router.get("/definitions/{name}/{version}")
def definition_page(request: Request, name: str, version: int) -> Response:
    _readable(request, name)
    who = viewer(request)
    where = office_of(request)
    definition = where.engine.definition(name, version, tenant=who.tenant)
    versions = where.queries.definitions.versions(who.tenant, name, limit=200)
    current = next((v for v in versions if v.version == version), None)
    return console_of(request).page(
        request,
        "definition.html",
        who=who,
        section="definitions",
        definition=definition,
        record=current,
        versions=versions,
        svg=graph.render(definition),
        legend=[item for item in graph.legend({}, definition) if item[0].startswith(("e-", "loop"))],
        can_read_runs=who.can("runs.read", name),
    )

"""/v1/definitions: validate, store, list and show workflow definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from officeflow.api.auth import check_workflow, guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas import ApplyOut, DefinitionIn, DefinitionOut, DefinitionSource

router = APIRouter(prefix="/v1/definitions", tags=["definitions"])


@router.get("", response_model=list[DefinitionOut], **guarded("definitions.read"))
def list_definitions(request: Request) -> list[DefinitionOut]:
    """Every stored version of every definition the caller may read."""
    return [DefinitionOut.of(r) for r in office(request).queries.definitions.records(principal_of(request))]


@router.post(
    "", response_model=ApplyOut, status_code=201, responses={200: {"model": ApplyOut}}, **guarded("definitions.write")
)
def apply_definition(request: Request, body: DefinitionIn) -> Any:
    """Validate and store a definition version (YAML text in ``source``, or JSON in ``definition``).
    Storing the same content again answers 200 and changes nothing; invalid definitions answer 422
    with every problem (line, column, step, expectation), a rules step naming a
    decision table, version, decision or input the tenant does not have included."""
    principal = principal_of(request)
    where = office(request)
    engine = where.engine
    loaded = engine.load(body.source if isinstance(body, DefinitionSource) else body.definition, file="definition")
    check_workflow(principal, "definitions.write", loaded.name)
    where.decision_tables.check_definition(loaded, principal.tenant)
    applied = engine.apply(loaded, tenant=principal.tenant, actor=principal.actor)
    stored = where.queries.definitions.record(principal, applied.definition.name, applied.definition.version)
    out = ApplyOut(definition=DefinitionOut.of(stored, full=True), created=applied.created)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if applied.created else 200)


@router.get("/{name}", response_model=DefinitionOut, **guarded("definitions.read"))
def get_definition(request: Request, name: str, version: int | None = Query(None, ge=1, le=2**31 - 1)) -> DefinitionOut:
    """One definition version (the latest unless ``version``), with its source."""
    return DefinitionOut.of(office(request).queries.definitions.record(principal_of(request), name, version), full=True)

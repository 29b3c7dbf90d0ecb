"""/v1/definitions: validate, store, list and show workflow definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from officeflow.api.auth import check_workflow, current, guarded
from officeflow.api.schemas import ApplyOut, DefinitionIn, DefinitionOut, DefinitionSource
from officeflow.errors import DefinitionNotFound

router = APIRouter(prefix="/v1/definitions", tags=["definitions"])


def _engine(request: Request) -> Any:
    return request.app.state.engine


@router.get("", response_model=list[DefinitionOut], **guarded("definitions.read"))
def list_definitions(request: Request) -> list[DefinitionOut]:
    """Every stored version of every definition the caller may read."""
    principal = current(request)
    assert principal is not None
    records = _engine(request).definitions(tenant=principal.tenant)
    return [DefinitionOut.of(r) for r in records if principal.can("definitions.read", r.name)]


@router.post(
    "", response_model=ApplyOut, status_code=201, responses={200: {"model": ApplyOut}}, **guarded("definitions.write")
)
def apply_definition(request: Request, body: DefinitionIn) -> Any:
    """Validate and store a definition version (YAML text in ``source``, or JSON in ``definition``).
    Storing the same content again answers 200 and changes nothing; invalid definitions answer 422
    with every problem (line, column, step, expectation)."""
    principal = current(request)
    assert principal is not None
    engine = _engine(request)
    loaded = engine.load(body.source if isinstance(body, DefinitionSource) else body.definition, file="definition")
    check_workflow(principal, "definitions.write", loaded.name)
    applied = engine.apply(loaded, tenant=principal.tenant, actor=principal.actor)
    record = engine.definitions(tenant=principal.tenant, name=applied.definition.name)
    stored = next(r for r in record if r.version == applied.definition.version)
    out = ApplyOut(definition=DefinitionOut.of(stored, full=True), created=applied.created)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if applied.created else 200)


@router.get("/{name}", response_model=DefinitionOut, **guarded("definitions.read"))
def get_definition(request: Request, name: str, version: int | None = Query(None, ge=1, le=2**31 - 1)) -> DefinitionOut:
    """One definition version (the latest unless ``version``), with its source."""
    principal = current(request)
    assert principal is not None
    if not principal.can("definitions.read", name):
        raise DefinitionNotFound(f"no workflow definition '{name}' in tenant '{principal.tenant}'")
    engine = _engine(request)
    records = [
        r for r in engine.definitions(tenant=principal.tenant, name=name) if version is None or r.version == version
    ]
    if not records:
        what = f"'{name}'" + (f" version {version}" if version else "")
        raise DefinitionNotFound(f"no workflow definition {what} in tenant '{principal.tenant}'")
    return DefinitionOut.of(records[-1], full=True)

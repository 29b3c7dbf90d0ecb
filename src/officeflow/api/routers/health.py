"""/v1/health: is the API up and does it reach its database."""

from __future__ import annotations

from fastapi import APIRouter, Request

from officeflow import __version__
from officeflow.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/v1/health", response_model=Health, openapi_extra={"x-officeflow-permission": "public"})
def health(request: Request) -> Health:
    store = request.app.state.engine.store
    with store.read() as tx:
        tx._one("SELECT 1")
    return Health(status="ok", database=store.dialect.name, version=__version__)

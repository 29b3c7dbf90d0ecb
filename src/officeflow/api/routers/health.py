"""/v1/health: is the API up and does it reach its database."""

from __future__ import annotations

from fastapi import APIRouter, Request

from officeflow import __version__
from officeflow.api.context import office
from officeflow.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/v1/health", response_model=Health, openapi_extra={"x-officeflow-permission": "public"})
def health(request: Request) -> Health:
    return Health(status="ok", database=office(request).queries.health(), version=__version__)

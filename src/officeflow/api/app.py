"""The HTTP API: a FastAPI application's routes, problem handlers and OpenAPI document.

``install(app, office, settings)`` adds them to an application; the application that serves
them together with the console is built above both faces, in officeflow.asgi (``create_app``,
and ``app_from_env`` for ``officeflow serve``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from officeflow import __version__
from officeflow.api import methods, openapi_doc, problems
from officeflow.api.routers import (
    audit,
    decision_tables,
    definitions,
    directory,
    documents,
    events,
    files,
    health,
    llm,
    models,
    runs,
    security,
    tasks,
)
from officeflow.edge.problems import ApiProblem
from officeflow.errors import OfficeflowError, StoreUnavailable
from officeflow.office import Office
from officeflow.settings import Settings

DESCRIPTION = """\
Durable, audited office workflows. Authenticate with `Authorization: Bearer <API key or session
token>`. Every error is an RFC 9457 problem document. Every POST accepts an `Idempotency-Key`.
Each operation states the permission it needs in `x-officeflow-permission`."""
ROUTERS = (
    events,
    runs,
    tasks,
    health,
    security,
    definitions,
    decision_tables,
    audit,
    files,
    directory,
    models,
    llm,
    documents,
)
"""Each has a ``router``; the busiest (events) first."""


def application(lifespan: Any) -> FastAPI:
    """An empty FastAPI application with the API's title, version and documentation URLs."""
    return FastAPI(
        title="officeflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )


def install(app: FastAPI, office: Office, settings: Settings) -> None:
    """Add the API to ``app``: its routes, its problem handlers, its OpenAPI document, and the
    office and settings its routes read from ``app.state`` (officeflow.api.context)."""
    app.state.office = office
    app.state.settings = settings
    app.add_exception_handler(OfficeflowError, problems.officeflow_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreUnavailable, problems.store_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, problems.validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, problems.http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiProblem, problems.api_problem)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, problems.unexpected)
    app.add_exception_handler(405, methods.method_not_allowed)  # Allow: every method of the URL
    # Routes go straight into the application's route list: FastAPI's include_router() adds a
    # matching layer per router that costs a quarter of a millisecond a request.
    for module in ROUTERS:
        app.router.routes.extend(module.router.routes)
    _document_security(app)


PROBLEM_STATUSES = {
    400: "bad request (e.g. a body that is not JSON)",
    401: "no, or an invalid, API key or session token",
    403: "the caller's roles do not allow this",
    404: "not found (objects of other tenants are never found)",
    409: "conflict with the current state",
    413: "the request body is too large",
    422: "the request is not valid: see errors[] with JSON pointers",
    429: "rate limited: see Retry-After",
    500: "an unexpected server error (logged; no details are returned)",
    503: "the database is unavailable (restarting, connection lost): see Retry-After, then repeat the request",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                    "in": {"type": "string"},
                    "line": {"type": "integer"},
                    "column": {"type": "integer"},
                    "step": {"type": "string"},
                    "expected": {"type": "string"},
                    "file": {"type": "string"},
                    "element": {"type": "string"},
                },
            },
        },
    },
}


def _document_security(app: FastAPI) -> None:
    """Declare bearer authentication and the problem responses in the OpenAPI document."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key (ofk_...) or a session token (ofs_...)",
        }
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                permission = operation.get("x-officeflow-permission")
                if permission not in ("public", "signature", None):
                    operation["security"] = [{"bearer": []}]
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI documents its own shape; ours is a problem document
                for status, why in PROBLEM_STATUSES.items():
                    responses.setdefault(
                        str(status),
                        {
                            "description": why,
                            "content": {
                                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                            },
                        },
                    )
        app.openapi_schema = openapi_doc.refine(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

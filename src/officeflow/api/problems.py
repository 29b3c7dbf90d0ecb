"""Errors as RFC 9457 problem details (``application/problem+json``): a stable ``type`` URI, a
title, the HTTP status, a human ``detail`` and, for validation errors, each failing field with its
JSON pointer. Nothing from a traceback ever reaches a client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from officeflow.errors import (
    ConfigurationError,
    Conflict,
    DecisionInvalid,
    DefinitionInvalid,
    IdempotencyConflict,
    InputInvalid,
    InvalidRunState,
    MigrationRefused,
    NotAllowed,
    NotFound,
    OfficeflowError,
    Problem,
    RequestInvalid,
    StoreUnavailable,
    TaskConflict,
)

BASE = "https://officeflow.dev/problems/"
MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_UNAVAILABLE = 2
"""Seconds a client is asked to wait (``Retry-After``) while the database is unavailable."""
log = structlog.get_logger("officeflow.api")


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    body.update(extra)
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _problem_errors(problems: Sequence[Problem], prefix: str = "") -> list[dict[str, Any]]:
    out = []
    for p in problems:
        item: dict[str, Any] = {"detail": p.message}
        pointer = p.pointer if p.pointer is not None else None
        if pointer is not None:
            item["pointer"] = prefix + (pointer if pointer != "/" else "")
        if p.line:
            item["line"] = p.line
        if p.column:
            item["column"] = p.column
        if p.step:
            item["step"] = p.step
        if p.expected:
            item["expected"] = p.expected
        out.append(item)
    return out


# (error class, status, slug, title), most specific first
MAPPING: list[tuple[type[OfficeflowError], int, str, str]] = [
    (DefinitionInvalid, 422, "invalid-definition", "The workflow definition is invalid"),
    (InputInvalid, 422, "invalid-input", "The input does not match the schema"),
    (MigrationRefused, 409, "migration-refused", "The run cannot be migrated"),
    (IdempotencyConflict, 409, "idempotency-conflict", "The idempotency key names another request"),
    (InvalidRunState, 409, "invalid-run-state", "The operation does not apply to the run in its state"),
    (DecisionInvalid, 422, "invalid-decision", "The decision is not valid"),
    (RequestInvalid, 422, "validation", "The request is not valid"),
    (NotAllowed, 403, "forbidden", "Forbidden"),
    (TaskConflict, 409, "task-conflict", "The task changed"),
    (NotFound, 404, "not-found", "Not found"),
    (Conflict, 409, "conflict", "Conflict"),
    (ConfigurationError, 500, "configuration", "The server is misconfigured"),
]


def officeflow_error(request: Request, exc: OfficeflowError) -> Response:
    from officeflow.ingest.service import EventInvalid, SchemaIncompatible
    from officeflow.security.accounts import LoginFailed, WeakPassword
    from officeflow.security.files_refused import refused_types

    instance = request.url.path
    if isinstance(exc, EventInvalid):
        return problem_response(
            422,
            "invalid-event",
            "The event does not match its schema",
            exc.message.split("\n")[0],
            instance=instance,
            errors=_problem_errors(exc.problems, "/data"),
        )
    if isinstance(exc, SchemaIncompatible):
        return problem_response(
            409,
            "schema-incompatible",
            "The new schema would break existing producers",
            exc.message,
            instance=instance,
            errors=[{"detail": r} for r in exc.reasons],
        )
    if isinstance(exc, LoginFailed):
        headers = {}
        if exc.locked_until is not None:
            import time

            headers["Retry-After"] = str(max(1, int(exc.locked_until - time.time())))
        return problem_response(401, "login-failed", "Login failed", exc.message, instance=instance, headers=headers)
    if isinstance(exc, WeakPassword):
        return problem_response(
            422,
            "weak-password",
            "The password is too weak",
            exc.message,
            instance=instance,
            errors=[{"pointer": "/password", "detail": exc.message}],
        )
    if isinstance(exc, refused_types()):
        return problem_response(422, "attachment-refused", "The file was refused", exc.message, instance=instance)
    for cls, status, slug, title in MAPPING:
        if isinstance(exc, cls):
            if status >= 500:
                log.error("server misconfiguration", error=exc.message, path=instance)
                return problem_response(500, slug, title, "the server is misconfigured; see its log", instance=instance)
            errors: list[dict[str, Any]] = []
            detail = exc.message
            if isinstance(exc, DefinitionInvalid | InputInvalid | DecisionInvalid | RequestInvalid):
                errors = _problem_errors(exc.problems, "/input" if isinstance(exc, InputInvalid) else "")
                detail = exc.message.split("\n")[0]
            if isinstance(exc, MigrationRefused):
                errors = [{"detail": r} for r in exc.reasons]
            return problem_response(status, slug, title, detail, instance=instance, errors=errors)
    return problem_response(400, "bad-request", "Bad request", exc.message, instance=instance)


def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
    """503 with ``Retry-After``: the database is away (restarting, connection lost). Whatever the
    request did may or may not have been committed; repeating it with the same Idempotency-Key is
    safe. The store has logged the outage once; requests are not logged one by one."""
    return problem_response(
        503,
        "store-unavailable",
        "The store is unavailable",
        "the database is unavailable (restarting, or the connection was lost); "
        "retry after the seconds in Retry-After, with the same Idempotency-Key",
        instance=request.url.path,
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
    )


def validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc[0] if loc else "body"
        path = loc[1:] if loc else []
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
        item: dict[str, Any] = {"detail": err.get("msg", "invalid"), "pointer": pointer if path else "/", "in": where}
        errors.append(item)
    return problem_response(
        422,
        "validation",
        "The request is not valid",
        f"{len(errors)} problem(s) in the request",
        instance=request.url.path,
        errors=errors,
    )


def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    slugs = {
        400: "bad-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        406: "not-acceptable",
        409: "conflict",
        413: "payload-too-large",
        415: "unsupported-media-type",
        429: "rate-limited",
    }
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    return problem_response(
        exc.status_code,
        slugs.get(exc.status_code, "error"),
        titles.get(exc.status_code, "Error"),
        detail,
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def api_problem(request: Request, exc: ApiProblem) -> Response:
    return problem_response(
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        instance=request.url.path,
        errors=exc.errors,
        headers=exc.headers,
        **exc.extra,
    )


def _is_data_error(exc: Exception) -> bool:
    """Invalid values the database refuses (not bugs): psycopg DataError, sqlite overflow."""
    import sqlite3

    try:
        import psycopg

        if isinstance(exc, psycopg.DataError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, OverflowError | sqlite3.DataError) or (isinstance(exc, ValueError) and "NUL" in str(exc))


def unexpected(request: Request, exc: Exception) -> Response:
    if _is_data_error(exc):
        log.warning("a request value could not be stored", path=request.url.path, error=str(exc).splitlines()[0])
        return problem_response(
            400,
            "bad-value",
            "A value cannot be stored",
            "a value in the request cannot be stored (for example a NUL character or a number out of range)",
            instance=request.url.path,
        )
    log.exception("unexpected error", path=request.url.path, method=request.method)
    return problem_response(
        500,
        "internal",
        "Internal error",
        "the request failed on the server; it has been logged",
        instance=request.url.path,
    )

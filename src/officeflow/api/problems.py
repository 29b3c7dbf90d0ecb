"""The API's exception handlers: every error answers as an RFC 9457 problem document
(``application/problem+json``): a stable ``type`` URI, a title, the HTTP status, a human
``detail`` and, for validation errors, each failing field with its JSON pointer. An officeflow
error says itself how it answers (its class: officeflow.errors, officeflow.edge.problems).
Nothing from a traceback ever reaches a client."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from officeflow.edge.problems import BASE, MEDIA_TYPE, ApiProblem, answer_for
from officeflow.errors import OfficeflowError, StoreUnavailable
from officeflow.jsonutil import json_pointer

__all__ = ["BASE", "MEDIA_TYPE", "ApiProblem", "problem_response"]
log = structlog.get_logger("officeflow.api")


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


def bad_cursor() -> ApiProblem:
    """A ``cursor`` query parameter this API did not give (officeflow.queries.cursor refused it)."""
    return ApiProblem(
        400,
        "bad-cursor",
        "Bad cursor",
        "the cursor is not one this API returned",
        errors=[{"pointer": "/cursor", "in": "query", "detail": "invalid cursor"}],
    )


def officeflow_error(request: Request, exc: OfficeflowError) -> Response:
    """Any officeflow error, as its class says (officeflow.errors; officeflow.edge.problems)."""
    answer = answer_for(exc, now=time.time())
    if answer.hidden:
        log.error("server misconfiguration", error=exc.message, path=request.url.path)
    return problem_response(
        answer.status,
        answer.slug,
        answer.title,
        answer.detail,
        instance=request.url.path,
        errors=answer.errors,
        headers=answer.headers,
    )


def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
    """503 with ``Retry-After``: the database is away (restarting, connection lost). Whatever the
    request did may or may not have been committed; repeating it with the same Idempotency-Key is
    safe. The store has logged the outage once; requests are not logged one by one."""
    answer = answer_for(exc, now=time.time())
    return problem_response(
        answer.status, answer.slug, answer.title, answer.detail, instance=request.url.path, headers=answer.headers
    )


def validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc[0] if loc else "body"
        path = loc[1:] if loc else []
        pointer = json_pointer(path)
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

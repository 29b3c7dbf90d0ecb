"""Requests while the database is away: 503, never 500.

A route that finds the database unavailable raises ``StoreUnavailable``, which the application's
exception handlers answer (503 with ``Retry-After``; a problem document for the API, an HTML page
for the console). The request gate reads the database too (API keys, sessions, Idempotency-Keys)
before any route runs, outside those handlers: this middleware, outside the gate, answers what it
raises with the same handlers. An outage after the answer has started (the gate saving an
Idempotency-Key's response) ends the request quietly: the client has its answer, and the store
has logged the outage.
"""

from __future__ import annotations

import inspect

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from officeflow.errors import StoreUnavailable

log = structlog.get_logger("officeflow.api")


class StoreOutage:
    """ASGI middleware: a StoreUnavailable that escapes the application is answered by its handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except StoreUnavailable as exc:
            if started:
                log.debug("the database went away after the answer was sent", path=scope.get("path"))
                return
            await _answer(scope, exc, send)


async def _answer(scope: Scope, exc: StoreUnavailable, send: Send) -> None:
    """Answer with the handler the application registered for the error (nearest class first)."""
    handlers = scope["app"].exception_handlers
    handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
    response = handler(Request(scope), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}

"""Requests while the database is away: 503, never 500.

A route that finds the database unavailable raises ``StoreUnavailable``, which the application's
exception handlers answer (503 with ``Retry-After``; a problem document for the API, an HTML page
for the console). The request gate reads the database too (API keys, sessions, Idempotency-Keys)
before any route runs, outside those handlers: this middleware, outside the gate, answers what it
raises with the same handlers. An outage after the answer has started ends the request quietly:
the client has its answer, and the store has logged the outage.

When the gate cannot record how a request with an Idempotency-Key ended (its answer, or that the
key is free again after a 5xx) because the database went away, :class:`WhenBack` records it in
the background once the database answers: a client that retries the key gets 409 with
``Retry-After`` meanwhile, then the stored answer (or a new attempt), not a key stuck in
progress until its claim lapses.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

import anyio
import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from officeflow.errors import StoreUnavailable
from officeflow.store.reconnect import Backoff

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


class WhenBack:
    """Blocking database writes to make once the database answers again, each tried in a worker
    thread after every backoff wait, for at most ``give_up_after`` seconds; run as tasks of the
    server's event loop (kept referenced here until they end)."""

    def __init__(self, give_up_after: float) -> None:
        self.give_up_after = give_up_after
        self._tasks: set[asyncio.Task[bool]] = set()

    def add(self, write: Callable[[], Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._retry(write))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(self, write: Callable[[], Any]) -> bool:
        backoff = Backoff()
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            await anyio.sleep(backoff.next_delay())
            try:
                await anyio.to_thread.run_sync(write)
            except StoreUnavailable:
                continue
            return True
        log.warning("gave up recording an Idempotency-Key's outcome; its claim lapses", after_s=self.give_up_after)
        return False

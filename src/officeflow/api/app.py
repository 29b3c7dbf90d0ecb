"""The HTTP API: a FastAPI application built around one Engine.

``create_app(engine, settings)`` for embedding and tests; ``app_from_env`` is what
``officeflow serve`` runs in each API process (configured by ``OFFICEFLOW_*``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from officeflow import __version__
from officeflow.api import methods, openapi_doc, problems
from officeflow.api.gate import Gate
from officeflow.api.outage import StoreOutage
from officeflow.api.ratelimit import Limit, LocalBuckets, LoginThrottle, RateLimiter, RedisBuckets, SharedBuckets
from officeflow.api.routers import audit, definitions, directory, events, files, health, runs, security, tasks
from officeflow.engine import Engine
from officeflow.errors import OfficeflowError, StoreUnavailable
from officeflow.settings import Settings, load_settings, parse_rate
from officeflow.store.reconnect import run_loop
from officeflow.tasks.notify import Notifier

log = structlog.get_logger("officeflow.api")
SEAL_EVERY = 0.25
PURGE_EVERY = 600.0
SWITCH_INTERVAL = 0.005
DESCRIPTION = """\
Durable, audited office workflows. Authenticate with `Authorization: Bearer <API key or session
token>`. Every error is an RFC 9457 problem document. Every POST accepts an `Idempotency-Key`.
Each operation states the permission it needs in `x-officeflow-permission`."""


def build_limiters(settings: Settings, engine: Engine) -> tuple[RateLimiter | None, LoginThrottle | None]:
    """The request limits (per key, per tenant) and the sign-in throttle, in one set of buckets:
    in the process (SQLite), in the database (PostgreSQL) or in Redis (when configured)."""
    per_key, per_tenant = parse_rate(settings.rate_limit_key), parse_rate(settings.rate_limit_tenant)
    per_address = parse_rate(settings.rate_limit_login)
    if per_key is None and per_tenant is None and per_address is None:
        return None, None
    buckets: LocalBuckets | SharedBuckets | RedisBuckets
    if settings.redis_url:
        buckets = RedisBuckets(settings.redis_url)
    elif engine.store.dialect.name == "postgresql":
        buckets = SharedBuckets(engine.store)
    else:
        buckets = LocalBuckets()
    limiter = None
    if per_key is not None or per_tenant is not None:
        limiter = RateLimiter(buckets, Limit(*per_key) if per_key else None, Limit(*per_tenant) if per_tenant else None)
    return limiter, LoginThrottle(buckets, Limit(*per_address)) if per_address else None


class Background:
    """Work every API process does besides answering: seal the audit log, fire schedules, send
    task notifications."""

    def __init__(self, engine: Engine, *, low_priority: bool = False, notifier: Notifier | None = None) -> None:
        from officeflow.ingest.schedules import ScheduleRunner

        self.engine = engine
        self.low_priority = low_priority
        """Seal at a lower CPU priority (``officeflow serve``'s supervisor: sealing may lag a little
        under load, requests should not)."""
        self.stop_event = threading.Event()
        self.runner = ScheduleRunner(engine.schedules)
        self.threads = [
            threading.Thread(target=self._seal, name="officeflow-sealer", daemon=True),
            threading.Thread(target=self.runner.run, name="officeflow-scheduler", daemon=True),
        ]
        self.notifier = notifier
        self._next_purge = time.monotonic() + 10.0

    def _seal(self) -> None:
        if self.low_priority:
            _lower_priority()
        if not self.stop_event.wait(SEAL_EVERY):
            run_loop(self._seal_round, wait=self.stop_event.wait, name="sealing the audit log")

    def _seal_round(self) -> float:
        """Seal new audit entries; now and then purge what has expired. Seconds to the next round."""
        self.engine.audit.seal()
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY
            self.purge()
        return SEAL_EVERY

    def purge(self) -> tuple[int, int]:
        """Forget expired Idempotency-Key responses and webhook ids too old to be replayed."""
        from officeflow.security.webhooks import SEEN_FOR

        now = self.engine.now()
        return self.engine.store.run(lambda tx: (tx.purge_idempotency(now), tx.purge_webhook_seen(now - SEEN_FOR)))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
        if self.notifier is not None:
            self.notifier.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.runner.stop()
        if self.notifier is not None:
            self.notifier.stop()
        for thread in self.threads:
            thread.join(timeout=5)


def notifier_for(engine: Engine, settings: Settings) -> Notifier | None:
    """The sender of task notifications, unless they are turned off (OFFICEFLOW_NOTIFY)."""
    if not settings.notify:
        return None
    return Notifier(
        engine, smtp_url=settings.smtp_url, mail_from=settings.mail_from, http_allow=settings.http_allowlist
    )


def _lower_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: a thread's nice value is its own)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def create_app(
    engine: Engine, settings: Settings | None = None, *, background: bool = True, close_engine: bool = False
) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = Background(engine, notifier=notifier_for(engine, settings)) if background else None
        if jobs is not None:
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            if close_engine:
                engine.close()

    app = FastAPI(
        title="officeflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    limiter, app.state.login_throttle = build_limiters(settings, engine)
    app.add_exception_handler(OfficeflowError, problems.officeflow_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreUnavailable, problems.store_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, problems.validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, problems.http_error)  # type: ignore[arg-type]
    app.add_exception_handler(problems.ApiProblem, problems.api_problem)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, problems.unexpected)
    app.add_exception_handler(405, methods.method_not_allowed)  # Allow: every method of the URL
    # Routes go straight into the application's route list, the busiest (events) first: FastAPI's
    # include_router() adds a matching layer per router that costs a quarter of a millisecond a request.
    for module in (events, runs, tasks, health, security, definitions, audit, files, directory):
        app.router.routes.extend(module.router.routes)
    from officeflow.web.app import install as install_console

    console = install_console(app, settings)  # the console's pages, and HTML problem pages for them
    app.add_middleware(
        Gate,
        engine=engine,
        max_body=settings.api_max_body,
        max_upload=settings.api_max_upload,
        limiter=limiter,
        refused_page=console.refused_page,
        error_page=console.error_page,
    )
    app.add_middleware(StoreOutage)  # outside the gate: its database reads answer 503 too
    _document_security(app)
    return app


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


def engine_from_settings(settings: Settings) -> Engine:
    """The engine an API process (or ``officeflow serve``'s supervisor) works with."""
    from officeflow.cli.common import import_app
    from officeflow.store import open_store

    store = open_store(
        settings.database_url, pool_size=settings.pool_size, sqlite_synchronous=settings.sqlite_synchronous
    )
    return Engine(
        store,
        handlers=[import_app(m) for m in settings.apps],
        secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
        retired_keys=(settings.secret_keys_retired.get_secret_value() if settings.secret_keys_retired else None),
        http_allow=settings.http_allowlist,
    )


def app_from_env() -> FastAPI:
    """The application ``officeflow serve`` runs: settings and handlers from the environment."""
    from officeflow.logs import configure

    settings = load_settings()
    configure(settings.log_level, settings.log_format)
    # The committer thread waits on the database with the GIL released, then must win it back
    # from the event loop. A shorter switch interval than Python's 5 ms gets it back sooner but
    # makes both threads pay for forced switches: with 0.5 ms, bench/api.py at 1,000 events/s on
    # PostgreSQL had p95 40 ms instead of 23 ms, and no lower latency at 30 or 300 events/s.
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_app(engine_from_settings(settings), settings, background=settings.api_background, close_engine=True)
    # Everything allocated so far lives as long as the process: keep the collector off it, and
    # collect young objects less often (a request allocates thousands).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app

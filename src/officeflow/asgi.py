"""The ASGI application: the HTTP API and the web console in one FastAPI application around one
:class:`~officeflow.office.Office`, behind the request gate.

It lives above both faces, which never import each other: ``officeflow.api.install`` adds the
API's routes and problem handlers, ``officeflow.web.app.install`` the console's pages and its
HTML problem pages, and this module puts the request gate (officeflow.api.gate: body limits,
authentication, CSRF, rate limits, Idempotency-Key) and the outage answer (503 while the
database is away) in front of both.

``create_app(office, settings)`` for embedding and tests; ``app_from_env`` is what
``officeflow serve`` runs in each API process (configured by ``OFFICEFLOW_*``).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from officeflow.api.app import application
from officeflow.api.app import install as install_api
from officeflow.api.gate import Gate
from officeflow.api.outage import StoreOutage
from officeflow.background import Background
from officeflow.edge import ratelimit
from officeflow.learning.drift import DriftMonitor, drift_settings
from officeflow.office import Office
from officeflow.settings import Settings, load_settings
from officeflow.web import app as console_app

SWITCH_INTERVAL = 0.005


def create_app(
    office: Office, settings: Settings | None = None, *, background: bool = True, close_office: bool = False
) -> FastAPI:
    """The application serving ``office``. ``background``: also run the background work
    (officeflow.background) while it is up; ``close_office``: close the office when it stops."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        drift = DriftMonitor(office.engine, office.events, drift_settings(settings))
        jobs = Background(office, notifier=office.notifier(settings), drift=drift) if background else None
        if jobs is not None:
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            if close_office:
                office.close()

    app = application(lifespan)
    limiter, app.state.login_throttle = ratelimit.from_settings(settings, office.store)
    install_api(app, office, settings)
    console = console_app.install(app, office, settings)  # the pages, and HTML problem pages for them
    app.add_middleware(
        Gate,
        office=office,
        max_body=settings.api_max_body,
        max_upload=settings.api_max_upload,
        limiter=limiter,
        refused_page=console.refused_page,
        error_page=console.error_page,
    )
    app.add_middleware(StoreOutage)  # outside the gate: its database reads answer 503 too
    return app


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
    app = create_app(Office.from_settings(settings), settings, background=settings.api_background, close_office=True)
    # Everything allocated so far lives as long as the process: keep the collector off it, and
    # collect young objects less often (a request allocates thousands).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app

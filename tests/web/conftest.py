"""Fixtures for the console's tests: the real app served by uvicorn on a free port (in a thread)
against a real database on each backend, users with roles, and a real headless Chromium
(Debian's ``chromium``, driven by Playwright; ``playwright install`` is never needed). Without
Chromium the browser tests are skipped on a laptop and fail in CI and under ``make test``.

The server, its engine and its users live for the whole package on each backend; every test
makes the runs it looks at (distinct workflows or ids), so tests do not see each other's data
where it matters.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from examples.expense_approval import handlers as expense_handlers
from officeflow import Engine, FakeClock, Office
from officeflow.asgi import create_app
from officeflow.settings import load_settings
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database, pg_url
from tests.web import handlers
from tests.web.definitions import DEFINITIONS

CHROMIUM = os.environ.get("OFFICEFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
PASSWORD = "correct horse battery staple"
USERS = {
    # username: (tenant, grants)
    "ada": ("default", ["admin"]),
    "oscar": ("default", ["operator"]),
    "aude": ("default", ["auditor"]),
    "lou": ("default", ["operator:web-loans"]),
    "max": ("acme", ["admin"]),
}
SCREENSHOTS = os.environ.get("OFFICEFLOW_SCREENSHOTS") == "1"
SHOTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Console:
    """A served console: its URL, the engine behind it, and helpers to make data."""

    url: str
    office: Office
    clock: FakeClock
    backend: str
    tenants: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.office.engine

    def start(
        self,
        workflow: str,
        data: Any = None,
        *,
        tenant: str = "default",
        version: int | None = None,
        drive: bool = True,
    ) -> str:
        run = self.engine.start(workflow, data or {}, version=version, tenant=tenant, actor="api_key:intake")
        if drive:
            self.drive()
        return run.id

    def drive(self) -> None:
        """Work every due step (as a worker would), moving the clock a little."""
        self.clock.advance(1.5)
        self.engine.run_until_idle()

    def session(self, username: str) -> tuple[str, str]:
        """A new session of ``username``: (token, CSRF token)."""
        made = self.office.accounts.login(USERS[username][0], username, PASSWORD)
        return made.token, made.row.csrf_token

    def session_cookie(self, username: str) -> dict[str, Any]:
        token, _ = self.session(username)
        return {"name": "officeflow_session", "value": token, "url": self.url, "httpOnly": True, "sameSite": "Lax"}

    def status(self, run_id: str, tenant: str = "default") -> str:
        return str(self.engine.get_run(run_id, tenant=tenant).status)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="package", params=BACKENDS)
def console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    backend = str(request.param)
    dropped = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'console.db'}"
    else:
        dropped = create_pg_database("of_web")
        url = pg_url(dropped)
    clock = FakeClock()
    office = Office.open(url, handlers=[handlers, expense_handlers], clock=clock, migrate=True)
    for tenant in ("default", "acme"):
        for source in DEFINITIONS:
            office.engine.apply(source, tenant=tenant, actor="user:ada")
    for username, (tenant, grants) in USERS.items():
        office.accounts.create_user(
            tenant, username, password=PASSWORD, display_name=username.title(), grants=grants, actor="system"
        )
    app = create_app(office, load_settings(rate_limit_key="off", rate_limit_tenant="off"), background=False)
    sock = _free_socket()
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield Console(url=f"http://{host}:{port}", office=office, clock=clock, backend=backend)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        office.close()
        if dropped:
            drop_pg_database(dropped)
        elif backend == "sqlite":
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


def browser_required() -> bool:
    """Whether a missing browser fails the tests rather than skipping them: in CI (``CI`` set, as
    CI services do) and under ``make test`` (``OFFICEFLOW_REQUIRE_BROWSER=1``)."""
    return bool(os.environ.get("CI")) or os.environ.get("OFFICEFLOW_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the package (package scope: Playwright's event loop is gone
    before any other test runs)."""
    if not Path(CHROMIUM).exists():
        missing = f"no Chromium at {CHROMIUM} (make test-deps, or apt-get install chromium)"
        if browser_required():
            pytest.fail(f"{missing}: CI and make test run the browser tests, never skip them", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()
        manager.__exit__(None, None, None)


@pytest.fixture
def context(browser: Any, console: Console) -> Iterator[Any]:
    """A fresh browser profile per test (no cookies), desktop size, times in UTC."""
    made = browser.new_context(
        base_url=console.url, viewport={"width": 1280, "height": 860}, timezone_id="UTC", locale="en-GB"
    )
    made.set_default_timeout(10_000)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: Any) -> Any:
    made = context.new_page()
    made.on("dialog", lambda dialog: dialog.accept())
    return made


def log_in(context: Any, console: Console, username: str) -> Any:
    """A page whose browser holds a session of ``username`` (made through the accounts API)."""
    context.add_cookies([console.session_cookie(username)])
    made = context.new_page()
    made.on("dialog", lambda dialog: dialog.accept())
    return made


def csrf_of(page: Any) -> str:
    token: str = page.locator("input[name=csrf_token]").first.get_attribute("value")
    return token


def http(console: Console, username: str | None = None) -> tuple[httpx.Client, str]:
    """A plain HTTP client (no browser) holding ``username``'s session cookie, and the
    session's CSRF token."""
    client = httpx.Client(base_url=console.url, follow_redirects=False, timeout=10)
    csrf = ""
    if username:
        token, csrf = console.session(username)
        client.cookies.set("officeflow_session", token)
    return client, csrf

"""Fixtures shared by all tests.

Everything that touches the store runs on both backends: a real SQLite file and a real
PostgreSQL database (created for the session on the server at ``OFFICEFLOW_TEST_PG``, dropped at
the end). ``OFFICEFLOW_TEST_BACKENDS=sqlite`` narrows the run, e.g. on a laptop without PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from officeflow import Engine, FakeClock, Office
from officeflow.clock import Clock
from officeflow.kinds import BUILTIN_KINDS
from officeflow.security import keys
from officeflow.store import migrate, open_store
from officeflow.store.schema import metadata

# One key for the whole test session, inherited by the worker processes that tests start.
os.environ.setdefault(keys.ENV, keys.generate())

PG_ADMIN = os.environ.get("OFFICEFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("OFFICEFLOW_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]


def pg_url(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


def create_pg_database(prefix: str = "of_test") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (never skip) what a test does not run: a backend outside its ``backends`` marker,
    and the screenshots unless ``OFFICEFLOW_SCREENSHOTS`` asks for them."""
    screenshots = bool(os.environ.get("OFFICEFLOW_SCREENSHOTS"))
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("backends")
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        off_backend = marker is not None and backend is not None and backend not in marker.args
        off_screenshots = item.get_closest_marker("screenshots") is not None and not screenshots
        (dropped if off_backend or off_screenshots else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    name = create_pg_database()
    url = pg_url(name)
    store = open_store(url)
    try:
        migrate.upgrade(store)
    finally:
        store.close()
    yield url
    drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = open_store(f"sqlite:///{path}")
    try:
        migrate.upgrade(store)
    finally:
        store.close()
    return path


TABLES = [t.name for t in reversed(metadata.sorted_tables)]


def truncate_pg(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on the backend under test."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "officeflow.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = str(request.getfixturevalue("pg_session_url"))
    truncate_pg(url)
    return url


EngineFactory = Callable[..., Engine]
OfficeFactory = Callable[..., Office]


@pytest.fixture
def make_engine(db_url: str) -> Iterator[EngineFactory]:
    """Open engines on the test database (the engine alone, with every built-in step kind); all
    are closed at the end of the test."""
    opened: list[Engine] = []

    def make(handlers: Any = (), clock: Clock | None = None, http_allow: tuple[str, ...] = ()) -> Engine:
        engine = Engine.open(
            db_url,
            handlers=handlers,
            clock=clock if clock is not None else FakeClock(),
            http_allow=http_allow,
            kinds=BUILTIN_KINDS,
        )
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        engine.close()


@pytest.fixture
def make_office(db_url: str) -> Iterator[OfficeFactory]:
    """Open offices (the engine with tasks, ingestion, accounts, queries) on the test database;
    all are closed at the end of the test."""
    opened: list[Office] = []

    def make(handlers: Any = (), clock: Clock | None = None, http_allow: tuple[str, ...] = ()) -> Office:
        office = Office.open(
            db_url, handlers=handlers, clock=clock if clock is not None else FakeClock(), http_allow=http_allow
        )
        opened.append(office)
        return office

    yield make
    for office in opened:
        office.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

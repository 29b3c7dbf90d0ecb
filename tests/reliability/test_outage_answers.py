"""While the database is unavailable, the API answers 503 with ``Retry-After`` and the problem
type ``store-unavailable`` (the console an HTML page saying so), never 500; once it is back, the
same requests succeed. Once with the database's connections killed under a running app (the
shared server), once with a private cluster stopped outright; and an Idempotency-Key whose
answer could not be stored during the outage replays it once the database is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from officeflow import Office, SystemClock
from officeflow.asgi import create_app
from officeflow.errors import StoreUnavailable
from officeflow.settings import load_settings
from officeflow.store import migrate, open_store

from .pgcluster import PrivateCluster

HELLO = "name: hello\nversion: 1\ninput: {type: object}\nsteps:\n  done: {kind: end, output: input}\n"
PASSWORD = "correct horse battery staple"
UNAVAILABLE = "https://officeflow.dev/problems/store-unavailable"


@dataclass
class Site:
    office: Office
    client: TestClient
    api: dict[str, str]
    """headers of an API-key caller"""
    page: dict[str, str]
    """headers of a signed-in console user"""


def open_site(office: Office) -> Iterator[Site]:
    office.engine.apply(HELLO)
    token = office.accounts.create_api_key("default", "caller", grants=["admin"], actor="system").token
    office.accounts.create_user("default", "olga", password=PASSWORD, grants=["admin"], actor="system")
    session = office.accounts.login("default", "olga", PASSWORD).token
    app = create_app(office, load_settings(rate_limit_key="off", rate_limit_tenant="off"), background=False)
    with TestClient(app) as client:
        site = Site(office, client, {"Authorization": f"Bearer {token}"}, {"Cookie": f"officeflow_session={session}"})
        assert client.get("/v1/runs", headers=site.api).status_code == 200  # the key is known now
        assert client.get("/runs", headers=site.page).status_code == 200
        yield site


def assert_unavailable_problem(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "2"
    problem = answer.json()
    assert problem["type"] == UNAVAILABLE
    assert problem["status"] == 503
    assert "database is unavailable" in problem["detail"]


def assert_unavailable_page(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "2"
    assert "Please try again in a moment" in answer.text
    assert "Traceback" not in answer.text


def kill_connections(url: str) -> int:
    """Terminate every server process serving the database of ``url`` (from another connection)."""
    database = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


@pytest.fixture
def shared_site(make_office: Any) -> Iterator[Site]:
    yield from open_site(make_office(clock=SystemClock()))


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_killed_connection_answers_503_to_the_request_that_meets_it_then_the_next_one_works(
    shared_site: Site, db_url: str
) -> None:
    client, api, page = shared_site.client, shared_site.api, shared_site.page
    # In a route (the caller's key is cached, so the first database read is the route's).
    assert kill_connections(db_url) >= 1
    assert_unavailable_problem(client.get("/v1/runs", headers=api))
    assert client.get("/v1/runs", headers=api).status_code == 200
    # In the request gate: the Idempotency-Key is claimed before the route runs.
    kill_connections(db_url)
    start = {"workflow": "hello", "input": {"n": 1}}
    assert_unavailable_problem(client.post("/v1/runs", json=start, headers={**api, "Idempotency-Key": "k-1"}))
    again = client.post("/v1/runs", json=start, headers={**api, "Idempotency-Key": "k-1"})
    assert again.status_code == 201, again.text
    # A console page: the session is read in the gate.
    kill_connections(db_url)
    assert_unavailable_page(client.get("/runs", headers=page))
    assert client.get("/runs", headers=page).status_code == 200
    assert [r.input for r in shared_site.office.engine.list_runs()] == [{"n": 1}]


@pytest.fixture
def private_site(cluster: PrivateCluster) -> Iterator[tuple[Site, PrivateCluster]]:
    url = cluster.create_database(f"outage_{time.monotonic_ns()}")
    store = open_store(url)
    migrate.upgrade(store)
    store.close()
    office = Office.open(url)
    try:
        for site in open_site(office):
            yield site, cluster
    finally:
        if not cluster.running():
            cluster.start()
        office.close()


def test_with_the_database_stopped_the_api_and_the_console_answer_503_and_recover_when_it_returns(
    private_site: tuple[Site, PrivateCluster],
) -> None:
    site, cluster = private_site
    client, api, page = site.client, site.api, site.page
    start = {"workflow": "hello", "input": {"n": 2}}
    cluster.stop("fast")
    for _ in range(2):  # the connections the server closed, then no connection at all
        assert_unavailable_problem(client.get("/v1/runs", headers=api))
    assert_unavailable_problem(client.post("/v1/runs", json=start, headers={**api, "Idempotency-Key": "k-2"}))
    assert_unavailable_problem(client.get("/v1/health"))
    assert_unavailable_page(client.get("/runs", headers=page))
    waited = time.monotonic()
    assert client.get("/v1/runs", headers=api).status_code == 503
    assert time.monotonic() - waited < 5, "a request waited long for a database that is away"
    cluster.start()
    assert client.get("/v1/health").status_code == 200
    created = client.post("/v1/runs", json=start, headers={**api, "Idempotency-Key": "k-2"})
    assert created.status_code == 201, created.text
    assert client.get("/runs", headers=page).status_code == 200
    assert [r.input for r in site.office.engine.list_runs()] == [{"n": 2}]


def test_a_key_whose_answer_could_not_be_stored_replays_it_once_the_database_is_back(
    make_office: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run is started, then the database goes away before the Idempotency-Key's answer is
    stored: the client gets 503, the key answers 409 while the answer is not stored, then the
    stored answer (not a key stuck in progress until its claim lapses, 5 minutes later)."""
    from officeflow.store.tx_security import SecurityMixin

    real = SecurityMixin.idempotency_complete
    away = [StoreUnavailable("the database is unavailable: server closed the connection")]

    def complete(self: Any, *args: Any) -> None:
        if away:
            raise away.pop()
        real(self, *args)

    monkeypatch.setattr(SecurityMixin, "idempotency_complete", complete)
    for site in open_site(make_office(clock=SystemClock())):
        headers = {**site.api, "Idempotency-Key": "k-3"}
        start = {"workflow": "hello", "input": {"n": 3}}
        assert_unavailable_problem(site.client.post("/v1/runs", json=start, headers=headers))
        deadline = time.monotonic() + 10
        while (answer := site.client.post("/v1/runs", json=start, headers=headers)).status_code == 409:
            assert answer.headers["retry-after"] == "1"
            assert time.monotonic() < deadline, "the key stayed in progress"
            time.sleep(0.05)
        assert answer.status_code == 201, answer.text
        assert answer.headers["idempotent-replayed"] == "true"
        (run,) = site.office.engine.list_runs()
        assert answer.json()["id"] == run.id

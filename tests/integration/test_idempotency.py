"""Idempotency-Key on both backends: a resend right after the first answer replays it (never
409), and keys past their time to live are forgotten."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn

from officeflow import FakeClock, Office, SystemClock
from officeflow.api.gate import IDEMPOTENCY_TTL
from officeflow.background import Background

from .conftest import HELLO, Api, make_api

PAIRS = 240
CLIENTS = 6


@pytest.fixture
def served(make_office: Any) -> Iterator[tuple[str, Api]]:
    """The API served by uvicorn on a free port: a client sees an answer as soon as it is sent,
    as in production (the test client waits for the whole application call instead)."""
    office: Office = make_office(clock=SystemClock())
    office.engine.apply(HELLO)
    api = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api.app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert thread.is_alive(), "the server stopped"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", api
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_resend_right_after_the_answer_replays_it_never_409(served: tuple[str, Api]) -> None:
    """Many clients at once each start a run and resend the same request the moment the answer
    arrives: every resend is the stored answer (201, same run, Idempotent-Replayed), none 409."""
    url, api = served
    headers = api.headers()

    def pair(client: httpx.Client) -> tuple[httpx.Response, httpx.Response]:
        key = {"Idempotency-Key": uuid.uuid4().hex, **headers}
        body = {"workflow": "hello", "input": {"n": 1}}
        first = client.post("/v1/runs", json=body, headers=key)
        return first, client.post("/v1/runs", json=body, headers=key)

    def batch(_: int) -> list[tuple[httpx.Response, httpx.Response]]:
        with httpx.Client(base_url=url, timeout=30) as client:
            return [pair(client) for _ in range(PAIRS // CLIENTS)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        pairs = [p for done in pool.map(batch, range(CLIENTS)) for p in done]
    assert len(pairs) == PAIRS
    in_progress = [again.json()["detail"] for _, again in pairs if again.status_code == 409]
    assert in_progress == [], f"{len(in_progress)} of {PAIRS} resends answered 409"
    for first, again in pairs:
        assert first.status_code == 201
        assert "idempotent-replayed" not in first.headers
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
    assert len(api.engine.list_runs(tenant="default", limit=1000)) == PAIRS


def test_simultaneous_requests_with_one_key_run_once(served: tuple[str, Api]) -> None:
    """Requests sent together with one key: one is answered by the application, the others
    either wait-and-retry (409, only while it is in flight) or replay its answer."""
    url, api = served
    key = {"Idempotency-Key": "together", **api.headers()}
    body = {"name": "together", "grants": ["auditor"]}

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=30) as client:
            return client.post("/v1/api-keys", json=body, headers=key)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    made = [a for a in answers if a.status_code == 201 and "idempotent-replayed" not in a.headers]
    assert len(made) == 1
    replays = [a for a in answers if a.headers.get("idempotent-replayed") == "true"]
    assert all(a.json()["id"] == made[0].json()["id"] for a in replays)
    assert all(a.status_code == 409 for a in answers if a not in made and a not in replays)
    with httpx.Client(base_url=url, timeout=30) as client:
        late = client.post("/v1/api-keys", json=body, headers=key)
    assert late.headers["idempotent-replayed"] == "true"
    assert late.json()["id"] == made[0].json()["id"]
    names = [k.name for k in api.office.accounts.api_keys("default")]
    assert names.count("together") == 1


def test_a_key_past_its_time_to_live_no_longer_replays(make_office: Any) -> None:
    """Within the time to live the same key replays (and refuses another body); past it the key
    is forgotten: the request runs again and another body is accepted; the purge drops it."""
    clock = FakeClock()
    office: Office = make_office(clock=clock)
    api = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    key = {"Idempotency-Key": "weekly-report"}
    with api.client:
        first = api.post("/v1/api-keys", json={"name": "report", "grants": ["auditor"]}, headers=key)
        assert first.status_code == 201
        clock.advance(IDEMPOTENCY_TTL - 60)
        replay = api.post("/v1/api-keys", json={"name": "report", "grants": ["auditor"]}, headers=key)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == first.json()["id"]
        other = api.post("/v1/api-keys", json={"name": "other", "grants": ["auditor"]}, headers=key)
        assert other.status_code == 422
        assert other.json()["type"].endswith("/idempotency-key-reused")

        clock.advance(120)
        again = api.post("/v1/api-keys", json={"name": "report", "grants": ["auditor"]}, headers=key)
        assert again.status_code == 201
        assert "idempotent-replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]

        clock.advance(IDEMPOTENCY_TTL + 60)
        assert Background(office).purge()[0] == 1
        renamed = api.post("/v1/api-keys", json={"name": "other", "grants": ["auditor"]}, headers=key)
        assert renamed.status_code == 201
        assert renamed.json()["name"] == "other"

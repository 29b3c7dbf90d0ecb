"""The HTTP API on both backends: problems, idempotency, limits, sessions, signatures, files."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from officeflow import Engine, Office, SystemClock
from officeflow.security import webhooks

from .conftest import Api, make_api

PROBLEM = "application/problem+json"


def is_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://officeflow.dev/problems/{slug}"
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


def test_a_run_through_the_api(api: Api) -> None:
    started = api.post("/v1/runs", json={"workflow": "hello", "input": {"n": 1}})
    assert started.status_code == 201
    run_id = started.json()["id"]
    assert started.headers["location"] == f"/v1/runs/{run_id}"
    detail = api.get(f"/v1/runs/{run_id}").json()
    assert detail["status"] == "waiting"
    assert detail["positions"] == [
        {
            "step_id": "wait",
            "iteration": 0,
            "kind": "wait:signal",
            "status": "waiting",
            "attempt": None,
            "due_at": None,
            "signal": "go",
            "child_run_id": None,
            "error": None,
        }
    ]
    assert api.post(f"/v1/runs/{run_id}/signals/go", json={"payload": {"ok": True}}).json() == {"delivered": True}
    assert api.get(f"/v1/runs/{run_id}").json()["status"] == "completed"
    history = api.get(f"/v1/runs/{run_id}/history").json()
    assert [h["type"] for h in history][-1] == "run_completed"
    page = api.get("/v1/runs", params={"status": "completed", "limit": 1}).json()
    assert [r["id"] for r in page["items"]] == [run_id]


def test_paging_through_runs_with_the_cursor(api: Api) -> None:
    ids = [api.post("/v1/runs", json={"workflow": "hello", "input": {"i": i}}).json()["id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/runs", params=params).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    is_problem(api.get("/v1/runs", params={"cursor": "garbage!"}), 400, "bad-cursor")


def test_errors_are_problem_documents_with_pointers(api: Api) -> None:
    body = is_problem(api.post("/v1/runs", json={"workflow": "hello", "input": {}, "extra": 1}), 422, "validation")
    assert body["errors"] == [{"detail": "Extra inputs are not permitted", "pointer": "/extra", "in": "body"}]
    is_problem(api.post("/v1/runs", json={"workflow": "nope"}), 404, "not-found")
    is_problem(api.get("/v1/runs/01a00000-0000-7000-8000-000000000000"), 404, "not-found")
    is_problem(api.client.get("/v1/runs"), 401, "unauthorized")
    is_problem(
        api.get("/v1/runs", who="submitter", headers={"Authorization": "Bearer ofk_nope_nope"}), 401, "unauthorized"
    )
    is_problem(api.client.get("/v1/nowhere"), 404, "not-found")
    is_problem(api.client.delete("/v1/health"), 405, "method-not-allowed")
    bad = api.post("/v1/definitions", json={"source": "name: x\nversion: 1\nsteps:\n  a: {kind: task, next: b}\n"})
    body = is_problem(bad, 422, "invalid-definition")
    assert {"pointer": "/steps/a", "line": 4, "step": "a"}.items() <= next(
        e for e in body["errors"] if "handler" in e["detail"]
    ).items()
    invalid = api.post("/v1/runs", json={"workflow": "hello", "input": [1]})
    body = is_problem(invalid, 422, "invalid-input")
    assert body["errors"][0]["pointer"] == "/input"


def test_request_bodies_beyond_the_limit_are_refused(make_office: Any) -> None:
    office: Office = make_office(clock=SystemClock())
    api = make_api(office, api_max_body=4096, rate_limit_key="off", rate_limit_tenant="off")
    is_problem(
        api.post("/v1/runs", content=b"{" + b" " * 5000 + b"}", headers={"content-type": "application/json"}),
        413,
        "payload-too-large",
    )


def test_idempotency_keys_replay_refuse_other_bodies_and_mark_replays(api: Api) -> None:
    key = {"Idempotency-Key": "order-77"}
    first = api.post("/v1/runs", json={"workflow": "hello", "input": {"a": 1}}, headers=key)
    again = api.post("/v1/runs", json={"workflow": "hello", "input": {"a": 1}}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    is_problem(
        api.post("/v1/runs", json={"workflow": "hello", "input": {"a": 2}}, headers=key), 422, "idempotency-key-reused"
    )
    assert len(api.get("/v1/runs").json()["items"]) == 1
    # keys are per caller: the same key from another caller is another request
    other = api.post("/v1/runs", json={"workflow": "hello", "input": {"a": 1}}, who="operator", headers=key)
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


def test_a_request_still_in_progress_under_a_key_is_a_409_until_abandoned(api: Api) -> None:
    """The same request (same hash) while the first is in progress: 409 with Retry-After; a key
    whose request died with its process is free again after IN_PROGRESS_LIMIT."""
    import hashlib

    from officeflow.store.tx_security import IN_PROGRESS_LIMIT

    principal = api.office.accounts.api_key_principal(api.keys["admin"])
    assert principal is not None
    body = json.dumps({"workflow": "hello"}).encode()
    digest = hashlib.sha256(b"\n".join([b"POST", b"/v1/runs", b"", body])).hexdigest()

    def claim(at: float) -> None:
        api.engine.store.run(
            lambda tx: tx.idempotency_claim("default", principal.id, "slow", "POST", "/v1/runs", digest, at, 86400)
        )

    claim(api.engine.now())
    headers = {"Idempotency-Key": "slow", "content-type": "application/json"}
    busy = api.post("/v1/runs", content=body, headers=headers)
    is_problem(busy, 409, "idempotency-in-progress")
    assert busy.headers["retry-after"] == "1"
    api.engine.store.run(lambda tx: tx._exec("DELETE FROM of_idempotency WHERE key = 'slow'"))
    claim(api.engine.now() - IN_PROGRESS_LIMIT - 1)  # its process died long ago
    assert api.post("/v1/runs", content=body, headers=headers).status_code == 201


def test_rate_limits_answer_429_with_retry_after(make_office: Any) -> None:
    office: Office = make_office(clock=SystemClock())
    api = make_api(office, rate_limit_key="1/s:3", rate_limit_tenant="off")
    statuses = [api.get("/v1/definitions", who="auditor").status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
    limited = api.get("/v1/definitions", who="auditor")
    body = is_problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert "retry in" in body["detail"]
    assert api.get("/v1/definitions", who="designer").status_code == 200  # another key has its own bucket


@pytest.mark.backends("postgres")  # SQLite runs one API process; its buckets are in the process
def test_tenant_rate_limits_are_shared_by_every_api_process(make_office: Any, backend: str) -> None:
    office: Office = make_office(clock=SystemClock())
    first = make_api(office, rate_limit_key="off", rate_limit_tenant="1/m:20")
    second = make_api(office, rate_limit_key="off", rate_limit_tenant="1/m:20")
    ok = 0
    for i in range(30):
        response = (first if i % 2 else second).get("/v1/definitions", who="auditor")
        ok += response.status_code == 200
    assert ok <= 22  # one bucket of 20 (each process may hold a small unspent batch)
    assert ok >= 18


@pytest.mark.backends("postgres")  # shared buckets live in PostgreSQL
def test_requests_arriving_while_a_shared_bucket_refills_wait_for_one_withdrawal(
    make_engine: Any, backend: str
) -> None:
    """When a process's tokens run out, one request withdraws more from the database; requests
    arriving meanwhile wait for it and spend what it brought instead of each going to the same
    row (at 1,000 requests/s that queue of lock waits stalled every request for ~100 ms)."""
    import threading

    from officeflow.edge.ratelimit import Limit, SharedBuckets

    engine: Engine = make_engine(clock=SystemClock())
    withdrawals: list[float] = []

    class CountingStore:  # the real store; only counts the transactions that withdraw tokens
        def run(self, fn: Any, **kw: Any) -> Any:
            withdrawals.append(time.monotonic())
            time.sleep(0.05)  # a slow database: the other threads arrive while it withdraws
            return engine.store.run(fn, **kw)

    buckets = SharedBuckets(CountingStore())
    limit = Limit(rate=1000.0, burst=1000.0)  # 50 tokens per withdrawal
    start = threading.Barrier(20)
    verdicts: list[bool] = []

    def take() -> None:
        start.wait()
        verdicts.append(buckets.take("key:k", limit).allowed)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verdicts == [True] * 20
    assert len(withdrawals) == 1


@pytest.mark.backends("sqlite")  # the buckets do not depend on the database: one backend is enough
def test_rate_limits_kept_in_redis_are_shared_by_every_api_process(make_office: Any, backend: str) -> None:
    """OFFICEFLOW_REDIS_URL: the buckets live in the real Redis on this machine, shared by apps."""
    import redis

    office: Office = make_office(clock=SystemClock())
    url = "redis://127.0.0.1:6379/15"
    tenant_limit = "1/m:10"
    first = make_api(office, rate_limit_key="off", rate_limit_tenant=tenant_limit, redis_url=url)
    second = make_api(office, rate_limit_key="off", rate_limit_tenant=tenant_limit, redis_url=url)
    redis.Redis.from_url(url).flushdb()  # database 15: this test's own
    statuses = [(first if i % 2 else second).get("/v1/definitions", who="auditor").status_code for i in range(14)]
    assert statuses.count(200) == 10
    limited = second.get("/v1/definitions", who="auditor")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1


def test_login_sessions_and_lockout(api: Api) -> None:
    api.office.accounts.create_user("default", "mia", password="a long passphrase", grants=["approver"], actor="system")
    token = api.client.post("/v1/auth/login", json={"username": "mia", "password": "a long passphrase"}).json()["token"]
    me = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["name"], me["kind"], me["grants"]) == ("mia", "user", ["approver:*"])
    api.client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    is_problem(api.client.get("/v1/runs", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
    for _ in range(5):
        is_problem(
            api.client.post("/v1/auth/login", json={"username": "mia", "password": "wrong!"}), 401, "login-failed"
        )
    locked = api.client.post("/v1/auth/login", json={"username": "mia", "password": "a long passphrase"})
    assert "locked" in is_problem(locked, 401, "login-failed")["detail"]
    assert int(locked.headers["retry-after"]) > 800


def test_an_unknown_username_locks_like_a_real_account(api: Api) -> None:
    """The lockout message must not tell whether an account exists: a name nobody has is locked
    after the same five failures, with the same answer."""
    api.office.accounts.create_user("default", "noa", password="a long passphrase", actor="system")
    answers = {}
    for name in ("noa", "nobody-here"):
        for _ in range(5):
            is_problem(
                api.client.post("/v1/auth/login", json={"username": name, "password": "wrong!"}), 401, "login-failed"
            )
        answers[name] = api.client.post("/v1/auth/login", json={"username": name, "password": "a long passphrase"})
    assert answers["noa"].json()["detail"] == answers["nobody-here"].json()["detail"]
    assert "locked for 15 more minute(s)" in answers["nobody-here"].json()["detail"]
    assert answers["noa"].headers["retry-after"] == answers["nobody-here"].headers["retry-after"]


def test_sign_in_attempts_from_one_address_are_limited(make_office: Any, backend: str) -> None:
    """Guessing across many accounts from one address is slowed to OFFICEFLOW_RATE_LIMIT_LOGIN (the
    buckets are the database's on PostgreSQL, shared by API processes); the web form says so too."""
    office: Office = make_office(clock=SystemClock())
    first = make_api(office, rate_limit_login="1/m:4")
    second = make_api(office, rate_limit_login="1/m:4")
    office.accounts.create_user("default", "ola", password="a long passphrase", actor="system")
    statuses = []
    for i in range(4):
        app = first if i % 2 or backend == "sqlite" else second
        response = app.client.post("/v1/auth/login", json={"username": f"guess{i}", "password": "wrong!"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401]
    refused = first.client.post("/v1/auth/login", json={"username": "ola", "password": "a long passphrase"})
    body = is_problem(refused, 429, "rate-limited")
    assert "sign-in attempts" in body["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    form = first.client.get("/login")
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page = first.client.post("/login", data={"username": "ola", "password": "a long passphrase", "csrf_token": token})
    assert page.status_code == 429
    assert "Too many sign-in attempts" in page.text
    assert int(page.headers["retry-after"]) >= 1
    other = make_api(office, rate_limit_login="1/m:4", redis_url=None)
    if backend == "sqlite":  # in-process buckets: a fresh process has its own
        assert (
            other.client.post("/v1/auth/login", json={"username": "ola", "password": "a long passphrase"}).status_code
            == 200
        )


def signed_setup(api: Api) -> str:
    secret = webhooks.new_secret()
    assert api.client.put("/v1/secrets/erp-hook", json={"value": secret}, headers=api.headers()).status_code == 200
    api.engine.apply("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    api.post(
        "/v1/event-types",
        json={"name": "erp.invoice", "schema": {"type": "object", "required": ["no"]}, "signature_secret": "erp-hook"},
    )
    api.client.put("/v1/triggers/book", json={"event_type": "erp.invoice", "workflow": "book"}, headers=api.headers())
    return secret


def test_signed_webhooks_are_accepted_and_tampered_expired_replayed_or_wrongly_keyed_ones_refused(api: Api) -> None:
    secret = signed_setup(api)
    body = json.dumps({"no": "A-1"}).encode()
    url = "/v1/webhooks/default/erp.invoice"
    good = webhooks.sign(secret, body, message_id="msg_1")
    accepted = api.client.post(url, content=body, headers={**good, "content-type": "application/json"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["event_id"] == "msg_1"
    assert len(accepted.json()["runs"]) == 1
    is_problem(api.client.post(url, content=body, headers=good), 409, "webhook-replayed")
    tampered = webhooks.sign(secret, body, message_id="msg_2")
    is_problem(
        api.client.post(url, content=json.dumps({"no": "A-9"}).encode(), headers=tampered), 401, "signature-invalid"
    )
    expired = webhooks.sign(secret, body, message_id="msg_3", at=time.time() - 600)
    is_problem(api.client.post(url, content=body, headers=expired), 401, "signature-invalid")
    wrong = webhooks.sign(webhooks.new_secret(), body, message_id="msg_4")
    is_problem(api.client.post(url, content=body, headers=wrong), 401, "signature-invalid")
    is_problem(api.client.post(url, content=body), 401, "signature-invalid")
    # the API-key route of a signed type needs the signature too
    is_problem(api.post("/v1/events/erp.invoice", content=body, who="submitter"), 401, "signature-invalid")


def test_a_refused_webhook_delivery_may_be_retried_with_its_id(api: Api) -> None:
    """Only accepted message ids count as seen: a delivery refused as invalid is not a replay
    when the sender retries it (fixed) with the same webhook-id."""
    secret = signed_setup(api)
    url = "/v1/webhooks/default/erp.invoice"
    bad = json.dumps({"number": "A-2"}).encode()  # lacks "no"
    is_problem(
        api.client.post(url, content=bad, headers=webhooks.sign(secret, bad, message_id="msg_9")), 422, "invalid-event"
    )
    good = json.dumps({"no": "A-2"}).encode()
    retried = api.client.post(url, content=good, headers=webhooks.sign(secret, good, message_id="msg_9"))
    assert retried.status_code == 202, retried.text
    is_problem(
        api.client.post(url, content=good, headers=webhooks.sign(secret, good, message_id="msg_9")),
        409,
        "webhook-replayed",
    )


def test_an_event_of_an_unknown_type_over_http_is_kept_with_the_rejects(api: Api) -> None:
    is_problem(api.post("/v1/events/no.such.type", json={"a": 1}, who="submitter"), 404, "not-found")
    rejects = api.get("/v1/event-rejects").json()
    assert [(r["type"], r["reason"]["error"]) for r in rejects] == [("no.such.type", "unknown type")]


def test_event_ids_with_slashes_can_be_read_back(api: Api) -> None:
    api.post("/v1/event-types", json={"name": "ping", "schema": {"type": "object"}})
    posted = api.post("/v1/events/ping", json={}, who="submitter", headers={"Event-Id": "orders/2026/17"})
    assert posted.status_code == 202, posted.text
    assert api.get("/v1/events/orders/2026/17").json()["id"] == "orders/2026/17"
    # Found by Schemathesis: a line break in the id used to miss this route and answer 405.
    for odd in ("%3E%0A%14abc", "a%0Ab/c", "%0D%0A"):
        is_problem(api.get(f"/v1/events/{odd}"), 404, "not-found")


def test_events_over_http_start_runs_once_and_invalid_ones_are_kept(api: Api) -> None:
    api.post("/v1/event-types", json={"name": "ping", "schema": {"type": "object", "required": ["n"]}})
    api.client.put("/v1/triggers/on-ping", json={"event_type": "ping", "workflow": "hello"}, headers=api.headers())
    first = api.post("/v1/events/ping", json={"n": 1}, who="submitter", headers={"Event-Id": "p-1"})
    assert first.status_code == 202
    again = api.post("/v1/events/ping", json={"n": 1}, who="submitter", headers={"Event-Id": "p-1"})
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["runs"][0]["run_id"] == first.json()["runs"][0]["run_id"]
    body = is_problem(api.post("/v1/events/ping", json={"m": 1}, who="submitter"), 422, "invalid-event")
    assert body["errors"][0]["pointer"] == "/data"
    rejects = api.get("/v1/event-rejects").json()
    assert rejects[0]["reason"]["error"] == "schema"
    is_problem(api.post("/v1/events/ping", content=b"{not json", who="submitter"), 400, "bad-json")


def test_the_fast_publish_path_answers_as_the_route_does(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /v1/events/{type} is served past the framework when it can be (officeflow.api.fastpath).
    Every answer must be the route's own: the same requests go once each way and are compared."""
    from officeflow.api import fastpath

    api.post("/v1/event-types", json={"name": "ping", "schema": {"type": "object", "required": ["n"]}})
    for name, extra in (("on-ping", {}), ("broken", {"input": "{'x': event.data.missing}"})):
        trigger = {"event_type": "ping", "workflow": "hello", **extra}
        assert api.client.put(f"/v1/triggers/{name}", json=trigger, headers=api.headers()).status_code in (200, 201)
    taken: list[bool] = []
    publish = fastpath.publish

    async def spy(*args: Any, **kwargs: Any) -> bool:
        served = await publish(*args, **kwargs)
        taken.append(served)
        return served

    monkeypatch.setattr(fastpath, "publish", spy)

    def exchange(tag: str) -> list[Any]:
        post = api.post
        return [
            post("/v1/events/ping", json={"n": 1}, who="submitter", headers={"Event-Id": tag, "Event-Subject": "s"}),
            post("/v1/events/ping", json={"n": 1}, who="submitter", headers={"Event-Id": tag}),  # a duplicate
            post("/v1/events/ping", json={"m": 1}, who="submitter"),  # against the schema
            post("/v1/events/ping", content=b"{not json", who="submitter"),
            post("/v1/events/ping", json={"n": 1}, who="submitter", headers={"Event-Id": "no spaces"}),
            post("/v1/events/ping", json={"n": 1}, who="auditor"),  # may not publish
            post("/v1/events/no.such.type", json={"n": 1}, who="submitter"),
        ]

    api.post("/v1/events/ping", json={"n": 0}, who="submitter")  # this process now knows the type
    taken.clear()
    fast = exchange("fast-1")
    assert taken == [True, True, True, False, False, False, False]
    monkeypatch.setattr(fastpath, "applies", lambda scope: False)
    slow = exchange("slow-1")
    assert len(taken) == 7  # the second time, nothing went the fast way

    def seen(response: Any) -> tuple[int, str, Any]:
        text = response.text
        for run in response.json().get("runs", []) if response.status_code < 300 else []:
            text = text.replace(run["run_id"], "RUN")
        body = json.loads(text.replace("fast-1", "ID").replace("slow-1", "ID"))
        return response.status_code, response.headers["content-type"], body

    assert [seen(r) for r in fast] == [seen(r) for r in slow]
    assert [r.status_code for r in fast] == [202, 200, 422, 400, 422, 403, 404]
    assert fast[0].json()["trigger_failures"][0]["trigger"] == "broken"
    rejects = [r["reason"]["error"] for r in api.get("/v1/event-rejects", params={"limit": 100}).json()]
    assert rejects.count("schema") == 2  # once each way: the fast path kept its refused event too


def test_file_uploads_are_checked(api: Api) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    stored = api.post("/v1/files", who="submitter", files={"file": ("r.pdf", pdf, "application/pdf")})
    assert stored.status_code == 201, stored.text
    file_id = stored.json()["id"]
    downloaded = api.get(f"/v1/files/{file_id}", who="approver")
    assert downloaded.content == pdf
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    evil = pdf.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (x) >>")
    is_problem(
        api.post("/v1/files", who="submitter", files={"file": ("e.pdf", evil, "application/pdf")}),
        422,
        "attachment-refused",
    )
    is_problem(api.get(f"/v1/files/{file_id}", who="other-admin"), 404, "not-found")


def test_the_audit_log_through_the_api(api: Api) -> None:
    api.post("/v1/runs", json={"workflow": "hello"})
    report = api.post("/v1/audit/verify", who="auditor").json()
    assert report["ok"] is True
    assert report["head_seq"] >= 8  # definition, 8 API keys, a run
    entries = api.get("/v1/audit", who="auditor", params={"action": "run.started"}).json()
    assert entries[0]["actor"] == "api_key:admin-key"
    export = api.get("/v1/audit/export", who="auditor")
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert lines[-1]["head"]["seq"] == report["head_seq"]


def test_the_audit_head_and_every_finding_through_the_api(api: Api) -> None:
    """GET /v1/audit/head gives the head to keep elsewhere; POST /v1/audit/verify with it finds a
    log deleted as a whole, and lists every problem, not only the first."""
    head = api.get("/v1/audit/head", who="auditor").json()
    assert head["tenant"] == "default"
    assert head["seq"] >= 7  # the definition, the API keys
    recorded = {"seq": head["seq"], "hash": head["hash"]}
    assert api.post("/v1/audit/verify", who="auditor", json=recorded).json()["ok"] is True
    columns = "tenant, at, actor, action, object_type, object_id, before, after, mac"
    with api.engine.store.transaction() as tx:
        tx._exec(
            f"INSERT INTO of_audit ({columns}) SELECT {columns} FROM of_audit WHERE tenant = 'default' AND seq = 2"
        )
        tx._exec("DELETE FROM of_audit WHERE tenant = 'default' AND seq = 3")
    report = api.post("/v1/audit/verify", who="auditor").json()
    assert report["ok"] is False
    assert [f["kind"] for f in report["findings"]] == ["deleted", "duplicate"]
    assert report["finding"] == report["findings"][0]
    with api.engine.store.transaction() as tx:
        tx._exec("DELETE FROM of_audit WHERE tenant = 'default'")
        tx._exec("DELETE FROM of_audit_heads WHERE tenant = 'default'")
    assert api.post("/v1/audit/verify", who="auditor").json()["ok"] is True
    gone = api.post("/v1/audit/verify", who="auditor", json=recorded).json()
    assert [f["kind"] for f in gone["findings"]] == ["deleted"]
    assert f"(entry {head['seq']}) is not in the chain" in gone["findings"][0]["detail"]
    assert api.get("/v1/audit/head", who="approver").status_code == 403

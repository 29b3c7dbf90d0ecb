"""The ``http`` step kind through real engine runs on both backends, against a real HTTP server
on 127.0.0.1 (allowlisted with OFFICEFLOW_HTTP_ALLOW's engine option)."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import structlog

from officeflow import Engine, FakeClock, RunStatus
from officeflow.definitions.load import load_definition
from officeflow.errors import DefinitionInvalid
from officeflow.steps.registry import Registry
from officeflow.store.records import Run

SECRET = "sk_live_7f3a9c1e55d24b0e8a6b"

Reply = tuple[int, dict[str, str], bytes]


@dataclasses.dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ApiServer:
    """A real HTTP server in a thread. Routes are ``path -> fn(request, count) -> (status,
    headers, body)``, where ``count`` is how many times the path was hit before; every request is
    recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Received, int], Reply]] = {}
        self.received: list[Received] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle_one(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                count = sum(1 for r in server.received if r.path == request.path)
                server.received.append(request)
                route = server.routes.get(request.path)
                status, headers, body = route(request, count) if route else (404, {}, b"no route")
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def on(self, path: str, fn: Callable[[Received, int], Reply]) -> None:
        self.routes[path] = fn

    def hits(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class ConnectionCounter:
    """A listening socket on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close()


def json_reply(status: int, data: Any, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(data).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    api = ApiServer()
    yield api
    api.close()


@pytest.fixture
def api(server: ApiServer) -> ApiServer:
    server.routes.clear()
    server.received.clear()
    return server


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    # make_engine (tests/conftest.py) cannot pass http_allow, so this opens the engine itself.
    engine = Engine.open(db_url, clock=FakeClock(), http_allow=["127.0.0.1"])
    yield engine
    engine.close()


def definition(body: str, **values: Any) -> str:
    return textwrap.dedent(body).strip().format(**values) + "\n"


def run_to_end(engine: Engine, workflow: str, input: Any = None) -> Run:
    run = engine.start(workflow, input or {})
    engine.run_until_idle(advance_clock=True)
    return engine.get_run(run.id)


def everything_recorded(engine: Engine, run: Run) -> str:
    """The run, its whole history and its positions as one JSON text."""
    return json.dumps(
        {
            "run": dataclasses.asdict(run),
            "history": [dataclasses.asdict(h) for h in engine.history(run.id)],
            "positions": dataclasses.asdict(engine.positions(run.id)),
        },
        default=str,
    )


def step_event(engine: Engine, run: Run, type: str, step: str) -> Any:
    return next(h for h in engine.history(run.id) if h.type == type and h.step_id == step)


def test_get_then_post_built_with_cel_send_what_the_definition_says_and_record_the_responses(
    engine: Engine, api: ApiServer
) -> None:
    api.on("/v1/score/c-42", lambda r, n: json_reply(200, {"customer": "c-42", "score": 0.87}, ETag='"v7"'))
    api.on(
        "/v1/orders",
        lambda r, n: json_reply(201, {"id": "o-1", "got": json.loads(r.body)}, Location="/v1/orders/o-1"),
    )
    engine.apply(
        definition(
            """
            name: score-and-order
            version: 1
            input: {{type: object, required: [customer_id]}}
            output: {{order: steps.order.output.body.id}}
            steps:
              score:
                kind: http
                url: "{base}/v1/score/${{input.customer_id}}"
                query: {{verbose: "input.verbose", tag: "['a', 'b']", skip: "null"}}
                headers: {{X-Customer: input.customer_id, X-Trace: "'trace-' + run.id"}}
                next: order
              order:
                kind: http
                method: post
                url: "'{base}/v1/orders'"
                headers: {{X-Score: "steps.score.output.body.score"}}
                body:
                  customer: input.customer_id
                  score: steps.score.output.body.score
                  lines: "[{{'sku': 'A-1', 'qty': 2}}]"
                expect: [201]
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "score-and-order", {"customer_id": "c-42", "verbose": True})

    assert run.status == RunStatus.COMPLETED, run.error
    assert run.output == {"order": "o-1"}
    get, post = api.received
    assert (get.method, get.path, get.query) == ("GET", "/v1/score/c-42", {"verbose": ["true"], "tag": ["a", "b"]})
    assert get.headers["x-customer"] == "c-42"
    assert get.headers["x-trace"] == f"trace-{run.id}"
    assert get.headers["idempotency-key"] == f"{run.id}:score:0"
    assert get.headers["host"] == f"127.0.0.1:{api.port}"
    assert (post.method, post.path) == ("POST", "/v1/orders")
    assert post.headers["content-type"] == "application/json"
    assert post.headers["x-score"] == "0.87"
    assert post.headers["idempotency-key"] == f"{run.id}:order:0"
    assert json.loads(post.body) == {"customer": "c-42", "score": 0.87, "lines": [{"sku": "A-1", "qty": 2}]}

    score = step_event(engine, run, "step_completed", "score")
    assert score.output["status"] == 200
    assert score.output["headers"] == {"content-type": "application/json", "etag": '"v7"'}
    assert score.output["body"] == {"customer": "c-42", "score": 0.87}
    assert score.output["truncated"] is False
    assert score.output["url"] == f"{api.base}/v1/score/c-42"  # recorded without the query
    assert score.output["elapsed_ms"] >= 0
    # The evaluated request is the step's recorded input.
    assert score.data["input"]["url"] == f"{api.base}/v1/score/c-42"
    assert score.data["input"]["query"] == {"verbose": True, "tag": ["a", "b"], "skip": None}
    order = step_event(engine, run, "step_completed", "order")
    assert order.output["status"] == 201
    assert order.output["headers"]["location"] == "/v1/orders/o-1"
    assert order.output["body"]["got"]["lines"] == [{"sku": "A-1", "qty": 2}]


def test_a_503_is_retried_with_the_same_idempotency_key(engine: Engine, api: ApiServer) -> None:
    api.on(
        "/charge",
        lambda r, n: (
            json_reply(503, {"error": "busy"}, **{"Retry-After": "7"}) if n == 0 else json_reply(200, {"ok": 1})
        ),
    )
    engine.apply(
        definition(
            """
            name: charge
            version: 1
            steps:
              charge: {{kind: http, method: POST, url: "'{base}/charge'", body: "{{'amount': 5}}", retry: {{attempts: 3}}}}
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "charge")

    assert run.status == RunStatus.COMPLETED
    first, second = api.hits("/charge")
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == f"{run.id}:charge:0"
    assert first.body == second.body == b'{"amount":5}'
    retrying = step_event(engine, run, "step_retrying", "charge")
    assert retrying.data["error"]["type"] == "officeflow.steps.http.HttpFailed"
    assert "HTTP 503" in retrying.data["error"]["message"]
    assert "(Retry-After: 7s)" in retrying.data["error"]["message"]


def test_a_400_fails_the_run_at_once_with_the_status_and_a_body_excerpt(engine: Engine, api: ApiServer) -> None:
    api.on("/bad", lambda r, n: json_reply(400, {"error": "customer_id is malformed", "pad": "x" * 500}))
    engine.apply(
        definition(
            """
            name: bad
            version: 1
            steps:
              call: {{kind: http, url: "'{base}/bad'", retry: {{attempts: 5}}}}
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "bad")

    assert run.status == RunStatus.FAILED
    assert len(api.hits("/bad")) == 1  # not retried
    assert run.error is not None
    assert run.error["type"] == "officeflow.steps.http.HttpRejected"
    assert run.error["retryable"] is False
    message = run.error["message"]
    assert message.startswith(f"GET {api.base}/bad: HTTP 400 Bad Request: ")
    assert "customer_id is malformed" in message
    assert message.endswith("...")
    assert len(message) < 400
    assert not any(h.type == "step_retrying" for h in engine.history(run.id))


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502])
def test_statuses_that_may_pass_later_are_retried(engine: Engine, api: ApiServer, status: int) -> None:
    api.on("/later", lambda r, n: json_reply(status, {}) if n == 0 else json_reply(200, {}))
    engine.apply(
        definition(
            """
            name: later
            version: 1
            steps:
              call: {{kind: http, url: "'{base}/later'"}}
            """,
            base=api.base,
        )
    )

    assert run_to_end(engine, "later").status == RunStatus.COMPLETED
    assert len(api.hits("/later")) == 2


def test_the_credential_reaches_the_server_and_nothing_that_is_recorded_or_logged(
    engine: Engine, api: ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    engine.store.run(
        lambda tx: tx.put_secret("default", "scoring-key", engine.secrets.box.seal(SECRET), None, engine.now(), "test")
    )

    def echo(r: Received, n: int) -> Reply:  # a careless API that echoes what it got
        return json_reply(200, {"you_sent": r.headers, "token_" + r.headers.get("authorization", ""): 1})

    def refuse(r: Received, n: int) -> Reply:
        return json_reply(401, {"error": f"key {r.headers.get('x-api-key')} is revoked"})

    api.on("/echo", echo)
    api.on("/refuse", refuse)
    engine.apply(
        definition(
            """
            name: secret
            version: 1
            steps:
              echo: {{kind: http, url: "'{base}/echo'", auth: {{secret: scoring-key}}, next: refuse}}
              refuse: {{kind: http, url: "'{base}/refuse'", auth: {{secret: scoring-key, scheme: header, header: X-Api-Key}}}}
            """,
            base=api.base,
        )
    )

    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        run = run_to_end(engine, "secret")

    assert api.hits("/echo")[0].headers["authorization"] == f"Bearer {SECRET}"
    assert api.hits("/refuse")[0].headers["x-api-key"] == SECRET
    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert "HTTP 401" in run.error["message"]
    assert "key [redacted] is revoked" in run.error["message"]
    echoed = step_event(engine, run, "step_completed", "echo").output["body"]
    assert echoed["you_sent"]["authorization"] == "Bearer [redacted]"
    recorded = everything_recorded(engine, run)
    assert SECRET not in recorded
    assert SECRET not in json.dumps(logs, default=str)
    assert SECRET not in caplog.text
    assert engine.definition("secret", 1).source.count("scoring-key") == 2  # the name, never the value


def test_basic_auth_sends_user_and_password_from_the_secret(engine: Engine, api: ApiServer) -> None:
    engine.store.run(
        lambda tx: tx.put_secret("default", "basic", engine.secrets.box.seal("svc:pa55word"), None, engine.now(), "t")
    )
    api.on("/basic", lambda r, n: json_reply(200, {}))
    engine.apply(
        definition(
            """
            name: basic
            version: 1
            steps:
              call: {{kind: http, url: "'{base}/basic'", auth: {{secret: basic, scheme: basic}}}}
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "basic")

    assert run.status == RunStatus.COMPLETED
    assert api.hits("/basic")[0].headers["authorization"] == "Basic c3ZjOnBhNTV3b3Jk"
    assert "pa55word" not in everything_recorded(engine, run)


def test_a_missing_secret_fails_the_step_without_calling(engine: Engine, api: ApiServer) -> None:
    engine.apply(
        definition(
            """
            name: nosecret
            version: 1
            steps:
              call: {{kind: http, url: "'{base}/x'", auth: {{secret: absent}}}}
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "nosecret")

    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert run.error["message"] == "auth: no secret 'absent' in tenant 'default'"
    assert api.received == []


def test_a_response_over_the_cap_is_truncated_and_flagged(engine: Engine, api: ApiServer) -> None:
    big_json = json.dumps({"items": ["x" * 100] * 5000}).encode()  # about 500 KB
    api.on("/big", lambda r, n: (200, {"Content-Type": "application/json"}, big_json))
    api.on("/small", lambda r, n: (200, {"Content-Type": "text/plain; charset=utf-8"}, ("é" * 600 + "end").encode()))
    engine.apply(
        definition(
            """
            name: big
            version: 1
            steps:
              default_cap: {{kind: http, url: "'{base}/big'", next: own_cap}}
              own_cap: {{kind: http, url: "'{base}/small'", max_response_bytes: 1000}}
            """,
            base=api.base,
        )
    )

    run = run_to_end(engine, "big")

    assert run.status == RunStatus.COMPLETED
    default_cap = step_event(engine, run, "step_completed", "default_cap").output
    assert default_cap["truncated"] is True
    assert isinstance(default_cap["body"], str)  # cut JSON is kept as text, not parsed
    assert len(default_cap["body"].encode()) == 256 * 1024
    own_cap = step_event(engine, run, "step_completed", "own_cap").output
    assert own_cap["truncated"] is True
    assert own_cap["body"] == "é" * 500


def test_a_call_that_outlasts_the_step_timeout_fails_quickly(engine: Engine, api: ApiServer) -> None:
    def slow(r: Received, n: int) -> Reply:
        api.release.wait(10)
        return json_reply(200, {})

    api.on("/slow", slow)
    engine.apply(
        definition(
            """
            name: slow
            version: 1
            steps:
              call: {{kind: http, url: "'{base}/slow'", timeout: 1s, retry: {{attempts: 1}}}}
            """,
            base=api.base,
        )
    )

    started = time.monotonic()
    run = run_to_end(engine, "slow")
    took = time.monotonic() - started

    assert run.status == RunStatus.FAILED
    assert took < 5
    assert run.error is not None
    assert run.error["retryable"] is True
    assert "no complete response within" in run.error["message"] or "ran past its timeout" in run.error["message"]


def test_redirects_are_followed_and_the_credential_does_not_cross_origins(engine: Engine, api: ApiServer) -> None:
    other = ApiServer()  # another origin: same address, another port
    try:
        engine.store.run(
            lambda tx: tx.put_secret("default", "k", engine.secrets.box.seal(SECRET), None, engine.now(), "t")
        )
        other.on("/landing", lambda r, n: json_reply(200, {"landed": True}))
        api.on("/moved", lambda r, n: (302, {"Location": "/v2/here?sig=abc"}, b""))
        api.on("/v2/here", lambda r, n: (307, {"Location": f"{other.base}/landing"}, b""))
        engine.apply(
            definition(
                """
                name: moved
                version: 1
                steps:
                  call: {{kind: http, method: PUT, url: "'{base}/moved'", body: "{{'a': 1}}", auth: {{secret: k}}}}
                """,
                base=api.base,
            )
        )

        run = run_to_end(engine, "moved")

        assert run.status == RunStatus.COMPLETED, run.error
        first, second = api.received
        assert first.headers["authorization"] == second.headers["authorization"] == f"Bearer {SECRET}"
        assert second.query == {"sig": ["abc"]}
        (landed,) = other.received
        assert "authorization" not in landed.headers
        assert (landed.method, landed.body) == ("PUT", b'{"a":1}')  # 307 keeps method and body
        assert landed.headers["idempotency-key"] == first.headers["idempotency-key"]
        output = step_event(engine, run, "step_completed", "call").output
        assert output["url"] == f"{other.base}/landing"
        assert output["body"] == {"landed": True}
    finally:
        other.close()


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://localhost:{counter}/", "localhost is a loopback name"),
        ("http://[::1]:{counter}/", "::1 is a loopback address"),
        ("http://2130706433:{counter}/", "is not a standard IPv4 address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_a_redirect_to_a_refused_destination_fails_the_run_without_connecting(
    engine: Engine, api: ApiServer, target: str, why: str
) -> None:
    counter = ConnectionCounter()
    try:
        api.on("/go", lambda r, n: (302, {"Location": target.format(counter=counter.port)}, b""))
        engine.apply(
            definition(
                """
                name: go
                version: 1
                steps:
                  call: {{kind: http, url: "'{base}/go'", retry: {{attempts: 3}}}}
                """,
                base=api.base,
            )
        )

        run = run_to_end(engine, "go")

        assert run.status == RunStatus.FAILED
        assert run.error is not None
        assert run.error["type"] == "officeflow.security.ssrf.DestinationRefused"
        assert why in run.error["message"]
        assert run.error["message"].startswith("refused: ")
        assert len(api.hits("/go")) == 1  # refused, not retried
        assert counter.accepted == 0
    finally:
        counter.close()


def test_a_refused_url_fails_before_the_secret_is_read_or_a_connection_made(engine: Engine) -> None:
    counter = ConnectionCounter()
    try:
        engine.apply(
            definition(
                """
                name: inward
                version: 1
                steps:
                  call: {{kind: http, url: "'http://localhost:{port}/admin'", auth: {{secret: not-there}}}}
                """,
                port=counter.port,
            )
        )

        run = run_to_end(engine, "inward")

        assert run.status == RunStatus.FAILED
        assert run.error is not None
        assert run.error["message"] == (
            "refused: localhost is a loopback name; add it to OFFICEFLOW_HTTP_ALLOW to allow it"
        )
        assert counter.accepted == 0
    finally:
        counter.close()


def test_definition_mistakes_are_reported_at_load_time() -> None:
    """Field checks always run; the kind's check() runs in a strict load (an engine with --app)."""
    registry = Registry()
    with pytest.raises(DefinitionInvalid) as caught:
        load_definition(
            textwrap.dedent(
                """
                name: wrong
                version: 1
                steps:
                  a: {kind: http, method: FETCH, url: "'https://x.example/'", next: b}
                  b: {kind: http, url: "https://x.example/", next: c}
                  c: {kind: http, url: "'https://x.example/'", auth: {scheme: header}, next: d}
                  d: {kind: http, url: "'https://x.example/'", auth: {secret: k, scheme: header}, next: e}
                  e: {kind: http, url: "'https://x.example/'", headers: {Host: "'evil'", "Bad Name": "'x'"}, next: f}
                  f: {kind: http, url: "'https://x.example/'", input: {a: 1}, next: g}
                  g: {kind: http, url: "'https://x/' + steps.nope.output", auth: {secret: k}, headers: {authorization: "'x'"}, next: h}
                  h: {kind: http, url: "'ftp://x.example/'", expect: [99], max_response_bytes: 0}
                """
            ),
            registry,
            strict=True,
        )
    problems = {(p.pointer, p.message) for p in caught.value.problems}
    messages = "\n".join(str(p) for p in caught.value.problems)
    assert ("/steps/a/method", "'FETCH' is not allowed") in problems
    assert "/steps/b/url: step 'b': bad CEL" in messages
    assert "a fixed URL is CEL text: quote it, url: \"'https://x.example/'\"" in messages
    assert ("/steps/c/auth", "missing required field 'secret'") in problems
    assert (
        "/steps/d/auth",
        "auth scheme 'header' needs the header that carries the secret (header: X-Api-Key)",
    ) in problems
    assert ("/steps/e/headers/Host", "header 'Host' is set by the transport, not by the step") in problems
    assert ("/steps/e/headers/Bad Name", "'Bad Name' is not a valid header name") in problems
    assert ("/steps/f", "an http step takes no 'input': its request is url, headers, query and body") in problems
    assert "reads steps.nope, which is not a step of this workflow" in messages
    assert (
        "/steps/g/headers/authorization",
        "header 'Authorization' is set by auth; the definition may not set it too",
    ) in problems
    assert ("/steps/h/expect/0", "Input should be greater than or equal to 100") in problems
    assert ("/steps/h/max_response_bytes", "Input should be greater than or equal to 1") in problems

    with pytest.raises(DefinitionInvalid, match="scheme 'ftp' cannot be called"):
        load_definition("name: ftp\nversion: 1\nsteps:\n  a: {kind: http, url: \"'ftp://x.example/'\"}\n", registry)

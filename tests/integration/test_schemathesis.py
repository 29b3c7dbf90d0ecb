"""Schemathesis against the served OpenAPI document, as ``st run --checks all`` does it: every
operation, every check (server errors, status codes, content types, response schemas and
headers, schema-violating data refused, schema-valid data accepted, required headers, methods
the document does not list answered 405 with the right ``Allow``, use after free, resources
that must exist once created), and the stateful phase that follows the document's links
(create a run, then read, signal, cancel it; create a key, then change and revoke it...).
As an admin, so that requests get past the guards; both backends.

The document cannot say everything the server checks: a workflow's own input schema, whether a
definition is a valid workflow, cron syntax, a cursor the API did not hand out, business rules
of the directory. ``BEYOND_THE_DOCUMENT`` lists, for each operation, the refusals (problem type
and field) a schema-valid request may get for such reasons; any other refusal of valid data
fails the test, as does any other failure.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from officeflow import Office, SystemClock
from officeflow.api.gate import IDEMPOTENCY_KEY
from officeflow.api.openapi_doc import LINKS
from tests.conftest import BACKENDS

from .conftest import HELLO, Api, make_api

MAX_EXAMPLES = 5
STATEFUL_EXAMPLES = 20
STATEFUL_STEPS = 6
# Each phase runs on at least one backend, the stateful one on both (the file stays near two
# minutes): the coverage phase checks the document against the API layer, which is the same on
# both; fuzzing stores what it makes up, where PostgreSQL is the stricter.
PHASES = {"sqlite": ("coverage", "stateful"), "postgres": ("fuzzing", "stateful")}
ALL_PHASES = ("coverage", "fuzzing", "stateful")
BASE = "https://officeflow.dev/problems/"

# operation -> refusals of schema-valid data for reasons the document cannot state: (problem
# type, the field it names or None for any)
BEYOND_THE_DOCUMENT: dict[str, set[tuple[str, str | None]]] = {
    "POST /v1/definitions": {("invalid-definition", None)},  # a valid workflow: steps, graph, CEL
    "POST /v1/decision-tables": {("invalid-decision-model", None)},  # a valid DMN or YAML decision model
    "POST /v1/decision-tables/{name}/evaluate": {("invalid-decision-request", None)},  # a decision it has
    "POST /v1/runs": {("invalid-input", None)},  # the workflow's own input schema
    "POST /v1/events/{ref}": {("invalid-event", None)},  # the event type's own schema
    "POST /v1/event-types": {("validation", "/schema")},  # a valid JSON Schema
    "PUT /v1/triggers/{name}": {  # CEL expressions
        ("validation", "/filter"),
        ("validation", "/input"),
        ("validation", "/idempotency_key"),
    },
    "POST /v1/schedules": {("validation", "/cron"), ("validation", "/timezone")},  # cron and zone names
    "POST /v1/files": {("attachment-refused", None)},  # content sniffing, empty files, active PDFs
    "GET /v1/runs": {("bad-cursor", "/cursor")},  # a cursor the API handed out
    "GET /v1/tasks": {("bad-cursor", "/cursor")},
    "GET /v1/documents/vendors": {("bad-cursor", "/cursor")},
    "POST /v1/directory/absences": {("validation", "/substitute"), ("validation", "/ends_at")},
    "PUT /v1/directory/people/{username}": {("validation", "/manager")},  # not their own manager
    "POST /v1/users": {("weak-password", "/password")},  # the password policy
    # a model file must load (ONNX, skops with its trusted types), a remote model's host be reachable
    "POST /v1/models/{name}/versions": {("validation", None)},
    "POST /v1/models/{name}/versions/{version}/predict": {("validation", None)},  # the model's input schema
    "POST /v1/models/{name}/promote": {("validation", "/share")},  # only a canary takes a share
}


@dataclass(frozen=True)
class Failed:
    check: str
    operation: str
    request: str
    response: str
    message: str

    def __str__(self) -> str:
        return f"{self.check} on {self.operation}: {self.message}\n  {self.request}\n  -> {self.response}"


def problem_type(body: bytes) -> tuple[str, list[str | None]]:
    """A problem document's type (without the base) and the pointers of its errors."""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", []
    slug = str(problem.get("type", "")).removeprefix(BASE)
    return slug, [e.get("pointer") for e in problem.get("errors", [])] or [None]


def reused_key(status: int, body: bytes) -> bool:
    """Schemathesis sends one Idempotency-Key value with different requests; by design the second
    is refused (422 idempotency-key-reused: see tests/integration/test_idempotency.py)."""
    return status == 422 and problem_type(body)[0] == "idempotency-key-reused"


def beyond_the_document(operation: str, status: int, body: bytes) -> bool:
    """Whether a refusal of schema-valid data is one the document cannot foresee (see above)."""
    if status not in (400, 422):
        return False
    slug, pointers = problem_type(body)
    if slug == "bad-request" and b"exceeds 64-bit range" in body:
        return True  # JSON integers beyond 64 bits cannot be stored (free JSON: inputs, payloads, schemas)
    allowed = BEYOND_THE_DOCUMENT.get(operation, set())
    return all((slug, p) in allowed or (slug, None) in allowed for p in pointers)


@pytest.fixture
def served(make_office: Any) -> Iterator[Api]:
    office: Office = make_office(clock=SystemClock())
    office.engine.apply(HELLO)
    api = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    office.events.register_type("default", "ping", {"type": "object"}, actor="system")
    with api.client:
        yield api


@dataclass
class Outcome:
    failures: list[Failed]
    phases: dict[str, float]
    """seconds from the start at the end of each phase"""
    cases: int
    linked: dict[tuple[str, str], int]
    """(source operation, linked operation) -> linked requests answered 2xx in the stateful phase"""


def run_schemathesis(api: Api, phases: tuple[str, ...]) -> Outcome:
    """``st run --checks all`` against the application (in process) with ``phases``."""
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {api.keys['admin']}"},
            "workers": 1,
            "seed": 20261204,
            "continue-on-failure": True,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "checks": {"enabled": True},
            # known names, drawn half of the time, so that runs start and events find their type
            "dictionaries": {"workflows": {"values": ["hello"]}, "event_types": {"values": ["ping"]}},
            "parameters": {
                "body.workflow": {"dictionary": "workflows", "probability": 0.5},
                "body.event_type": {"dictionary": "event_types", "probability": 0.5},
            },
            "phases": {
                **{name: {"enabled": name in phases} for name in ALL_PHASES},
                "stateful": {
                    "enabled": "stateful" in phases,
                    "max-steps": STATEFUL_STEPS,
                    "inference": {"algorithms": []},  # the document's links only
                    "generation": {"max-examples": STATEFUL_EXAMPLES},
                },
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app, config=config)

    @schema.hook
    def map_headers(context: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
        """A well-formed Idempotency-Key is made unique: the same key for another request is a
        422 by design (tests/integration/test_idempotency.py), malformed ones stay to be refused."""
        if headers and isinstance(headers.get("Idempotency-Key"), str):
            import re

            if re.fullmatch(IDEMPOTENCY_KEY, headers["Idempotency-Key"]):
                headers["Idempotency-Key"] = uuid.uuid4().hex
        return headers

    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        if "positive_data_acceptance" in type(failure).checks:
            label = f"{case.method.upper()} {case.operation.path}"
            return not (
                reused_key(response.status_code, response.content)
                or beyond_the_document(label, response.status_code, response.content)
            )
        return True

    outcome = Outcome([], {}, 0, {})
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
            outcome.phases[event.phase.name.value] = round(time.monotonic() - started, 1)
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            outcome.cases += len(recorder.cases)
            for case_id, node in recorder.cases.items():
                parent = recorder.find_parent(case_id=case_id)
                answer = recorder.find_response(case_id=case_id)
                if parent is not None and answer is not None and answer.status_code < 300:
                    pair = (parent.operation.label, node.value.operation.label)
                    if pair[0] != pair[1]:
                        outcome.linked[pair] = outcome.linked.get(pair, 0) + 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status.name != "FAILURE" or check.failure_info is None:
                        continue
                    case = recorder.cases[case_id].value
                    interaction = recorder.interactions.get(case_id)
                    request = response = ""
                    if interaction is not None:
                        body = (interaction.request.body or b"")[:300]
                        request = f"{interaction.request.method} {interaction.request.uri[:200]} {body!r}"
                        if interaction.response is not None:
                            response = f"{interaction.response.status_code} {interaction.response.content[:300]!r}"
                    message = str(check.failure_info.failure).strip().splitlines()[0]
                    outcome.failures.append(Failed(check.name, case.operation.label, request, response, message))
        elif isinstance(event, events.NonFatalError):
            outcome.failures.append(Failed("error", event.label, "", "", str(event.info)[:500]))
        elif isinstance(event, events.FatalError):  # the engine's own failure: it has no label nor info
            outcome.failures.append(Failed("error", "", "", "", str(event.exception)[:500]))
    return outcome


def test_every_check_and_the_stateful_phase_pass(served: Api, backend: str) -> None:
    phases = PHASES[backend] if set(PHASES) <= set(BACKENDS) else ALL_PHASES
    outcome = run_schemathesis(served, phases)
    print(f"schemathesis on {backend}: {outcome.cases} cases; seconds at the end of each phase: {outcome.phases}")
    print(f"linked requests answered 2xx: {outcome.linked}")
    unique = {(f.check, f.operation, f.message): f for f in outcome.failures}
    assert not unique, f"{len(unique)} failure(s) in {outcome.phases}:\n\n" + "\n\n".join(map(str, unique.values()))
    assert set(outcome.phases) >= set(phases), outcome.phases
    assert outcome.cases > 300, outcome.cases
    if "stateful" in phases:
        assert len(outcome.linked) >= 3, f"the stateful phase followed few links: {outcome.linked}"


def test_every_link_names_a_field_the_answer_has(served: Api) -> None:
    """The links the stateful phase follows point at fields the source's answer declares."""
    document = served.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for (method, path), status, links in LINKS:
        response = document["paths"][path][method]["responses"][status]
        ref = response["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        for name, _, parameters in links:
            assert response["links"][name]["parameters"] == parameters
            for expression in parameters.values():
                if not expression.startswith("$response.body#/"):
                    continue
                fields = expression.removeprefix("$response.body#/").split("/")
                schema = schemas[ref]
                for field in fields:
                    schema = schema["properties"][field]
                    if "$ref" in schema:
                        schema = schemas[schema["$ref"].split("/")[-1]]
                    elif "anyOf" in schema:
                        schema = next(schemas[s["$ref"].split("/")[-1]] if "$ref" in s else s for s in schema["anyOf"])


def test_a_method_the_document_does_not_list_is_405_with_every_method_of_the_url(served: Api) -> None:
    for path, allowed in (
        ("/v1/runs", "GET, POST"),
        ("/v1/users/x", "GET, PATCH, DELETE"),
        ("/v1/events/orders/2026/17", "GET"),
        ("/v1/events/ping", "GET, POST"),
    ):
        answer = served.client.request("OPTIONS", path, headers=served.headers())
        assert answer.status_code == 405, path
        assert answer.headers["allow"] == allowed, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_lax_values_the_document_forbids_are_refused(served: Api) -> None:
    """``"expires_at": false`` made a key that had expired in 1970 (pydantic's lax mode)."""
    refused = served.post("/v1/api-keys", json={"name": "k", "grants": ["auditor"], "expires_at": False})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/expires_at"
    assert served.post("/v1/event-replays", json={"type": "ping", "until": False}).status_code == 422
    assert served.post("/v1/audit/verify", json={"seq": False, "hash": "x"}).status_code == 422
    assert served.post("/v1/runs", json={"workflow": "hello", "version": "1"}).status_code == 422
    made = served.post("/v1/api-keys", json={"name": "k", "grants": ["auditor"], "expires_at": 4102444800})
    assert made.status_code == 201
    assert made.json()["expires_at"] == "2100-01-01T00:00:00.000Z"
    whole = served.post("/v1/runs", json={"workflow": "hello", "version": 1.0})
    assert whole.status_code == 201  # 1.0 is an integer, as in JSON Schema

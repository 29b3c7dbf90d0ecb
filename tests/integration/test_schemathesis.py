"""Schemathesis against the served OpenAPI document: every operation, positive and negative data,
as an admin (so that requests get past the guards); no answer may be a server error, and every
answer must match the document. Runs on both backends."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from officeflow import Engine, SystemClock

from .conftest import HELLO, make_api

EXAMPLES = 20


def test_every_operation_with_generated_data(make_engine: Any) -> None:
    engine: Engine = make_engine(clock=SystemClock())
    engine.apply(HELLO)
    api = make_api(engine, rate_limit_key="off", rate_limit_tenant="off")
    engine.events.register_type("default", "ping", {"type": "object"}, actor="system")
    headers = {"Authorization": f"Bearer {api.keys['admin']}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    # Content is also checked against schemas the document cannot express (a workflow's input
    # schema, a definition's validity, an event type's schema): those answers are 422 (or 400 for
    # a body that is not JSON), and they are right, so schema-valid requests may get them.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "400", "422"]
    tested, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
        tested += 1
    assert tested >= 50
    assert failures == [], "\n\n".join(failures)

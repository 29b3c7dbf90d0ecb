"""Retries, timeouts, dead letters and the errors that must not be retried, on both backends."""

from __future__ import annotations

import sys
import textwrap
import time
from typing import Any

import pytest

from officeflow import Engine, NonRetryableError, RunStatus, handler
from officeflow.retry import RetryPolicy
from officeflow.steps.base import StepContext

attempts: dict[str, int] = {}


class LedgerDown(Exception):
    pass


class InvalidAccount(Exception):
    pass


@handler("flaky")
def flaky(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    attempts[ctx.idempotency_key] = attempts.get(ctx.idempotency_key, 0) + 1
    if attempts[ctx.idempotency_key] <= input.get("fail_times", 0):
        raise LedgerDown(f"ledger unavailable (attempt {ctx.attempt})")
    return {"posted": True, "attempt": ctx.attempt}


@handler("invalid")
def invalid(input: Any, ctx: StepContext) -> None:
    raise InvalidAccount("account 123 is closed")


@handler("permanent")
def permanent(input: Any, ctx: StepContext) -> None:
    raise NonRetryableError("the invoice is a duplicate")


@handler("slow")
def slow(input: Any, ctx: StepContext) -> dict[str, Any]:
    if ctx.attempt == 1:
        time.sleep(1.5)
    return {"attempt": ctx.attempt}


@handler("not_json")
def not_json(input: Any, ctx: StepContext) -> object:
    return object()


HERE = sys.modules[__name__]


def yaml(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    attempts.clear()
    e: Engine = make_engine(handlers=[HERE])
    e.apply(
        yaml("""
        name: post
        version: 1
        defaults: {retry: {attempts: 3, initial: 10s, jitter: 0}}
        steps:
          post: {kind: task, handler: flaky, next: done}
          done: {kind: end, output: steps.post.output}
    """)
    )
    return e


def test_a_failing_step_is_retried_with_backoff_until_it_succeeds(engine: Engine) -> None:
    run = engine.start("post", {"fail_times": 2})
    engine.run_until_idle()
    (job,) = engine.positions(run.id).jobs
    assert job.status == "queued"
    assert job.available_at == pytest.approx(engine.now() + 10)
    engine.run_until_idle(advance_clock=True)
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output == {"posted": True, "attempt": 3}
    retrying = [h for h in engine.history(run.id) if h.type == "step_retrying"]
    assert [h.attempt for h in retrying] == [1, 2]
    assert [(h.data or {}).get("retry_in") for h in retrying] == [10.0, 20.0]
    assert retrying[0].data is not None
    assert "LedgerDown" in retrying[0].data["error"]["type"]


def test_exhausted_retries_fail_the_run_into_the_dead_letter_list_with_the_traceback(engine: Engine) -> None:
    run = engine.start("post", {"fail_times": 99})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert failed.error["step_id"] == "post"
    assert failed.error["reason"] == "attempts exhausted (3 of 3)"
    (letter,) = engine.dead_letters()
    assert letter.job.run_id == run.id
    assert letter.job.attempt == 3
    assert letter.job.error is not None
    assert "Traceback" in letter.job.error["traceback"]
    assert "LedgerDown" in letter.job.error["traceback"]


def test_operator_retry_gives_the_failed_step_a_fresh_attempt_budget(engine: Engine) -> None:
    run = engine.start("post", {"fail_times": 4})
    engine.run_until_idle(advance_clock=True)
    assert engine.get_run(run.id).status == RunStatus.FAILED
    assert engine.retry(run.id, actor="ops") == 1
    assert engine.get_run(run.id).status == RunStatus.RUNNING
    engine.run_until_idle(advance_clock=True)
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output["attempt"] == 5
    assert not engine.dead_letters()
    retried = [h for h in engine.history(run.id) if h.type == "run_retried"]
    assert retried[0].actor == "ops"


def test_non_retryable_errors_fail_at_once(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(
        yaml("""
        name: strict
        version: 1
        steps:
          a: {kind: task, handler: permanent, retry: {attempts: 5}}
    """)
    )
    run = engine.start("strict", {})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert failed.error["reason"] == "officeflow.errors.NonRetryableError is not retryable"
    assert [h.type for h in engine.history(run.id)].count("step_retrying") == 0


def test_error_types_listed_as_non_retryable_are_not_retried(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(
        yaml("""
        name: listed
        version: 1
        steps:
          a: {kind: task, handler: invalid, retry: {attempts: 5, non_retryable: [InvalidAccount]}}
    """)
    )
    run = engine.start("listed", {})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "InvalidAccount is listed as non-retryable" in failed.error["reason"]


def test_a_step_past_its_timeout_is_failed_and_retried(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(
        yaml("""
        name: timed
        version: 1
        steps:
          a: {kind: task, handler: slow, timeout: 200ms, retry: {attempts: 2, initial: 1s, jitter: 0}}
    """)
    )
    run = engine.start("timed", {})
    engine.run_until_idle(advance_clock=True)
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output == {"attempt": 2}
    (retry,) = [h for h in engine.history(run.id) if h.type == "step_retrying"]
    assert retry.data is not None
    assert retry.data["error"]["type"] == "officeflow.engine.worker.StepTimeout"


def test_a_step_returning_something_that_is_not_json_fails_with_a_clear_message(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(
        yaml("""
        name: bad
        version: 1
        steps:
          a: {kind: task, handler: not_json}
    """)
    )
    run = engine.start("bad", {})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "returned object, which is not JSON" in failed.error["message"]


def test_an_input_expression_that_fails_at_run_time_fails_the_step_without_retries(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(
        yaml("""
        name: expr
        version: 1
        steps:
          a: {kind: task, handler: flaky, input: "{'x': input.missing.deeper}", retry: {attempts: 5}}
    """)
    )
    run = engine.start("expr", {})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "no key 'missing'" in failed.error["message"]


def test_a_handler_missing_in_the_worker_is_a_dead_letter_not_a_crash(make_engine: Any) -> None:
    producer: Engine = make_engine(handlers=[HERE])
    producer.apply(
        yaml("""
        name: needs
        version: 1
        steps:
          a: {kind: task, handler: flaky}
    """)
    )
    run = producer.start("needs", {})
    bare: Engine = make_engine(handlers=[])
    bare.run_until_idle(advance_clock=True)
    failed = bare.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "handler 'flaky' is not registered in this worker" in failed.error["message"]


@pytest.mark.parametrize(
    ("attempt", "error", "expected"),
    [
        (1, "LedgerDown", ("retry", 10.0)),
        (2, "LedgerDown", ("retry", 20.0)),
        (3, "LedgerDown", ("give up", "attempts exhausted (3 of 3)")),
        (1, "InvalidAccount", ("give up", "InvalidAccount is listed as non-retryable")),
        (1, "acme.errors.InvalidAccount", ("give up", "acme.errors.InvalidAccount is listed as non-retryable")),
    ],
)
def test_policy_used_by_the_engine_matches_bare_and_qualified_names(attempt: int, error: str, expected: Any) -> None:
    policy = RetryPolicy(max_attempts=3, initial_delay=10, jitter=0, non_retryable=("InvalidAccount",))
    decision = policy.decide(attempt=attempt, error_types=[error])
    if expected[0] == "retry":
        assert decision.delay == expected[1]  # type: ignore[union-attr]
    else:
        assert decision.reason == expected[1]  # type: ignore[union-attr]

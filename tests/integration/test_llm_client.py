"""The chat client against a scripted OpenAI-compatible server on localhost: retries, timeouts,
refusals, token budget, metrics, credentials and the structured-output dialects."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from officeflow.clock import FakeClock
from officeflow.llm import ChatClient, InMemoryTokenBudget, LlmRejected, LlmUnavailable, TokenBudgetExceeded
from officeflow.llm.scripted import Reply, ScriptedModel, answer, failure
from officeflow.retry import RetryPolicy

HELLO = [{"role": "user", "content": "hello"}]
NO_JITTER = RetryPolicy(max_attempts=3, initial_delay=0.5, multiplier=2.0, max_delay=5.0, jitter=0.0)


class Sleeps:
    """Records the waits between retries instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run_with(model: ScriptedModel, call: Any, **client_kw: Any) -> Any:
    async def go() -> Any:
        async with ChatClient(model.endpoint(**client_kw.pop("endpoint", {})), **client_kw) as client:
            return await call(client)

    return asyncio.run(go())


def hello(**kw: Any) -> Any:
    return lambda client: client.complete(
        tenant=kw.pop("tenant", "acme"), messages=HELLO, max_tokens=kw.pop("max_tokens", 50), **kw
    )


def test_retries_5xx_and_429_with_backoff_then_answers() -> None:
    """A 503 then a 429 (Retry-After: 2) are retried after 0.5 s and max(1.0, 2) s; the third attempt answers."""
    sleeps = Sleeps()
    with ScriptedModel(
        [failure(503), failure(429, retry_after="2"), answer("hi", prompt_tokens=7, completion_tokens=3)]
    ) as model:
        completion = run_with(model, hello(), sleep=sleeps, endpoint={"retry": NO_JITTER})
    assert completion.content == "hi"
    assert completion.metrics.attempts == 3
    assert sleeps.waits == [0.5, 2.0]
    assert completion.metrics.usage.total_tokens == 10
    assert len(model.requests) == 3


def test_gives_up_after_max_attempts_with_a_retryable_error() -> None:
    """Three 502s: LlmUnavailable (a StepError, retryable by the step's policy) carrying the status."""
    with ScriptedModel([failure(502)] * 3) as model, pytest.raises(LlmUnavailable) as caught:
        run_with(model, hello(), sleep=Sleeps(), endpoint={"retry": NO_JITTER})
    assert caught.value.status == 502
    assert caught.value.attempts == 3
    assert caught.value.retryable
    assert len(model.requests) == 3


def test_a_4xx_is_refused_without_retry() -> None:
    """A 400 is not retried: LlmRejected, not retryable, quoting the server's message."""
    with (
        ScriptedModel([failure(400, message="model does not exist")]) as model,
        pytest.raises(LlmRejected, match="model does not exist") as caught,
    ):
        run_with(model, hello(), sleep=Sleeps())
    assert caught.value.status == 400
    assert not caught.value.retryable
    assert len(model.requests) == 1


def test_a_slow_server_trips_the_timeout_and_is_retried() -> None:
    """An answer slower than the attempt's timeout counts as a failed attempt; the retry answers."""
    with ScriptedModel([Reply(delay=1.5, body=answer("late").body), answer("on time")]) as model:
        completion = run_with(model, hello(), sleep=Sleeps(), endpoint={"timeout": 0.3, "retry": NO_JITTER})
    assert completion.content == "on time"
    assert completion.metrics.attempts == 2


def test_an_unreachable_endpoint_is_unavailable() -> None:
    """Connection refused on every attempt: LlmUnavailable naming the transport error."""
    with ScriptedModel([]) as model:
        endpoint = model.endpoint(retry=NO_JITTER)
    # the server is closed now: nothing listens on its port
    sleeps = Sleeps()

    async def go() -> None:
        async with ChatClient(endpoint, sleep=sleeps) as client:
            await client.complete(tenant="acme", messages=HELLO, max_tokens=5)

    with pytest.raises(LlmUnavailable, match="unreachable: ConnectError"):
        asyncio.run(go())
    assert sleeps.waits == [0.5, 1.0]


def test_the_tenant_budget_refuses_a_call_it_cannot_cover_and_counts_reported_usage() -> None:
    """A call reserves max_tokens and settles the reported total; a call beyond the limit is refused unsent."""
    budget = InMemoryTokenBudget(limits={"acme": 100}, clock=FakeClock())
    with ScriptedModel([answer("a", prompt_tokens=40, completion_tokens=20)]) as model:
        run_with(model, hello(max_tokens=50), budget=budget)
        assert budget.used("acme") == 60
        assert budget.remaining("acme") == 40
        with pytest.raises(TokenBudgetExceeded) as caught:
            run_with(model, hello(max_tokens=50), budget=budget)
    assert caught.value.needed == 50
    assert caught.value.remaining == 40
    assert len(model.requests) == 1
    assert budget.remaining("other") is None  # tenants without a limit are unlimited


def test_a_failed_call_releases_its_reservation() -> None:
    """A refused request holds nothing afterwards: the whole budget is available again."""
    budget = InMemoryTokenBudget(limits={"acme": 100}, clock=FakeClock())
    with ScriptedModel([failure(400)]) as model, pytest.raises(LlmRejected):
        run_with(model, hello(max_tokens=80), budget=budget)
    assert budget.remaining("acme") == 100


def test_without_reported_usage_the_call_is_charged_its_max_tokens() -> None:
    """An endpoint that reports no usage is charged the completion limit, and the metrics say so."""
    budget = InMemoryTokenBudget(limits={"acme": 1000}, clock=FakeClock())
    with ScriptedModel([answer("x", usage=False)]) as model:
        completion = run_with(model, hello(max_tokens=64), budget=budget)
    assert not completion.metrics.usage_reported
    assert budget.used("acme") == 64


def test_the_api_key_is_sent_as_bearer_and_never_appears_in_errors() -> None:
    """The key read from configuration goes in the Authorization header; an error message does not quote it."""
    with ScriptedModel([answer("ok"), failure(401, message="bad key")]) as model:
        run_with(model, hello(), endpoint={"api_key": "sk-test-123"})
        with pytest.raises(LlmRejected) as caught:
            run_with(model, hello(), endpoint={"api_key": "sk-test-123"})
    assert model.requests[0]["_authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in str(caught.value)
    assert "sk-test-123" not in repr(model.endpoint(api_key="sk-test-123"))


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "json_schema",
            {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": False}},
        ),
        ("json_object", {"type": "json_object", "schema": {"type": "object"}}),
    ],
)
def test_structured_output_is_requested_in_the_endpoints_dialect(dialect: str, expected: dict[str, Any]) -> None:
    """OpenAI's json_schema form, or llama-cpp-python's json_object with a schema."""
    with ScriptedModel([answer("{}")]) as model:
        run_with(model, hello(output_schema={"type": "object"}), endpoint={"structured_output": dialect})
    assert model.requests[0]["response_format"] == expected


def test_metrics_record_latency_tokens_and_finish_reason() -> None:
    """Each completion carries its latency, token counts and finish reason; the request carries the model and limits."""
    with ScriptedModel([answer("hi", prompt_tokens=12, completion_tokens=4)]) as model:
        completion = run_with(model, hello(max_tokens=33, model="other-model", temperature=0.5))
    metrics = completion.metrics
    assert metrics.latency_s > 0
    assert metrics.elapsed_s >= metrics.latency_s
    assert (metrics.usage.prompt_tokens, metrics.usage.completion_tokens, metrics.finish_reason) == (12, 4, "stop")
    sent = model.requests[0]
    assert (sent["model"], sent["max_tokens"], sent["temperature"]) == ("other-model", 33, 0.5)
    assert "tools" not in sent
    assert "response_format" not in sent


def test_a_body_without_a_choice_is_an_unavailable_answer() -> None:
    """A 200 whose body has no choice is LlmUnavailable (retryable by the step), not a crash."""
    with ScriptedModel([Reply(body={"choices": []})]) as model, pytest.raises(LlmUnavailable, match="without a choice"):
        run_with(model, hello(), sleep=Sleeps())

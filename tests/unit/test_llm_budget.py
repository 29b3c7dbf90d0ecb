"""Token budgets per tenant and the LLM settings: pure, with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from officeflow.clock import FakeClock
from officeflow.llm import InMemoryTokenBudget, LlmSettingsInvalid, TokenBudgetExceeded, load_llm_settings
from officeflow.llm.client import _retry_after


def test_reservations_hold_tokens_until_settled() -> None:
    """A reservation holds its tokens; settling releases them and counts what was used."""
    budget = InMemoryTokenBudget(limits={"acme": 1000}, clock=FakeClock())
    held = asyncio.run(budget.reserve("acme", 600))
    assert budget.remaining("acme") == 400
    with pytest.raises(TokenBudgetExceeded) as caught:
        asyncio.run(budget.reserve("acme", 500))
    assert (caught.value.needed, caught.value.remaining, caught.value.scope) == (500, 400, "tenant 'acme'")
    asyncio.run(budget.settle(held, 250))
    assert budget.used("acme") == 250
    assert budget.remaining("acme") == 750


def test_a_new_period_starts_from_zero() -> None:
    """Usage counts per period (a day by default); the next period has the whole limit again."""
    clock = FakeClock()
    budget = InMemoryTokenBudget(default_limit=100, clock=clock)
    asyncio.run(budget.settle(asyncio.run(budget.reserve("t", 100)), 100))
    assert budget.remaining("t") == 0
    clock.advance(86_400)
    assert budget.remaining("t") == 100
    assert budget.used("t") == 0


def test_a_reservation_from_an_earlier_period_does_not_release_the_new_periods_holds() -> None:
    clock = FakeClock()
    budget = InMemoryTokenBudget(default_limit=100, clock=clock)
    old = asyncio.run(budget.reserve("t", 60))
    clock.advance(86_400)
    asyncio.run(budget.reserve("t", 30))
    asyncio.run(budget.settle(old, 10))
    assert budget.remaining("t") == 60  # 100 - 10 used - 30 still held


def test_tenants_have_their_own_limits() -> None:
    budget = InMemoryTokenBudget(limits={"small": 10}, default_limit=None, clock=FakeClock())
    assert budget.remaining("small") == 10
    assert budget.remaining("big") is None
    asyncio.run(budget.reserve("big", 10**9))


def test_settings_read_the_environment_and_build_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """OFFICEFLOW_LLM_* give the endpoint; the key is read from the secret the settings name."""
    monkeypatch.setenv("OFFICEFLOW_LLM_BASE_URL", "https://llm.example/v1")
    monkeypatch.setenv("OFFICEFLOW_LLM_API_KEY_SECRET", "llm-key")
    monkeypatch.setenv("OFFICEFLOW_LLM_TIMEOUT", "45s")
    monkeypatch.setenv("OFFICEFLOW_LLM_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("OFFICEFLOW_LLM_TENANT_TOKENS", "1000")
    settings = load_llm_settings()
    asked: list[str] = []

    def read_secret(name: str) -> str:
        asked.append(name)
        return " sk-1 "

    endpoint = settings.endpoint(read_secret)
    assert asked == ["llm-key"]
    assert (endpoint.base_url, endpoint.api_key, endpoint.timeout, endpoint.retry.max_attempts) == (
        "https://llm.example/v1",
        "sk-1",
        45.0,
        5,
    )
    assert settings.token_budget(FakeClock()).remaining("any") == 1000


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OFFICEFLOW_LLM_BASE_URL", "ftp://x", "OFFICEFLOW_LLM_BASE_URL='ftp://x'"),
        ("OFFICEFLOW_LLM_STRUCTURED_OUTPUT", "xml", "OFFICEFLOW_LLM_STRUCTURED_OUTPUT='xml'"),
        ("OFFICEFLOW_LLM_TIMEOUT", "soon", "OFFICEFLOW_LLM_TIMEOUT='soon'"),
        ("OFFICEFLOW_LLM_API_KEY_SECRET", "bad name!", "OFFICEFLOW_LLM_API_KEY_SECRET='bad name!'"),
    ],
)
def test_a_bad_setting_fails_loudly_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(LlmSettingsInvalid, match=message.replace("(", r"\(")):
        load_llm_settings()


def test_no_endpoint_or_an_unusable_key_is_a_configuration_error() -> None:
    with pytest.raises(LlmSettingsInvalid, match="set OFFICEFLOW_LLM_BASE_URL"):
        load_llm_settings(base_url=None).endpoint(lambda name: "x")
    settings = load_llm_settings(base_url="http://127.0.0.1:1/v1", api_key_secret="k")
    with pytest.raises(LlmSettingsInvalid, match="secret 'k' cannot be an API key"):
        settings.endpoint(lambda name: "line\nbreak")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-2", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert _retry_after(header) == seconds

"""The pure parts of the llm step: its settings folded into Settings, the budget windows, the step's
configuration mapped onto the library's spec."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from officeflow.errors import ConfigurationError
from officeflow.llm.budget import window_start
from officeflow.llm.settings import LlmSettings
from officeflow.llm.stepconfig import LlmStepConfig
from officeflow.settings import Settings, load_settings


def test_every_llm_setting_is_an_officeflow_setting_with_the_same_default() -> None:
    ours = {name.removeprefix("llm_"): f for name, f in Settings.model_fields.items() if name.startswith("llm_")}
    assert set(ours) == set(LlmSettings.model_fields)
    defaults = load_settings().llm()
    for name, field in LlmSettings.model_fields.items():
        assert getattr(defaults, name) == field.default, name


def test_the_llm_settings_come_from_officeflow_llm_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFICEFLOW_LLM_BASE_URL", "http://127.0.0.1:8090/v1")
    monkeypatch.setenv("OFFICEFLOW_LLM_TENANT_TOKENS", "50000")
    monkeypatch.setenv("OFFICEFLOW_LLM_TOKEN_PERIOD", "month")
    monkeypatch.setenv("OFFICEFLOW_LLM_TIMEOUT", "30s")
    llm = load_settings().llm()
    assert (llm.base_url, llm.tenant_tokens, llm.token_period, llm.timeout) == (
        "http://127.0.0.1:8090/v1",
        50000,
        "month",
        30.0,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OFFICEFLOW_LLM_TOKEN_PERIOD", "fortnightly", "OFFICEFLOW_LLM_TOKEN_PERIOD='fortnightly'"),
        ("OFFICEFLOW_LLM_TENANT_TOKENS", "0", "OFFICEFLOW_LLM_TENANT_TOKENS='0'"),
        ("OFFICEFLOW_LLM_BASE_URL", "api.openai.com", "OFFICEFLOW_LLM_BASE_URL='api.openai.com'"),
    ],
)
def test_a_bad_llm_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as bad:
        load_settings()
    assert message in str(bad.value)


def test_budget_windows_are_utc_days_or_calendar_months() -> None:
    moment = datetime(2026, 12, 4, 17, 30, tzinfo=UTC).timestamp()
    assert window_start(moment, 86_400.0) == datetime(2026, 12, 4, tzinfo=UTC).timestamp()
    assert window_start(moment, "month") == datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    assert (
        window_start(datetime(2027, 1, 1, tzinfo=UTC).timestamp(), "month")
        == datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    )


def test_the_step_becomes_the_librarys_spec() -> None:
    step = LlmStepConfig.model_validate(
        {
            "kind": "llm",
            "prompt": "Sort the ticket.",
            "data": {"ticket": "input.text"},
            "output": {"type": "object", "properties": {"queue": {"type": "string"}, "approve": {"type": "boolean"}}},
            "tools": [{"handler": "tickets.lookup", "description": "Find a ticket"}],
            "decides": True,
            "next": "done",
        }
    )
    spec = step.spec()
    assert spec.system == "Sort the ticket."
    assert spec.may_decide is True
    assert [t.name for t in spec.tools] == ["tickets.lookup"]
    assert step.decision_names == ("approve",)
    assert step.input is step.data  # the worker evaluates data as the step's input
    assert list(step.problems({"tickets.lookup": object()})) == []


def test_each_spec_problem_points_at_the_steps_own_field() -> None:
    step = LlmStepConfig.model_validate(
        {
            "kind": "llm",
            "prompt": "p",
            "output": {"type": "object", "properties": {"total": {"type": "numbr"}}},
            "decision_fields": ["verdict"],
            "tools": [{"handler": "9lives", "description": "d"}],
            "max_tokens": 100,
            "max_total_tokens": 50,
        }
    )
    paths = {path for path, _, _ in step.problems(None)}
    assert paths == {
        ("output", "properties", "total", "type"),
        ("decision_fields", 0),
        ("tools", 0, "handler"),
        ("max_total_tokens",),
        ("review",),
    }

"""The public surface of officeflow.llm: what the `llm` step adapter imports."""

from __future__ import annotations

import officeflow.llm


def test_the_exported_names_are_pinned() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert sorted(officeflow.llm.__all__) == [
        "CallMetrics",
        "ChatClient",
        "Completion",
        "DECISION_WORDS",
        "Endpoint",
        "Finding",
        "FindingKind",
        "InMemoryTokenBudget",
        "LlmFailed",
        "LlmRejected",
        "LlmResult",
        "LlmSettings",
        "LlmSettingsInvalid",
        "LlmSpec",
        "LlmSpecInvalid",
        "LlmUnavailable",
        "OutputInvalid",
        "Reservation",
        "TokenBudget",
        "TokenBudgetExceeded",
        "Tool",
        "ToolCall",
        "ToolCallRecord",
        "ToolRunner",
        "ToolSpec",
        "ToolStatus",
        "TurnLimitReached",
        "Usage",
        "load_llm_settings",
        "parse_spec",
        "run_llm",
    ]
    assert all(hasattr(officeflow.llm, name) for name in officeflow.llm.__all__)


def test_errors_sit_in_officeflows_tree_with_the_right_retry_flag() -> None:
    """Transient endpoint failures are retryable step errors; everything else is not."""
    from officeflow.errors import ConfigurationError, DefinitionInvalid, NonRetryableError, StepError

    assert issubclass(officeflow.llm.LlmUnavailable, StepError)
    assert officeflow.llm.LlmUnavailable.retryable
    for cls in (officeflow.llm.LlmRejected, officeflow.llm.TokenBudgetExceeded, officeflow.llm.OutputInvalid):
        assert issubclass(cls, NonRetryableError)
        assert not cls.retryable
    assert issubclass(officeflow.llm.LlmSpecInvalid, DefinitionInvalid)
    assert issubclass(officeflow.llm.LlmSettingsInvalid, ConfigurationError)

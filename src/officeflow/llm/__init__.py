"""The `llm` library: an OpenAI-compatible chat client with tools, structured output and guardrails.

The ``llm`` step kind is a thin adapter over :func:`run_llm`::

    spec = parse_spec(step_config)                    # LlmSpec: system, output_schema, tools, budgets
    async with ChatClient(settings.endpoint(read_secret), budget=budget) as client:
        result = await run_llm(spec, inputs=untrusted, client=client, tenant=tenant, tool_runner=runner)
    result.output              # validated answer without its decision fields
    result.proposals           # decision fields a person decides (unless may_decide)
    result.pending_tool_calls  # irreversible calls that did not run: a person approves them
    result.as_json()           # everything, transcript included, for the run's history

Guarantees by structure (not by detection): irreversible tools never run inside the loop;
decision fields are proposals unless the definition says ``may_decide: true``; untrusted text
reaches the model only as fenced data in the user and tool messages. See docs/llm.md.
"""

from officeflow.llm.budget import InMemoryTokenBudget, Reservation, TokenBudget
from officeflow.llm.client import CallMetrics, ChatClient, Completion, Endpoint, Usage
from officeflow.llm.detect import Finding, FindingKind
from officeflow.llm.errors import (
    LlmFailed,
    LlmRejected,
    LlmSettingsInvalid,
    LlmSpecInvalid,
    LlmUnavailable,
    OutputInvalid,
    TokenBudgetExceeded,
    TurnLimitReached,
)
from officeflow.llm.output import DECISION_WORDS
from officeflow.llm.result import LlmResult, ToolCallRecord, ToolStatus
from officeflow.llm.session import run_llm
from officeflow.llm.settings import LlmSettings, load_llm_settings
from officeflow.llm.spec import LlmSpec, ToolSpec, parse_spec
from officeflow.llm.tools import Tool, ToolCall, ToolRunner

__all__ = [
    "DECISION_WORDS",
    "CallMetrics",
    "ChatClient",
    "Completion",
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

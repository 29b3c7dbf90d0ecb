"""The client and the loop against the real local server (llama-cpp-python + SmolLM2-135M):
JSON-Schema-constrained output, tool calls, max_tokens honoured, an extraction end to end."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from officeflow.llm import ChatClient, InMemoryTokenBudget, parse_spec, run_llm
from officeflow.llm.localserver import LocalLlmServer, LocalServerFailed

RECEIPT_SCHEMA = {
    "type": "object",
    "properties": {
        "vendor": {"type": "string"},
        "total": {"type": "number"},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
    },
    "required": ["vendor", "total", "currency"],
    "additionalProperties": False,
}
LOOKUP = {
    "type": "function",
    "function": {
        "name": "vendors_lookup",
        "description": "Look up a vendor by name",
        "parameters": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    },
}
RECEIPT = [
    {"role": "system", "content": "Extract the vendor, the total and the currency from the receipt as JSON."},
    {"role": "user", "content": "CAFE LUNA, Berlin. 2 Cappuccino 7.80. Total 11.00 EUR. Thank you!"},
]


def call(server: LocalLlmServer, **kw: Any) -> Any:
    async def go() -> Any:
        async with ChatClient(server.endpoint(), budget=InMemoryTokenBudget(default_limit=100_000)) as client:
            return await client.complete(tenant="acme", **kw)

    return asyncio.run(go())


def test_json_schema_constrained_output_matches_the_schema(llm_server: LocalLlmServer) -> None:
    """response_format json_object + schema is a grammar: the answer parses and has exactly the schema's keys."""
    completion = call(llm_server, messages=RECEIPT, max_tokens=80, output_schema=RECEIPT_SCHEMA)
    answer = json.loads(completion.content)
    assert set(answer) == {"vendor", "total", "currency"}
    assert isinstance(answer["total"], int | float)
    assert answer["currency"] in {"EUR", "USD", "GBP"}
    assert completion.metrics.usage_reported
    assert completion.metrics.usage.completion_tokens > 0


def test_a_forced_tool_call_comes_back_as_tool_calls_with_schema_valid_arguments(llm_server: LocalLlmServer) -> None:
    """tool_choice naming the function: the server answers with tool_calls whose arguments match the parameters."""
    completion = call(
        llm_server,
        messages=RECEIPT,
        max_tokens=40,
        tools=[LOOKUP],
        tool_choice={"type": "function", "function": {"name": "vendors_lookup"}},
    )
    assert [c.name for c in completion.tool_calls] == ["vendors_lookup"]
    assert isinstance(json.loads(completion.tool_calls[0].arguments)["name"], str)
    assert completion.metrics.finish_reason == "tool_calls"


def test_max_tokens_is_honoured_when_the_model_may_choose_a_tool(llm_server: LocalLlmServer) -> None:
    """With tool_choice auto the stock handler ignores max_tokens; scripts/llm_server.py caps every inner
    completion, so a 16-token request cannot run on to the context's end."""
    completion = call(llm_server, messages=RECEIPT, max_tokens=16, tools=[LOOKUP], tool_choice="auto")
    assert completion.metrics.usage.completion_tokens <= 3 * 16


def test_an_extraction_runs_end_to_end_through_the_loop(llm_server: LocalLlmServer) -> None:
    """run_llm with a schema and no tools: a validated output, usage and the transcript, nothing to decide."""
    spec = parse_spec(
        {
            "system": "Extract the vendor, the total and the currency from the receipt.",
            "output_schema": RECEIPT_SCHEMA,
            "max_tokens": 80,
        }
    )

    async def go() -> Any:
        async with ChatClient(llm_server.endpoint()) as client:
            return await run_llm(spec, inputs={"receipt": RECEIPT[1]["content"]}, client=client, tenant="acme")

    result = asyncio.run(go())
    assert set(result.output) == {"vendor", "total", "currency"}
    assert result.proposals == {}
    assert result.usage.total_tokens == sum(c.usage.total_tokens for c in result.calls)
    assert result.transcript[1]["content"].startswith("The data for this task follows.")


def test_without_the_llm_venv_the_server_fails_instead_of_skipping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing .venv-llm is an error that says how to make it."""
    monkeypatch.delenv("OFFICEFLOW_LLM_VENV", raising=False)
    with pytest.raises(LocalServerFailed, match=r"run `scripts/llm_server\.sh setup` first"):
        LocalLlmServer(tmp_path)

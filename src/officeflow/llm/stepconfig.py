"""The ``llm`` step as a definition writes it, checked when the definition loads.

```yaml
read_receipt:
  kind: llm
  prompt: Read the receipt. Propose whether to approve the expense and why.   # the only instructions
  data: {receipt: input.text, employee: input.employee}  # CEL; reaches the model as fenced data only
  output:                                   # JSON Schema of the answer (validated, one repair)
    type: object
    properties:
      total: {type: number}
      approve: {type: boolean}              # a decision field (by name, or listed in decision_fields)
    required: [total, approve]
  decision_fields: [approve]
  decides: false                            # default: the decision fields are proposals for a person
  tools:
    - {handler: vendors.lookup, description: Find a vendor by name, parameters: {type: object, ...}}
    - {handler: payments.transfer, description: Pay, parameters: {...}, irreversible: true}
  model: gpt-4o-mini                        # optional: the endpoint's default model otherwise
  max_tokens: 512                           # per completion
  max_total_tokens: 4000                    # the step's own cap over all its calls
  max_turns: 6
  review: check_receipt                     # the human step that gets proposals and pending calls
  approve: [approve]                        # outcomes of the review that approve (default: approve)
  next: book
```

The endpoint itself (URL, API key, timeouts, the tenants' token budget) is the operator's
(``OFFICEFLOW_LLM_*``), never a definition's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from officeflow.expressions import Expr, Value
from officeflow.llm.errors import LlmSpecInvalid
from officeflow.llm.output import decision_fields
from officeflow.llm.spec import LlmSpec, parse_spec
from officeflow.steps.base import ActivityConfig, Edge, StepId, ValueField

OUTCOME = r"^[a-z][a-z0-9_]{0,49}$"

_SPEC_TO_STEP = {"system": "prompt", "output_schema": "output", "may_decide": "decides"}
"""Fields of :class:`LlmSpec` that the step names differently."""


class ToolUse(BaseModel):
    """A tool the model may propose: an officeflow handler, described for the model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    handler: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=2000)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    irreversible: bool = False
    """Pays, sends, deletes, signs: runs only after a person approves it in the review step."""


class LlmStepConfig(ActivityConfig):
    """An ``llm`` step (see the module docstring)."""

    kind: Literal["llm"]
    prompt: str = Field(min_length=1, max_length=20_000)
    data: ValueField | None = None
    """What the model reads (fenced, as data): a mapping of names to CEL values; default the run's input."""
    output: dict[str, Any] | None = None
    decision_fields: tuple[str, ...] = ()
    decides: bool = False
    tools: tuple[ToolUse, ...] = ()
    model: str | None = Field(None, min_length=1, max_length=200)
    max_tokens: int = Field(512, ge=1, le=32_768)
    max_total_tokens: int | None = Field(None, ge=1)
    max_turns: int = Field(6, ge=1, le=50)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    review: StepId | None = None
    approve: tuple[str, ...] = Field(("approve",), min_length=1)

    @field_validator("data")
    @classmethod
    def _data_is_a_mapping(cls, value: Value | None) -> Value | None:
        if value is not None and not isinstance(value.raw, Mapping):
            raise ValueError("data must be a mapping of names to values (each becomes one fenced block)")
        return value

    @model_validator(mode="after")
    def _data_is_the_input(self) -> LlmStepConfig:
        if self.input is not None and self.data is not None:
            raise ValueError("an llm step takes data (what the model reads), not input")
        if self.data is not None:
            object.__setattr__(self, "input", self.data)  # the worker evaluates it as the step's input
        return self

    def edges(self) -> list[Edge]:
        edges = super().edges()
        if self.review is not None:
            edges.append(Edge(self.review, ("review",)))
        return edges

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.data is not None:
            yield ("data",), self.data

    def spec(self) -> LlmSpec:
        """The library's :class:`LlmSpec` for this step (valid: the definition was checked)."""
        return parse_spec(self.spec_data())

    def spec_data(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "system": self.prompt,
            "output_schema": self.output,
            "decision_fields": list(self.decision_fields),
            "may_decide": self.decides,
            "tools": [
                {
                    "name": t.handler,
                    "description": t.description,
                    "parameters": t.parameters,
                    "irreversible": t.irreversible,
                }
                for t in self.tools
            ],
            "max_tokens": self.max_tokens,
            "max_total_tokens": self.max_total_tokens,
            "max_turns": self.max_turns,
            "temperature": self.temperature,
        }

    def tool(self, name: str) -> ToolUse | None:
        return next((t for t in self.tools if t.handler == name), None)

    @property
    def decision_names(self) -> tuple[str, ...]:
        return decision_fields(self.output, self.decision_fields)

    @property
    def has_irreversible_tools(self) -> bool:
        return any(t.irreversible for t in self.tools)

    def problems(self, handlers: Mapping[str, Any] | None) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        """Every static problem: (path inside the step, message, expected)."""
        try:
            parse_spec(self.spec_data())
        except LlmSpecInvalid as exc:
            for problem in exc.problems:
                yield _step_path(problem.pointer), problem.message, problem.expected
        if handlers:
            known = ", ".join(sorted(handlers)) or "none"
            for index, tool in enumerate(self.tools):
                if tool.handler not in handlers:
                    yield ("tools", index, "handler"), f"handler '{tool.handler}' is not registered", f"one of: {known}"
        if self.review is None:
            if self.has_irreversible_tools:
                yield (
                    ("review",),
                    "the step offers irreversible tools, which run only after a person approves them: "
                    "name the human step that reviews them",
                    "review: <a human step>",
                )
            elif not self.decides and self.decision_names:
                yield (
                    ("review",),
                    f"the output's decision fields ({', '.join(self.decision_names)}) are proposals a person "
                    "decides: name the human step that reviews them, or say decides: true",
                    "review: <a human step>",
                )
        for index, outcome in enumerate(self.approve):
            import re

            if not re.fullmatch(OUTCOME, outcome):
                yield ("approve", index), f"'{outcome}' is not an outcome name", OUTCOME


def _step_path(pointer: str | None) -> tuple[str | int, ...]:
    parts: list[str | int] = [p.replace("~1", "/").replace("~0", "~") for p in (pointer or "").split("/")[1:]]
    if parts and isinstance(parts[0], str):
        parts[0] = _SPEC_TO_STEP.get(parts[0], parts[0])
        if parts[0] == "tools" and len(parts) >= 3 and parts[2] == "name":
            parts[2] = "handler"
    return tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in parts)

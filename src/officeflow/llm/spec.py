"""What an llm step asks of the model: the definition's configuration, validated once.

The step adapter builds an :class:`LlmSpec` from the step's YAML (it may embed the fields in its
own step config); the untrusted inputs (document text, e-mails, tickets) are *not* part of the
spec: they are given to :func:`officeflow.llm.session.run_llm` at run time and only ever reach
the model as fenced data.

::

    model: gpt-4o-mini              # optional: the endpoint's default model otherwise
    system: Read the receipt and propose whether to approve the expense.
    output_schema: {type: object, properties: {...}, required: [...]}
    decision_fields: [approve]      # also found by name: approve, decision, pay, transfer, ...
    may_decide: false               # true lets the output decide without a person
    tools:
      - {name: vendors.lookup, description: ..., parameters: {type: object, ...}}
      - {name: payments.transfer, description: ..., parameters: {...}, irreversible: true}
    max_tokens: 512                 # per completion
    max_total_tokens: 8000          # the step's own budget over all its calls
    max_turns: 6                    # model calls in the tool loop
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jsonschema.validators
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from officeflow.errors import Problem
from officeflow.jsonutil import json_pointer
from officeflow.llm.errors import LlmSpecInvalid
from officeflow.llm.tools import Tool, check_tools, schema_problem

_FIELDS_ONLY = "officeflow.llm.fields_only"


class ToolSpec(BaseModel):
    """One tool as a definition writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    irreversible: bool = False

    def tool(self) -> Tool:
        return Tool(
            name=self.name, description=self.description, parameters=self.parameters, irreversible=self.irreversible
        )


class LlmSpec(BaseModel):
    """An llm step's configuration (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(None, min_length=1, max_length=200)
    system: str = Field(min_length=1, max_length=20_000)
    """The author's instructions: trusted, the only instructions the model gets."""
    output_schema: dict[str, Any] | None = None
    """JSON Schema the final answer must match; without it the answer is free text."""
    decision_fields: tuple[str, ...] = ()
    may_decide: bool = False
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = Field(512, ge=1, le=32_768)
    max_total_tokens: int | None = Field(None, ge=1)
    max_turns: int = Field(6, ge=1, le=50)
    temperature: float = Field(0.0, ge=0.0, le=2.0)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> LlmSpec:
        if info.context and info.context.get(_FIELDS_ONLY):
            return self  # parse_spec reports the static problems one by one
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self

    def problems(self) -> list[Problem]:
        """Every static problem, each with a JSON pointer into the step's configuration."""
        problems = check_tools([t.tool() for t in self.tools])
        schema = self.output_schema
        if schema is not None:
            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except jsonschema.SchemaError as exc:
                problems.append(schema_problem(exc, "/output_schema"))
        properties = _properties(schema)
        for index, name in enumerate(self.decision_fields):
            if name not in properties:
                problems.append(
                    Problem(
                        message=f"decision field {name!r} is not a property of the output schema",
                        pointer=f"/decision_fields/{index}",
                        expected=", ".join(sorted(properties)) or "an output_schema with properties",
                    )
                )
        if self.max_total_tokens is not None and self.max_total_tokens < self.max_tokens:
            problems.append(
                Problem(
                    message=f"max_total_tokens {self.max_total_tokens} cannot cover one completion "
                    f"of max_tokens {self.max_tokens}",
                    pointer="/max_total_tokens",
                    expected=f">= {self.max_tokens}",
                )
            )
        return problems

    def toolset(self) -> tuple[Tool, ...]:
        return tuple(t.tool() for t in self.tools)


def _properties(schema: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = (schema or {}).get("properties")
    return props if isinstance(props, Mapping) else {}


def parse_spec(data: Mapping[str, Any], *, step: str | None = None) -> LlmSpec:
    """An :class:`LlmSpec` from plain data, or :class:`LlmSpecInvalid` naming every problem."""
    try:
        spec = LlmSpec.model_validate(data, context={_FIELDS_ONLY: True})
    except ValidationError as exc:
        problems = [
            Problem(
                message=error["msg"].removeprefix("Value error, "),
                pointer=json_pointer(error["loc"]),
                step=step,
            )
            for error in exc.errors(include_url=False)
        ]
        raise LlmSpecInvalid(problems) from None
    static = spec.problems()
    if static:
        raise LlmSpecInvalid([dataclasses.replace(p, step=step) for p in static])
    return spec

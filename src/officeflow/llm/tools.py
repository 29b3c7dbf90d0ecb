"""Tools an LLM may ask for: officeflow handlers described to the model, and the calls it proposes.

A :class:`Tool` names a handler, describes it, gives the JSON Schema of its arguments and says
whether it is **irreversible** (pays, sends, deletes, signs: anything a person must approve first).
The model only ever *proposes* a :class:`ToolCall`; the loop in :mod:`officeflow.llm.session`
validates the arguments and runs reversible tools through the caller's :class:`ToolRunner`.
Irreversible tools are never run by the loop, whatever the model says.

OpenAI-compatible APIs allow function names of ``[A-Za-z0-9_-]{1,64}`` only, while handler names
may contain dots (``payments.transfer``): :class:`Toolbox` gives each tool a wire name
(``payments_transfer``) and maps the model's calls back, refusing names it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import jsonschema.validators

from officeflow.errors import Problem
from officeflow.jsonutil import json_pointer

WIRE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOOL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, kw_only=True)
class Tool:
    """One tool the model may propose to call."""

    name: str
    """The officeflow name (the handler's, e.g. ``vendors.lookup``)."""
    description: str
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    """JSON Schema of the arguments (an object)."""
    irreversible: bool = False
    """True when a person must approve each call before it runs; the loop never runs it."""


@dataclass(frozen=True, kw_only=True)
class ToolCall:
    """A call the model proposed: which tool, with which arguments (parsed JSON)."""

    id: str
    name: str
    """The officeflow tool name (mapped back from the wire name)."""
    arguments: Any
    """The arguments as parsed from the model's JSON text, or the text itself when it is not JSON."""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


class ToolRunner(Protocol):
    """Runs a reversible tool for the loop and returns its JSON result.

    The step adapter implements it with the officeflow handler the tool names. An exception it
    raises is reported to the model as the tool's error (and recorded); the loop goes on.
    """

    async def __call__(self, call: ToolCall, tool: Tool) -> Any: ...


def wire_name(name: str) -> str:
    """The OpenAI-safe function name for an officeflow tool name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64]


class Toolbox:
    """The tools of one step: their wire descriptions, name mapping and argument validators."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools: tuple[Tool, ...] = tuple(tools)
        self._by_wire: dict[str, Tool] = {}
        self._validators: dict[str, Any] = {}
        for tool in self.tools:
            self._by_wire[wire_name(tool.name)] = tool
            self._validators[tool.name] = jsonschema.validators.validator_for(tool.parameters)(tool.parameters)

    def __bool__(self) -> bool:
        return bool(self.tools)

    def wire(self) -> list[dict[str, Any]]:
        """The ``tools`` array of a chat-completions request."""
        return [
            {
                "type": "function",
                "function": {
                    "name": wire_name(tool.name),
                    "description": tool.description
                    + (" (irreversible: needs a person's approval)" if tool.irreversible else ""),
                    "parameters": dict(tool.parameters),
                },
            }
            for tool in self.tools
        ]

    def resolve(self, wire: str) -> Tool | None:
        """The tool a wire name stands for, or None for a name the step did not offer."""
        return self._by_wire.get(wire)

    def check_arguments(self, tool: Tool, arguments: Any) -> list[Problem]:
        """Every way ``arguments`` breaks the tool's parameter schema (empty when valid)."""
        return [
            Problem(message=error.message, pointer=json_pointer(error.absolute_path))
            for error in self._validators[tool.name].iter_errors(arguments)
        ]


def check_tools(tools: Sequence[Tool]) -> list[Problem]:
    """Static problems with a step's tools: names, duplicates after mapping, parameter schemas."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, tool in enumerate(tools):
        where = f"/tools/{index}"
        if not TOOL_NAME.match(tool.name):
            problems.append(
                Problem(
                    message=f"tool name {tool.name!r} is not valid",
                    pointer=f"{where}/name",
                    expected="a letter, then up to 63 letters, digits, '_', '.', '-'",
                )
            )
        wire = wire_name(tool.name)
        if wire in seen:
            problems.append(
                Problem(
                    message=f"tool {tool.name!r} has the same function name as {seen[wire]!r} ({wire})",
                    pointer=f"{where}/name",
                    expected="names that differ in more than '.' versus '_'",
                )
            )
        seen.setdefault(wire, tool.name)
        if tool.parameters.get("type") != "object":
            problems.append(
                Problem(
                    message="a tool's parameters must be an object schema",
                    pointer=f"{where}/parameters",
                    expected='{"type": "object", ...}',
                )
            )
        try:
            jsonschema.validators.validator_for(tool.parameters).check_schema(tool.parameters)
        except jsonschema.SchemaError as exc:
            problems.append(schema_problem(exc, f"{where}/parameters"))
    return problems


JSON_TYPES = "array, boolean, integer, null, number, object, string"


def schema_problem(exc: jsonschema.SchemaError, base: str) -> Problem:
    """A broken JSON Schema as a problem pointing at the broken keyword inside it."""
    path = list(exc.absolute_path)
    expected = f"one of: {JSON_TYPES}" if path and path[-1] == "type" else "a value the JSON Schema draft allows"
    return Problem(
        message=f"not a valid JSON Schema: {exc.message}",
        pointer=base + (json_pointer(path) if path else ""),
        expected=expected,
    )

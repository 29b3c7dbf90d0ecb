"""The model's final answer: parsed, checked against the output schema, decisions set apart.

**Validation.** The answer must be one JSON object matching the step's ``output_schema``
(``jsonschema``, the schema's own draft). A Markdown code fence around the JSON is tolerated;
nothing else is: no prose before or after, no second object. Each violation is a
:class:`officeflow.errors.Problem` with a JSON pointer, which is what the one repair request sends
back to the model.

**Decisions are proposals.** An LLM's output can propose, never decide. The decision fields of a
step are the ones its definition lists in ``decision_fields`` *and* every top-level output
property whose name reads as a decision (``approve``, ``approved``, ``decision``, ``pay``,
``transfer``, ``reject``, ``action``, ...; see :data:`DECISION_WORDS`), so forgetting to list one
does not let it decide. Unless the definition says ``may_decide: true``, their values are taken
out of the output and returned as proposals, which the step adapter hands to a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema.validators
import orjson

from officeflow.errors import Problem
from officeflow.jsonutil import json_pointer

DECISION_WORDS = frozenset(
    {
        "accept", "accepted", "action", "approval", "approve", "approved", "authorise", "authorised",
        "authorize", "authorized", "decide", "decided", "decision", "deny", "denied", "grant", "granted",
        "outcome", "pay", "payment", "refund", "reject", "rejected", "release", "transfer", "verdict",
    }
)  # fmt: skip
"""Words that make a field name a decision (matched per word of snake_case, kebab-case or camelCase)."""

_FENCED = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL | re.IGNORECASE)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def is_decision_name(name: str) -> bool:
    """Whether a field called ``name`` reads as a decision."""
    return any(word.lower() in DECISION_WORDS for word in _WORDS.findall(name))


def decision_fields(output_schema: Mapping[str, Any] | None, declared: Sequence[str] = ()) -> tuple[str, ...]:
    """The declared decision fields, then every top-level property whose name reads as a decision."""
    properties = (output_schema or {}).get("properties")
    names = list(properties) if isinstance(properties, Mapping) else []
    found = list(dict.fromkeys([*declared, *(n for n in names if is_decision_name(n))]))
    return tuple(found)


class AnswerChecker:
    """Parses and validates answers against one output schema, compiled once."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._validator = jsonschema.validators.validator_for(schema)(schema)

    def check(self, content: str | None) -> tuple[Any, list[Problem]]:
        """The parsed answer and its problems (empty when valid)."""
        if content is None or not content.strip():
            return None, [Problem(message="the answer is empty", pointer="", expected="one JSON object")]
        text = content.strip()
        fenced = _FENCED.match(text)
        if fenced:
            text = fenced.group(1)
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            return None, [
                Problem(
                    message=f"the answer is not JSON: {exc}", pointer="", expected="one JSON object and nothing else"
                )
            ]
        problems = [
            Problem(message=error.message, pointer=json_pointer(error.absolute_path))
            for error in self._validator.iter_errors(value)
        ]
        return value, problems


@dataclass(frozen=True, kw_only=True)
class Split:
    """An answer divided into what the workflow may use and what a person must decide."""

    output: Any
    proposals: dict[str, Any]
    decisions: dict[str, Any]


def split_decisions(answer: Any, fields: Sequence[str], *, may_decide: bool) -> Split:
    """Take the decision ``fields`` out of ``answer`` (a dict): proposals, or decisions when allowed."""
    if not isinstance(answer, Mapping) or not fields:
        return Split(output=answer, proposals={}, decisions={})
    taken = {name: answer[name] for name in fields if name in answer}
    rest = {name: value for name, value in answer.items() if name not in taken}
    if may_decide:
        return Split(output=rest, proposals={}, decisions=taken)
    return Split(output=rest, proposals=taken, decisions={})


def repair_request(problems: Sequence[Problem]) -> str:
    """The message that asks for the one repair: the problems, and what to send."""
    listed = "\n".join(f"- {p}" for p in problems[:20])
    return (
        "Your answer does not match the required JSON Schema:\n"
        f"{listed}\n"
        "Answer again with only one JSON object that matches the schema, and nothing else."
    )

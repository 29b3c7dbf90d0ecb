"""Checking model inputs: against the input JSON Schema, and against the training ranges.

``InputChecker`` compiles the schema once (jsonschema-rs: a few microseconds an item, which
matters on the scoring path) and checks a whole batch in one call; ``format`` keywords are
asserted (``"format": "date"`` refuses 2025-02-30); when the batch is bad,
``check`` raises ``ModelInputInvalid`` naming every bad field of every bad item
(``/3/amount: -5 is less than the minimum of 0``).
``outside_training_range`` lists the features of one item that lie outside what the model saw in
training, so a workflow can hand such an item to a decision table or a person.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from officeflow.errors import Problem
from officeflow.jsonutil import json_pointer
from officeflow.models.errors import ModelArtifactInvalid, ModelInputInvalid
from officeflow.models.metadata import InputRange, feature_value


class InputChecker:
    """Validates items against one JSON Schema, compiled once."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        try:
            self._item = jsonschema_rs.validator_for(dict(schema), validate_formats=True)
            self._batch = jsonschema_rs.validator_for({"type": "array", "items": dict(schema)}, validate_formats=True)
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            raise ModelArtifactInvalid(f"the model's input schema is not a valid JSON Schema: {first}") from None

    def check(self, items: Sequence[Mapping[str, Any]]) -> None:
        batch = items if isinstance(items, list) else list(items)
        if self._batch.is_valid(batch):
            return
        problems: list[Problem] = []
        for index, item in enumerate(batch):
            for error in self._item.iter_errors(item):
                pointer = json_pointer((index, *error.instance_path))
                problems.append(Problem(message=error.message, pointer=pointer))
        raise ModelInputInvalid(problems)


@dataclass(frozen=True, kw_only=True)
class RangeFinding:
    """A feature of an item lies outside the training range."""

    feature: str
    value: Any
    expected: str

    def __str__(self) -> str:
        return f"{self.feature}={self.value!r} is outside the training range ({self.expected})"


def outside_training_range(ranges: Mapping[str, InputRange], item: Mapping[str, Any]) -> list[RangeFinding]:
    """The features of ``item`` outside ``ranges`` (missing features are not findings; ``a.b`` names nested ones)."""
    findings: list[RangeFinding] = []
    for name, allowed in ranges.items():
        value = feature_value(item, name)
        if value is None:
            continue
        if allowed.levels is not None:
            if str(value) not in allowed.levels:
                findings.append(RangeFinding(feature=name, value=value, expected="one of " + ", ".join(allowed.levels)))
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            findings.append(RangeFinding(feature=name, value=value, expected="a number"))
            continue
        low = allowed.minimum if allowed.minimum is not None else -math.inf
        high = allowed.maximum if allowed.maximum is not None else math.inf
        if not low <= number <= high:
            findings.append(RangeFinding(feature=name, value=value, expected=f"{low:g} to {high:g}"))
    return findings


def training_ranges(columns: Mapping[str, Sequence[Any]], categorical: Sequence[str] = ()) -> dict[str, InputRange]:
    """The input ranges of training columns: min/max for numeric columns, the levels for ``categorical`` ones."""
    out: dict[str, InputRange] = {}
    for name, values in columns.items():
        if name in categorical:
            out[name] = InputRange(levels=tuple(sorted({str(v) for v in values})))
        else:
            numbers = [float(v) for v in values]
            out[name] = InputRange(minimum=min(numbers), maximum=max(numbers))
    return out

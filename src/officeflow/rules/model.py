"""The typed data of a decision model: what a DMN file or a YAML table says, before compilation.

A :class:`DecisionModel` holds decisions (each with one piece of decision logic: a decision table,
a literal expression, a context, an invocation, a list or a relation), input data, business
knowledge models and item definitions. Texts stay as written (FEEL, or CEL where a cell says so)
so the model can be written back out as DMN and shown to people; :mod:`officeflow.rules.program`
compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Union


class HitPolicy(StrEnum):
    """How a decision table combines the rules that match (DMN's names; short codes in ``code``)."""

    UNIQUE = "UNIQUE"
    """At most one rule may match; more is an error."""
    ANY = "ANY"
    """Rules that match must agree on their outputs; the shared output is the result."""
    PRIORITY = "PRIORITY"
    """The matching rule whose outputs come first in the output value lists wins."""
    FIRST = "FIRST"
    """The first matching rule in table order wins."""
    RULE_ORDER = "RULE ORDER"
    """Every matching rule's outputs, as a list in table order."""
    OUTPUT_ORDER = "OUTPUT ORDER"
    """Every matching rule's outputs, as a list ordered by output value priority."""
    COLLECT = "COLLECT"
    """Every matching rule's outputs, as a list, or aggregated (sum, min, max, count)."""

    @property
    def single(self) -> bool:
        return self in (HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.PRIORITY, HitPolicy.FIRST)


class Aggregation(StrEnum):
    """The aggregation of a COLLECT table: C+, C<, C>, C#."""

    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    COUNT = "COUNT"


HIT_POLICY_CODES: dict[str, tuple[HitPolicy, Aggregation | None]] = {
    "U": (HitPolicy.UNIQUE, None),
    "A": (HitPolicy.ANY, None),
    "P": (HitPolicy.PRIORITY, None),
    "F": (HitPolicy.FIRST, None),
    "R": (HitPolicy.RULE_ORDER, None),
    "O": (HitPolicy.OUTPUT_ORDER, None),
    "C": (HitPolicy.COLLECT, None),
    "C+": (HitPolicy.COLLECT, Aggregation.SUM),
    "C<": (HitPolicy.COLLECT, Aggregation.MIN),
    "C>": (HitPolicy.COLLECT, Aggregation.MAX),
    "C#": (HitPolicy.COLLECT, Aggregation.COUNT),
}


def hit_policy_code(policy: HitPolicy, aggregation: Aggregation | None) -> str:
    for code, (p, a) in HIT_POLICY_CODES.items():
        if p is policy and a is aggregation:
            return code
    return policy.value


FEEL = "feel"
CEL = "cel"


@dataclass(frozen=True, kw_only=True)
class Where:
    """Where a piece of a model is written: its element id and its line, when known."""

    element: str | None = None
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Text:
    """An expression or unary tests as written, in FEEL or CEL."""

    text: str
    language: str = FEEL
    id: str | None = None
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class LiteralBox:
    """A literal expression."""

    id: str | None = None
    text: Text
    type_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class InputClause:
    id: str | None = None
    label: str | None = None
    expression: Text
    type_ref: str | None = None
    allowed: Text | None = None


@dataclass(frozen=True, kw_only=True)
class OutputClause:
    id: str | None = None
    name: str | None = None
    label: str | None = None
    type_ref: str | None = None
    allowed: Text | None = None
    default: Text | None = None


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One row; ``index`` counts from 1 as people number rows."""

    index: int
    id: str | None = None
    annotation: str | None = None
    inputs: tuple[Text, ...]
    outputs: tuple[Text, ...]
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class DecisionTable:
    id: str | None = None
    hit_policy: HitPolicy = HitPolicy.UNIQUE
    aggregation: Aggregation | None = None
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]
    output_label: str | None = None
    line: int | None = None

    @property
    def code(self) -> str:
        return hit_policy_code(self.hit_policy, self.aggregation)


@dataclass(frozen=True, kw_only=True)
class ContextEntry:
    name: str | None
    """None for the final entry, whose value is the context's result."""
    value: Box
    type_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class ContextBox:
    id: str | None = None
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True, kw_only=True)
class InvocationBox:
    id: str | None = None
    function: str
    bindings: tuple[tuple[str, Box | None], ...]


@dataclass(frozen=True, kw_only=True)
class ListBox:
    id: str | None = None
    items: tuple[Box, ...]


@dataclass(frozen=True, kw_only=True)
class RelationBox:
    id: str | None = None
    columns: tuple[str, ...]
    rows: tuple[tuple[Box, ...], ...]


@dataclass(frozen=True, kw_only=True)
class FunctionBox:
    id: str | None = None
    parameters: tuple[tuple[str, str | None], ...]
    body: Box


@dataclass(frozen=True, kw_only=True)
class ConditionalBox:
    """DMN 1.4's boxed ``if``/``then``/``else``: ``then`` when the condition is true, else ``otherwise``."""

    id: str | None = None
    condition: Box
    then: Box
    otherwise: Box


@dataclass(frozen=True, kw_only=True)
class FilterBox:
    """DMN 1.4's boxed filter: the items of ``source`` for which ``match`` is true (``item`` and the
    item's context entries in scope)."""

    id: str | None = None
    source: Box
    match: Box


@dataclass(frozen=True, kw_only=True)
class IteratorBox:
    """DMN 1.4's boxed ``for``, ``every`` and ``some`` over ``source`` with ``variable`` bound."""

    id: str | None = None
    kind: str
    """``for``, ``every`` or ``some``."""
    variable: str
    source: Box
    body: Box


Box = Union[  # noqa: UP007
    LiteralBox,
    DecisionTable,
    ContextBox,
    InvocationBox,
    ListBox,
    RelationBox,
    FunctionBox,
    ConditionalBox,
    FilterBox,
    IteratorBox,
]


@dataclass(frozen=True, kw_only=True)
class InputData:
    id: str | None = None
    name: str
    type_ref: str | None = None
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Decision:
    id: str | None = None
    name: str
    logic: Box
    type_ref: str | None = None
    requires: tuple[str, ...] = ()
    """Names of the decisions, input data and knowledge models it declares it needs."""
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class Knowledge:
    """A business knowledge model: a function with parameters and a body."""

    id: str | None = None
    name: str
    parameters: tuple[tuple[str, str | None], ...]
    body: Box
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class ItemDefinition:
    name: str
    type_ref: str | None = None
    components: tuple[ItemDefinition, ...] = ()
    allowed: Text | None = None
    is_collection: bool = False


@dataclass(frozen=True, kw_only=True)
class ModelSource:
    """What the model was read from: its format, file name and raw bytes' digest."""

    format: str  # "dmn" or "yaml"
    file: str | None = None
    digest: str = ""
    dmn_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

"""The syntax tree of FEEL expressions and unary tests (what :mod:`feel_parser` builds).

Nodes are frozen dataclasses; :mod:`feel_compile` turns them into Python closures once, and the
static checks (:mod:`checks`) read unary tests to reason about overlaps and gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    """A FEEL syntax node."""

    def children(self) -> Iterator[Node]:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item
                    elif isinstance(item, tuple):
                        yield from (x for x in item if isinstance(x, Node))

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Path(Node):
    base: Node
    member: str


@dataclass(frozen=True, slots=True)
class Filter(Node):
    base: Node
    condition: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: Node
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...] | None = None


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Iteration(Node):
    name: str
    source: Node
    upto: Node | None = None


@dataclass(frozen=True, slots=True)
class For(Node):
    iterations: tuple[Iteration, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Quantified(Node):
    every: bool
    iterations: tuple[Iteration, ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class ListNode(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ContextNode(Node):
    entries: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class RangeNode(Node):
    low: Node | None
    low_closed: bool
    high: Node | None
    high_closed: bool


@dataclass(frozen=True, slots=True)
class FunctionNode(Node):
    parameters: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A FEEL type after ``instance of``: a name (``number``, ``date and time``, ``Any``), or
    ``list<T>``, ``range<T>``, ``context<name: T, ...>``, ``function<T, ...>->T``."""

    name: str
    items: tuple[TypeRef, ...] = ()
    fields: tuple[tuple[str, TypeRef], ...] = ()
    result: TypeRef | None = None


@dataclass(frozen=True, slots=True)
class InstanceOf(Node):
    value: Node
    type_ref: TypeRef


# --- unary tests -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompareTest(Node):
    """``< e``, ``<= e``, ``> e``, ``>= e``, ``= e``, ``!= e``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class RangeTest(Node):
    """``[a..b]``, ``(a..b)``, ``]a..b[`` and the like."""

    range: RangeNode


@dataclass(frozen=True, slots=True)
class ExprTest(Node):
    """An expression as a test: equal to the input, a list or range holding it, or true with ``?``."""

    expr: Node
    uses_input: bool


@dataclass(frozen=True, slots=True)
class UnaryTests(Node):
    """``-`` (any), ``not(t1, t2)``, or ``t1, t2`` (any of them)."""

    tests: tuple[Node, ...]
    negated: bool = False
    any: bool = False


@dataclass(frozen=True, slots=True)
class In(Node):
    """``value in t`` or ``value in (t1, t2)``."""

    value: Node
    tests: UnaryTests


def uses_input(node: Node) -> bool:
    """Whether the expression reads ``?`` (the input value of a unary test)."""
    return any(isinstance(n, Name) and n.name == "?" for n in node.walk())

"""Sets of input values that a cell matches, for reasoning about tables without evaluating them.

A :class:`Region` is a union of disjoint intervals over one ordered kind of value (numbers,
strings, dates, booleans), plus whether it holds null. A cell's unary tests become a region when
they are built from literals (``< 10``, ``[1..5]``, ``"a", "b"``, ``not(...)``); a cell that
reads other variables, uses ``?`` or is CEL has no region (:func:`cell_region` gives None) and
the checks leave any question that depends on it unanswered rather than guess.

:func:`pieces` cuts a column's value line at every endpoint its cells use, into points and the
open intervals between them: within one piece every cell either matches every value or none, so
a search over pieces is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from officeflow.rules import feel_ast as ast
from officeflow.rules.convert import feel_text
from officeflow.rules.feel_compile import CompileError, Compiler, Matcher

KINDS: dict[type, str] = {Decimal: "number", str: "string", bool: "boolean", date: "date"}


def kind_of(value: Any) -> str | None:
    if type(value) is datetime:
        return "dateTime"
    return KINDS.get(type(value))


@dataclass(frozen=True, slots=True)
class Interval:
    """From ``low`` to ``high``; None is unbounded. A point is ``[v..v]``."""

    low: Any
    low_closed: bool
    high: Any
    high_closed: bool

    @property
    def is_point(self) -> bool:
        return self.low is not None and self.low == self.high and self.low_closed and self.high_closed

    def describe(self, kind: str) -> str:
        if self.is_point:
            return feel_text(self.low)
        if kind == "string" and not self.is_point:
            return "another string"
        if self.low is None and self.high is None:
            return "any value"
        if self.low is None:
            return ("<= " if self.high_closed else "< ") + feel_text(self.high)
        if self.high is None:
            return (">= " if self.low_closed else "> ") + feel_text(self.low)
        return (
            ("[" if self.low_closed else "(")
            + f"{feel_text(self.low)}..{feel_text(self.high)}"
            + ("]" if self.high_closed else ")")
        )


LINE = Interval(None, False, None, False)


def _lower_before(a: Interval, b: Interval) -> bool:
    """Whether ``a`` starts at or before ``b`` (a's start includes b's start)."""
    if a.low is None:
        return True
    if b.low is None:
        return False
    if a.low != b.low:
        return bool(a.low < b.low)
    return a.low_closed or not b.low_closed


def _upper_after(a: Interval, b: Interval) -> bool:
    if a.high is None:
        return True
    if b.high is None:
        return False
    if a.high != b.high:
        return bool(a.high > b.high)
    return a.high_closed or not b.high_closed


def _intersect(a: Interval, b: Interval) -> Interval | None:
    low = b if _lower_before(a, b) else a
    high = b if _upper_after(a, b) else a
    result = Interval(low.low, low.low_closed, high.high, high.high_closed)
    if result.low is not None and result.high is not None:
        if result.low > result.high:
            return None
        if result.low == result.high and not (result.low_closed and result.high_closed):
            return None
    return result


def _contains(outer: Interval, inner: Interval) -> bool:
    return _lower_before(outer, inner) and _upper_after(outer, inner)


@dataclass(frozen=True, slots=True)
class Region:
    """A union of intervals of one kind of value, and whether null is in it."""

    intervals: tuple[Interval, ...]
    null: bool = False

    @property
    def empty(self) -> bool:
        return not self.intervals and not self.null

    def covers(self, piece: Interval) -> bool:
        return any(_contains(i, piece) for i in self.intervals)

    def intersect(self, other: Region) -> Region:
        found = [x for a in self.intervals for b in other.intervals if (x := _intersect(a, b)) is not None]
        return Region(tuple(found), self.null and other.null)

    def union(self, other: Region) -> Region:
        return Region(self.intervals + other.intervals, self.null or other.null)

    def complement(self, null: bool) -> Region:
        """Every value not in this region (on the whole line); null as given."""
        gaps = [LINE]
        for interval in self.intervals:
            rest: list[Interval] = []
            for gap in gaps:
                rest.extend(_subtract(gap, interval))
            gaps = rest
        return Region(tuple(gaps), null)

    def endpoints(self) -> set[Any]:
        return {v for i in self.intervals for v in (i.low, i.high) if v is not None}

    @property
    def bounded(self) -> bool:
        return all(i.low is not None and i.high is not None for i in self.intervals)


def _subtract(a: Interval, b: Interval) -> list[Interval]:
    if _intersect(a, b) is None:
        return [a]
    out: list[Interval] = []
    if b.low is not None and not _lower_before(b, a):
        left = Interval(a.low, a.low_closed, b.low, not b.low_closed)
        if _intersect(left, a) is not None and _valid(left):
            out.append(left)
    if b.high is not None and not _upper_after(b, a):
        right = Interval(b.high, not b.high_closed, a.high, a.high_closed)
        if _valid(right):
            out.append(right)
    return out


def _valid(i: Interval) -> bool:
    if i.low is None or i.high is None:
        return True
    return bool(i.low < i.high or (i.low == i.high and i.low_closed and i.high_closed))


def point(value: Any) -> Region:
    return Region((Interval(value, True, value, True),))


FULL = Region((LINE,), True)


def _constant(node: ast.Node) -> Any:
    """The value of an expression that reads no variable; raises CompileError otherwise."""
    compiler = Compiler(())
    evaluator = compiler.expression(node)
    return evaluator({})


def _test_region(test: ast.Node) -> Region | None:
    if isinstance(test, ast.CompareTest):
        value = _constant(test.operand)
        if value is None or kind_of(value) is None:
            return None
        op = test.op
        if op == "=":
            return point(value)
        if op == "!=":
            return point(value).complement(False)
        low_closed = op == ">="
        high_closed = op == "<="
        if op in ("<", "<="):
            return Region((Interval(None, False, value, high_closed),))
        return Region((Interval(value, low_closed, None, False),))
    if isinstance(test, ast.RangeTest):
        r = test.range
        low = _constant(r.low) if r.low is not None else None
        high = _constant(r.high) if r.high is not None else None
        if (low is not None and kind_of(low) is None) or (high is not None and kind_of(high) is None):
            return None
        interval = Interval(low, r.low_closed, high, r.high_closed)
        return Region((interval,) if _valid(interval) else ())
    if isinstance(test, ast.ExprTest):
        if test.uses_input:
            return None
        value = _constant(test.expr)
        values = value if type(value) is list else [value]
        region = Region(())
        for v in values:
            if v is None:
                continue
            if kind_of(v) is None:
                return None
            region = region.union(point(v))
        return region
    return None


def cell_region(tests: ast.UnaryTests, matcher: Matcher | None) -> Region | None:
    """The values a cell matches, or None when that cannot be known without evaluating it."""
    if tests.any:
        return FULL
    region = Region(())
    try:
        for test in tests.tests:
            part = _test_region(test)
            if part is None:
                return None
            region = region.union(part)
    except CompileError:
        return None
    matches_null = bool(matcher(None, {})) if matcher is not None else True
    if tests.negated:
        return region.complement(matches_null)
    return Region(region.intervals, matches_null)


def literal_values(tests: ast.UnaryTests) -> list[Any]:
    """Every literal value a cell names (for type and allowed-value checks)."""
    found: list[Any] = []
    for test in tests.tests:
        nodes: Iterable[ast.Node] = ()
        if isinstance(test, ast.CompareTest):
            nodes = (test.operand,)
        elif isinstance(test, ast.RangeTest):
            nodes = tuple(n for n in (test.range.low, test.range.high) if n is not None)
        elif isinstance(test, ast.ExprTest) and not test.uses_input:
            nodes = (test.expr,)
        for node in nodes:
            try:
                value = _constant(node)
            except CompileError:
                continue
            found.extend(value if type(value) is list else [value])
    return [v for v in found if v is not None]


def pieces(regions: Iterable[Region], kind: str, domain: Region) -> list[Interval]:
    """The elementary pieces of the value line that lie in ``domain`` (see the module docstring)."""
    cuts: set[Any] = set(domain.endpoints())
    for region in regions:
        cuts |= region.endpoints()
    ordered = sorted(cuts)
    candidates: list[Interval] = []
    previous: Any = None
    for value in ordered:
        candidates.append(Interval(previous, False, value, False))
        candidates.append(Interval(value, True, value, True))
        previous = value
    candidates.append(Interval(previous, False, None, False))
    out = []
    for piece in candidates:
        if not _nonempty(piece, kind):
            continue
        if domain.covers(piece):
            out.append(piece)
    return out


def _nonempty(piece: Interval, kind: str) -> bool:
    if piece.is_point:
        return True
    if kind == "boolean":
        return False
    if piece.low is None or piece.high is None:
        return True
    if kind == "date":
        return bool(piece.high - piece.low > timedelta(days=1))
    return bool(piece.low < piece.high)


def hull(regions: Iterable[Region]) -> Region:
    """The smallest interval holding every region given (the line itself if one is unbounded)."""
    lows: list[Interval] = []
    highs: list[Interval] = []
    for region in regions:
        for interval in region.intervals:
            lows.append(interval)
            highs.append(interval)
    if not lows:
        return Region(())
    low = lows[0]
    for i in lows[1:]:
        if _lower_before(i, low):
            low = i
    high = highs[0]
    for i in highs[1:]:
        if _upper_after(i, high):
            high = i
    return Region((Interval(low.low, low.low_closed, high.high, high.high_closed),))


def representative(piece: Interval, kind: str) -> Any:
    """A value inside a piece, to show in a message."""
    if piece.is_point:
        return piece.low
    if kind == "number":
        if piece.low is None and piece.high is None:
            return Decimal(0)
        if piece.low is None:
            return piece.high - 1
        if piece.high is None:
            return piece.low + 1
        return (piece.low + piece.high) / 2
    return None

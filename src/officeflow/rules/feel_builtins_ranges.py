"""FEEL's range functions (DMN 1.4 10.3.4.9): ``before``, ``after``, ``meets``, ``met by``,
``overlaps``, ``overlaps before``, ``overlaps after``, ``finishes``, ``finished by``,
``includes``, ``during``, ``starts``, ``started by``, ``coincides``.

Each takes two points, a point and a range, or two ranges, as the specification lists for it; a
point is any ordered value (number, string, date, time, duration). The definitions below are the
specification's, written over endpoints: an unbounded end (``< 10`` is ``(null..10)``) lies below
or above every point. A null argument, an argument combination the function does not define, or
points of different kinds give null. Named arguments use the specification's names
(``point1``/``point2``, ``point``/``range``, ``range1``/``range2``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from officeflow.rules.feel_registry import BUILTINS
from officeflow.rules.values import Function, Range, compare

_PARAMETERS = ("point1", "point2", "point", "range", "range1", "range2")


class _Incomparable(Exception):
    """Two endpoints of different kinds met: the function's result is null."""


def _cmp(a: Any, b: Any, a_low: bool = False, b_low: bool = False) -> int:
    """Compare two endpoints; None is an unbounded end (low ends below all, high ends above)."""
    if a is None or b is None:
        if a is None and b is None:
            return 0 if a_low == b_low else (-1 if a_low else 1)
        if a is None:
            return -1 if a_low else 1
        return 1 if b_low else -1
    c = compare(a, b)
    if c is None:
        raise _Incomparable
    return c


def _lt(a: Any, b: Any, a_low: bool = False, b_low: bool = False) -> bool:
    return _cmp(a, b, a_low, b_low) < 0


def _eq(a: Any, b: Any, a_low: bool = False, b_low: bool = False) -> bool:
    return _cmp(a, b, a_low, b_low) == 0


# The specification's definitions. s = start, e = end; si/ei = the end is included.


def _before_pp(p1: Any, p2: Any) -> bool:
    return _lt(p1, p2)


def _before_pr(p: Any, r: Range) -> bool:
    return _lt(p, r.low, b_low=True) or (_eq(p, r.low, b_low=True) and not r.low_closed)


def _before_rp(r: Range, p: Any) -> bool:
    return _lt(r.high, p) or (_eq(r.high, p) and not r.high_closed)


def _before_rr(r1: Range, r2: Range) -> bool:
    return _lt(r1.high, r2.low, b_low=True) or (
        (not r1.high_closed or not r2.low_closed) and _eq(r1.high, r2.low, b_low=True)
    )


def _meets(r1: Range, r2: Range) -> bool:
    return r1.high_closed and r2.low_closed and _eq(r1.high, r2.low, b_low=True)


def _overlaps(r1: Range, r2: Range) -> bool:
    end_after_start = _cmp(r1.high, r2.low, b_low=True) > 0 or (
        _eq(r1.high, r2.low, b_low=True) and r1.high_closed and r2.low_closed
    )
    start_before_end = _cmp(r1.low, r2.high, a_low=True) < 0 or (
        _eq(r1.low, r2.high, a_low=True) and r1.low_closed and r2.high_closed
    )
    return end_after_start and start_before_end


def _overlaps_before(r1: Range, r2: Range) -> bool:
    starts_first = _lt(r1.low, r2.low, True, True) or (
        _eq(r1.low, r2.low, True, True) and r1.low_closed and not r2.low_closed
    )
    reaches_in = _cmp(r1.high, r2.low, b_low=True) > 0 or (
        _eq(r1.high, r2.low, b_low=True) and r1.high_closed and r2.low_closed
    )
    ends_first = _lt(r1.high, r2.high) or (_eq(r1.high, r2.high) and (not r1.high_closed or r2.high_closed))
    return starts_first and reaches_in and ends_first


def _finishes_pr(p: Any, r: Range) -> bool:
    return r.high_closed and _eq(r.high, p)


def _finishes_rr(r1: Range, r2: Range) -> bool:
    return (
        r1.high_closed == r2.high_closed
        and _eq(r1.high, r2.high)
        and (
            _cmp(r1.low, r2.low, True, True) > 0
            or (_eq(r1.low, r2.low, True, True) and (not r1.low_closed or r2.low_closed))
        )
    )


def _includes_rp(r: Range, p: Any) -> bool:
    return (
        (_lt(r.low, p, a_low=True) and _cmp(r.high, p) > 0)
        or (_eq(r.low, p, a_low=True) and r.low_closed)
        or (_eq(r.high, p) and r.high_closed)
    )


def _includes_rr(r1: Range, r2: Range) -> bool:
    low_ok = _lt(r1.low, r2.low, True, True) or (
        _eq(r1.low, r2.low, True, True) and (r1.low_closed or not r2.low_closed)
    )
    high_ok = _cmp(r1.high, r2.high) > 0 or (_eq(r1.high, r2.high) and (r1.high_closed or not r2.high_closed))
    return low_ok and high_ok


def _starts_pr(p: Any, r: Range) -> bool:
    return _eq(r.low, p, a_low=True) and r.low_closed


def _starts_rr(r1: Range, r2: Range) -> bool:
    return (
        _eq(r1.low, r2.low, True, True)
        and r1.low_closed == r2.low_closed
        and (_lt(r1.high, r2.high) or (_eq(r1.high, r2.high) and (not r1.high_closed or r2.high_closed)))
    )


def _coincides_pp(p1: Any, p2: Any) -> bool:
    return _eq(p1, p2)


def _coincides_rr(r1: Range, r2: Range) -> bool:
    return (
        _eq(r1.low, r2.low, True, True)
        and r1.low_closed == r2.low_closed
        and _eq(r1.high, r2.high)
        and r1.high_closed == r2.high_closed
    )


Kinds = tuple[bool, bool]
"""Whether the first and the second argument are ranges."""
Definitions = dict[Kinds, Callable[[Any, Any], bool]]

_PP, _PR, _RP, _RR = (False, False), (False, True), (True, False), (True, True)


def _swap(f: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: f(b, a)


_DEFINITIONS: dict[str, Definitions] = {
    "before": {_PP: _before_pp, _PR: _before_pr, _RP: _before_rp, _RR: _before_rr},
    "after": {_PP: _swap(_before_pp), _PR: _swap(_before_rp), _RP: _swap(_before_pr), _RR: _swap(_before_rr)},
    "meets": {_RR: _meets},
    "met by": {_RR: _swap(_meets)},
    "overlaps": {_RR: _overlaps},
    "overlaps before": {_RR: _overlaps_before},
    "overlaps after": {_RR: _swap(_overlaps_before)},
    "finishes": {_PR: _finishes_pr, _RR: _finishes_rr},
    "finished by": {_RP: _swap(_finishes_pr), _RR: _swap(_finishes_rr)},
    "includes": {_RP: _includes_rp, _RR: _includes_rr},
    "during": {_PR: _swap(_includes_rp), _RR: _swap(_includes_rr)},
    "starts": {_PR: _starts_pr, _RR: _starts_rr},
    "started by": {_RP: _swap(_starts_pr), _RR: _swap(_starts_rr)},
    "coincides": {_PP: _coincides_pp, _RR: _coincides_rr},
}


def _arguments(args: Sequence[Any]) -> tuple[Any, Any] | None:
    """The two arguments, from a positional call or from the six named slots a named call fills."""
    if len(args) == 2:
        return args[0], args[1]
    if len(args) != len(_PARAMETERS):
        return None
    point1, point2, point, range_, range1, range2 = args
    for first, second in ((point1, point2), (range1, range2)):
        if first is not None or second is not None:
            return first, second
    if type(range_) is Range and type(point) is not Range:
        return (point, range_) if point is not None else None
    return point, range_


def _range_function(name: str, definitions: Definitions) -> Function:
    def call(args: Sequence[Any]) -> Any:
        pair = _arguments(args)
        if pair is None or pair[0] is None or pair[1] is None:
            return None
        a, b = pair
        kinds = (type(a) is Range, type(b) is Range)
        definition = definitions.get(kinds)
        if definition is None and len(args) == len(_PARAMETERS) and (kinds[1], kinds[0]) in definitions:
            # named ``point`` and ``range`` carry no order: take the one form the function has
            definition, a, b = definitions[(kinds[1], kinds[0])], b, a
        if definition is None:
            return None
        try:
            return definition(a, b)
        except _Incomparable:
            return None

    return Function(name, _PARAMETERS, call, variadic=True)


for _name, _definitions in _DEFINITIONS.items():
    BUILTINS[_name] = _range_function(_name, _definitions)


__all__ = ["BUILTINS"]

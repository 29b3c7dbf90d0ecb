"""FEEL values and the operations on them, with FEEL's semantics.

A FEEL value is one of: ``None`` (null), ``bool``, ``Decimal`` (every number: FEEL numbers are
decimals with 34 significant digits, rounded half-even), ``str``, ``datetime.date``,
``datetime.time``, ``datetime.datetime``, ``timedelta`` (a days-and-time duration),
:class:`YearMonths` (a years-and-months duration), ``list``, ``dict`` (a context),
:class:`Range` and :class:`Function`.

Every operation returns null when FEEL says the result is undefined (a type mismatch, a division
by zero, null among the operands) instead of raising: FEEL has no exceptions. Comparisons and
equality give ``True``, ``False`` or ``None`` (FEEL's ternary logic).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

DECIMAL = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)
"""FEEL's number arithmetic: IEEE 754 decimal128."""

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True, order=True)
class YearMonths:
    """A years-and-months duration, counted in months (may be negative)."""

    months: int

    def iso(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        text = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{text}"


@dataclass(frozen=True)
class Range:
    """A FEEL range ``[lo..hi)``; an endpoint of None is unbounded (``< 10`` is ``(null..10)``)."""

    low: Any
    low_closed: bool
    high: Any
    high_closed: bool

    def contains(self, value: Any) -> bool | None:
        if value is None:
            return None
        if self.low is not None:
            below = compare(value, self.low)
            if below is None:
                return None
            if below < 0 or (below == 0 and not self.low_closed):
                return False
        if self.high is not None:
            above = compare(value, self.high)
            if above is None:
                return None
            if above > 0 or (above == 0 and not self.high_closed):
                return False
        return True


@dataclass(frozen=True)
class Function:
    """A FEEL function value: a business knowledge model, a built-in or a ``function(...)``."""

    name: str
    parameters: tuple[str, ...]
    call: Callable[[Sequence[Any]], Any]
    variadic: bool = False

    def invoke(self, positional: Sequence[Any], named: dict[str, Any] | None = None) -> Any:
        if named:
            unknown = [n for n in named if n not in self.parameters]
            if unknown:
                return None
            args = [named.get(p) for p in self.parameters]
            return self.call(args)
        if not self.variadic and len(positional) != len(self.parameters):
            return None
        return self.call(positional)


def is_number(value: Any) -> bool:
    return type(value) is Decimal


def number(value: int | float | str | Decimal) -> Decimal:
    """A FEEL number from a Python number or its text (floats by their shortest repr)."""
    if isinstance(value, float):
        return DECIMAL.create_decimal(repr(value))
    return DECIMAL.create_decimal(value)


def _same_temporal(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is not tb:
        return False
    if ta is datetime or ta is time:
        return (a.tzinfo is None) == (b.tzinfo is None)
    return True


_EPOCH = date(1970, 1, 1)


def _time_instant(t: time) -> datetime:
    """A time of day as a comparable moment: with a zone, moved to UTC (a zone id such as
    ``@Europe/Paris`` takes its offset on 1 January 1970, as a time carries no date); without,
    as written."""
    moment = datetime.combine(_EPOCH, t.replace(tzinfo=None))
    if t.tzinfo is None:
        return moment
    offset = t.utcoffset()
    if offset is None:
        offset = t.tzinfo.utcoffset(datetime.combine(_EPOCH, t)) or timedelta(0)
    return moment - offset


def _date_as_date_time(a: Any, b: Any) -> tuple[Any, Any]:
    """A date met with a date and time is that day's midnight, in UTC when the other has a zone
    (``@"2002-04-02" = @"2002-04-02T00:00:00Z"`` is true)."""
    ta, tb = type(a), type(b)
    if ta is date and tb is datetime:
        return datetime.combine(a, time(), tzinfo=UTC if b.tzinfo is not None else None), b
    if ta is datetime and tb is date:
        return a, datetime.combine(b, time(), tzinfo=UTC if a.tzinfo is not None else None)
    return a, b


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 when ``a`` and ``b`` are of one ordered kind; None otherwise (FEEL null)."""
    ta = type(a)
    if ta is not type(b):
        a, b = _date_as_date_time(a, b)
        ta = type(a)
        if ta is not type(b):
            return None
    if a is None:
        return None
    if ta is Decimal or ta is str or ta is date or ta is timedelta or ta is YearMonths:
        return -1 if a < b else (1 if a > b else 0)
    if ta is time and _same_temporal(a, b):
        a, b = _time_instant(a), _time_instant(b)
        return -1 if a < b else (1 if a > b else 0)
    if ta is datetime and _same_temporal(a, b):
        return -1 if a < b else (1 if a > b else 0)
    return None


def equal(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different kinds are not comparable (null)."""
    if a is None or b is None:
        return a is None and b is None
    if type(a) is not type(b):
        a, b = _date_as_date_time(a, b)
    ta, tb = type(a), type(b)
    if ta is not tb:
        return None
    if ta is list:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            same = equal(x, y)
            if same is not True:
                return same
        return True
    if ta is dict:
        if a.keys() != b.keys():
            return False
        for key, x in a.items():
            same = equal(x, b[key])
            if same is not True:
                return same
        return True
    if ta is datetime or ta is time:
        # one with a zone and one without are different values (not an unknown comparison)
        return compare(a, b) == 0 if _same_temporal(a, b) else False
    return bool(a == b)


def not_equal(a: Any, b: Any) -> bool | None:
    same = equal(a, b)
    return None if same is None else not same


def less(a: Any, b: Any) -> bool | None:
    c = compare(a, b)
    return None if c is None else c < 0


def less_equal(a: Any, b: Any) -> bool | None:
    c = compare(a, b)
    return None if c is None else c <= 0


def greater(a: Any, b: Any) -> bool | None:
    c = compare(a, b)
    return None if c is None else c > 0


def greater_equal(a: Any, b: Any) -> bool | None:
    c = compare(a, b)
    return None if c is None else c >= 0


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise OverflowError
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def add(a: Any, b: Any) -> Any:
    """FEEL ``+``: numbers, strings, durations, and a date/time with a duration."""
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return DECIMAL.add(a, b)
    if a is None or b is None:
        return None
    try:
        if ta is str and tb is str:
            return a + b
        if ta is timedelta and tb is timedelta:
            return a + b
        if ta is YearMonths and tb is YearMonths:
            return YearMonths(a.months + b.months)
        if ta in (timedelta, YearMonths) and tb in (date, datetime, time):
            return add(b, a)
        if tb is YearMonths and (ta is date or ta is datetime):
            return _add_months(a, b.months)
        if tb is timedelta:
            if ta is datetime:
                return a + b
            if ta is date:
                return (datetime.combine(a, time()) + b).date()
            if ta is time:
                moved = datetime.combine(date(2000, 1, 1), a.replace(tzinfo=None)) + b
                return moved.time().replace(tzinfo=a.tzinfo)
    except (ArithmeticError, ValueError):
        return None
    return None


def negate(a: Any) -> Any:
    ta = type(a)
    if ta is Decimal:
        return DECIMAL.minus(a)
    if ta is timedelta:
        return -a
    if ta is YearMonths:
        return YearMonths(-a.months)
    return None


def subtract(a: Any, b: Any) -> Any:
    """FEEL ``-``: numbers, durations, date/time minus date/time (a duration), date/time minus a duration."""
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return DECIMAL.subtract(a, b)
    if a is None or b is None:
        return None
    try:
        if ta is tb and ta in (timedelta, YearMonths):
            return add(a, negate(b))
        if tb in (timedelta, YearMonths) and ta in (date, datetime, time):
            return add(a, negate(b))
        if ta is date and tb is date:
            return timedelta(days=(a - b).days)
        if ta is datetime and tb is datetime:
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            return a - b
        if ta is datetime and tb is date:
            return subtract(a, datetime.combine(b, time(), tzinfo=a.tzinfo))
        if ta is date and tb is datetime:
            return subtract(datetime.combine(a, time(), tzinfo=b.tzinfo), b)
        if ta is time and tb is time and _same_temporal(a, b):
            base = date(2000, 1, 1)
            return datetime.combine(base, a) - datetime.combine(base, b)
    except (ArithmeticError, ValueError):
        return None
    return None


def multiply(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return DECIMAL.multiply(a, b)
    if a is None or b is None:
        return None
    if ta is Decimal and tb in (timedelta, YearMonths):
        return multiply(b, a)
    try:
        if ta is timedelta and tb is Decimal:
            return timedelta(seconds=float(DECIMAL.multiply(Decimal(a.total_seconds()), b)))
        if ta is YearMonths and tb is Decimal:
            return YearMonths(int(DECIMAL.multiply(Decimal(a.months), b)))
    except (ArithmeticError, ValueError):
        return None
    return None


def divide(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return None if not b else DECIMAL.divide(a, b)
        if a is None or b is None:
            return None
        if ta is timedelta and tb is Decimal:
            return None if not b else timedelta(seconds=float(DECIMAL.divide(Decimal(a.total_seconds()), b)))
        if ta is YearMonths and tb is Decimal:
            return None if not b else YearMonths(int(DECIMAL.divide(Decimal(a.months), b)))
        if ta is timedelta and tb is timedelta:
            return None if not b else DECIMAL.divide(Decimal(a.total_seconds()), Decimal(b.total_seconds()))
        if ta is YearMonths and tb is YearMonths:
            return None if not b.months else DECIMAL.divide(Decimal(a.months), Decimal(b.months))
    except (ArithmeticError, ValueError):
        return None
    return None


def power(a: Any, b: Any) -> Any:
    if type(a) is not Decimal or type(b) is not Decimal:
        return None
    try:
        if b == b.to_integral_value():
            return DECIMAL.power(a, int(b))
        return DECIMAL.power(a, b)
    except (ArithmeticError, ValueError):  # decimal overflow and invalid operations too
        return None


def logical_and(a: Any, b: Any) -> bool | None:
    """FEEL ``and`` (ternary): false wins over null; anything not boolean counts as null."""
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def logical_or(a: Any, b: Any) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def logical_not(a: Any) -> bool | None:
    if a is True:
        return False
    if a is False:
        return True
    return None

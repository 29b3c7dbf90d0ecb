"""The FEEL built-in functions officeflow supports (conversion, boolean, string, list, number,
date, context, range).

Each is a :class:`~officeflow.rules.values.Function` with FEEL's parameter names (so named
arguments work). A built-in that gets arguments of the wrong kind returns null, as FEEL says.
Built-ins that take a function (``sort`` with ``precedes``, ``list replace`` with a match) call
it as any FEEL function value: a ``function(...)``, a knowledge model or another built-in. A
model that calls a name not in :data:`BUILTINS` (``now``, ``today``: they would make an
evaluation depend on the clock) is refused when it is loaded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from officeflow.rules import feel_builtins_lists, feel_builtins_ranges, feel_builtins_text
from officeflow.rules.feel_registry import BUILTINS, builtin, is_numbers
from officeflow.rules.values import DECIMAL, YearMonths, equal

REGISTERED_BY = (feel_builtins_text, feel_builtins_lists, feel_builtins_ranges)
"""The modules whose functions are in :data:`BUILTINS` besides this one's."""

# --- numbers ------------------------------------------------------------------------------------


def _rounded(value: Any, scale: Any, mode: str) -> Any:
    if not is_numbers(value, scale):
        return None
    return value.quantize(Decimal(1).scaleb(-int(scale)), rounding=mode, context=DECIMAL)


@builtin("decimal", "n", "scale")
def _decimal(value: Any, scale: Any) -> Any:
    return _rounded(value, scale, "ROUND_HALF_EVEN")


@builtin("round up", "n", "scale")
def _round_up(value: Any, scale: Any) -> Any:
    return _rounded(value, scale, ROUND_UP)


@builtin("round down", "n", "scale")
def _round_down(value: Any, scale: Any) -> Any:
    return _rounded(value, scale, ROUND_DOWN)


@builtin("round half up", "n", "scale")
def _round_half_up(value: Any, scale: Any) -> Any:
    return _rounded(value, scale, ROUND_HALF_UP)


@builtin("round half down", "n", "scale")
def _round_half_down(value: Any, scale: Any) -> Any:
    return _rounded(value, scale, ROUND_HALF_DOWN)


@builtin("floor", "n", "scale?")
def _floor(value: Any, scale: Any = Decimal(0)) -> Any:
    return _rounded(value, scale, ROUND_FLOOR)


@builtin("ceiling", "n", "scale?")
def _ceiling(value: Any, scale: Any = Decimal(0)) -> Any:
    return _rounded(value, scale, ROUND_CEILING)


@builtin("abs", "n")
def _abs(value: Any) -> Any:
    if type(value) in (Decimal, timedelta):
        return abs(value)
    if type(value) is YearMonths:
        return YearMonths(abs(value.months))
    return None


@builtin("modulo", "dividend", "divisor")
def _modulo(dividend: Any, divisor: Any) -> Any:
    if not is_numbers(dividend, divisor) or not divisor:
        return None
    return DECIMAL.subtract(dividend, DECIMAL.multiply(divisor, (dividend / divisor).to_integral_value(ROUND_FLOOR)))


@builtin("sqrt", "number")
def _sqrt(value: Any) -> Any:
    return DECIMAL.sqrt(value) if is_numbers(value) and value >= 0 else None


@builtin("log", "number")
def _log(value: Any) -> Any:
    return DECIMAL.ln(value) if is_numbers(value) and value > 0 else None


@builtin("exp", "number")
def _exp(value: Any) -> Any:
    return DECIMAL.exp(value) if is_numbers(value) else None


@builtin("odd", "number")
def _odd(value: Any) -> Any:
    return value % 2 != 0 if is_numbers(value) and value == value.to_integral_value() else None


@builtin("even", "number")
def _even(value: Any) -> Any:
    return value % 2 == 0 if is_numbers(value) and value == value.to_integral_value() else None


@builtin("is", "value1", "value2")
def _is(first: Any, second: Any) -> Any:
    """True when both are of one FEEL type and equal: ``is(@"2012-12-25", @"2012-12-25T00:00:00")``
    is false, as is a time with a zone against one without."""
    if type(first) is not type(second):
        return False
    if type(first) in (time, datetime) and first.tzinfo != second.tzinfo:
        return False
    return equal(first, second) is True


# --- dates --------------------------------------------------------------------------------------

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@builtin("day of week", "date")
def _day_of_week(value: Any) -> Any:
    return _WEEKDAYS[value.weekday()] if type(value) in (date, datetime) else None


@builtin("day of year", "date")
def _day_of_year(value: Any) -> Any:
    return Decimal(value.timetuple().tm_yday) if type(value) in (date, datetime) else None


@builtin("week of year", "date")
def _week_of_year(value: Any) -> Any:
    return Decimal(value.isocalendar()[1]) if type(value) in (date, datetime) else None


@builtin("month of year", "date")
def _month_of_year(value: Any) -> Any:
    return _MONTHS[value.month - 1] if type(value) in (date, datetime) else None


# --- contexts and ranges ------------------------------------------------------------------------


@builtin("get value", "m", "key")
def _get_value(context: Any, key: Any) -> Any:
    return context.get(key) if type(context) is dict and type(key) is str else None


@builtin("get entries", "m")
def _get_entries(context: Any) -> Any:
    if type(context) is not dict:
        return None
    return [{"key": k, "value": v} for k, v in context.items()]


@builtin("context put", "context", "key", "value")
def _context_put(context: Any, key: Any, value: Any) -> Any:
    """``context put(c, "k", v)``, or with a list of keys a path into nested contexts (DMN 1.5):
    ``context put({a: {b: 1}}, ["a", "c"], 2)`` is ``{a: {b: 1, c: 2}}``."""
    if type(key) is list and key and all(type(k) is str for k in key):
        if len(key) == 1:
            return _context_put(context, key[0], value)
        if type(context) is not dict or type(context.get(key[0])) is not dict:
            return None
        inner = _context_put(context[key[0]], key[1:], value)
        return None if inner is None else {**context, key[0]: inner}
    if type(context) is not dict or type(key) is not str:
        return None
    return {**context, key: value}


@builtin("context", "entries")
def _context(entries: Any) -> Any:
    """A context from a list of ``{key, value}`` contexts; a key given twice is null (DMN 1.5)."""
    if type(entries) is not list:
        return None
    out: dict[str, Any] = {}
    for entry in entries:
        if type(entry) is not dict or type(entry.get("key")) is not str or "value" not in entry:
            return None
        if entry["key"] in out:
            return None
        out[entry["key"]] = entry["value"]
    return out


@builtin("context merge", "contexts")
def _context_merge(contexts: Any) -> Any:
    """One context with the entries of every context in the list, later ones winning (DMN 1.4)."""
    if type(contexts) is not list or any(type(c) is not dict for c in contexts):
        return None
    out: dict[str, Any] = {}
    for context in contexts:
        out.update(context)
    return out


__all__ = ["BUILTINS"]

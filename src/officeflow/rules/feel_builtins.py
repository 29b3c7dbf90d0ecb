"""The FEEL built-in functions officeflow supports (conversion, boolean, string, list, number, date).

Each is a :class:`~officeflow.rules.values.Function` with FEEL's parameter names (so named
arguments work). A built-in that gets arguments of the wrong kind returns null, as FEEL says.
Functions of FEEL that take other functions (``sort`` with a comparator) or regular expressions
beyond Python's own are not here; a model that calls a name not in :data:`BUILTINS` is refused
when it is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from officeflow.rules import temporal
from officeflow.rules.convert import feel_text
from officeflow.rules.values import (
    DECIMAL,
    Function,
    YearMonths,
    compare,
    equal,
    logical_not,
)

Impl = Callable[..., Any]
BUILTINS: dict[str, Function] = {}
_ONE = Decimal(1)


def builtin(name: str, *params: str, variadic: bool = False) -> Callable[[Impl], Impl]:
    """Register ``impl`` as the FEEL function ``name``; trailing ``?`` marks an optional parameter."""

    def register(impl: Impl) -> Impl:
        names = tuple(p.rstrip("?") for p in params)
        required = sum(1 for p in params if not p.endswith("?"))

        def call(args: Sequence[Any]) -> Any:
            if not variadic and not required <= len(args) <= len(names):
                return None
            try:
                return impl(*args)
            except (TypeError, ValueError, ArithmeticError, IndexError, OverflowError):
                return None

        BUILTINS[name] = Function(name, names, call, variadic=True)
        return impl

    return register


def _num(*values: Any) -> bool:
    return all(type(v) is Decimal for v in values)


def _items(args: Sequence[Any]) -> list[Any] | None:
    """The list a list function works on: ``f([1, 2])`` or ``f(1, 2)``."""
    if len(args) == 1 and type(args[0]) is list:
        return list(args[0])
    if len(args) == 1 and args[0] is None:
        return None
    return list(args)


# --- conversion ---------------------------------------------------------------------------------


@builtin("date", "from", "month?", "day?")
def _date(value: Any, month: Any = None, day: Any = None) -> Any:
    if month is not None or day is not None:
        if not _num(value, month, day):
            return None
        return date(int(value), int(month), int(day))
    if type(value) is str:
        return temporal.parse_date(value)
    if type(value) is datetime:
        return value.date()
    if type(value) is date:
        return value
    return None


@builtin("time", "from", "minute?", "second?", "offset?")
def _time(value: Any, minute: Any = None, second: Any = None, offset: Any = None) -> Any:
    if minute is not None:
        if not _num(value, minute, second):
            return None
        whole = int(second)
        micros = int((second - whole) * 1_000_000)
        zone = timezone(offset) if type(offset) is timedelta else None
        return time(int(value), int(minute), whole, micros, tzinfo=zone)
    if type(value) is str:
        return temporal.parse_time(value)
    if type(value) is datetime:
        return value.timetz()
    if type(value) is date:
        return time()
    if type(value) is time:
        return value
    return None


@builtin("date and time", "from", "time?")
def _date_and_time(value: Any, moment: Any = None) -> Any:
    if moment is not None:
        day = value.date() if type(value) is datetime else value
        if type(day) is not date or type(moment) is not time:
            return None
        return datetime.combine(day, moment)
    if type(value) is str:
        return temporal.parse_date_time(value)
    if type(value) is date:
        return datetime.combine(value, time())
    if type(value) is datetime:
        return value
    return None


@builtin("duration", "from")
def _duration(value: Any) -> Any:
    return temporal.parse_duration(value) if type(value) is str else None


@builtin("years and months duration", "from", "to")
def _years_months(start: Any, end: Any) -> Any:
    if type(start) not in (date, datetime) or type(end) not in (date, datetime):
        return None
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearMonths(months)


@builtin("number", "from", "grouping separator?", "decimal separator?")
def _number(value: Any, grouping: Any = None, decimal_sep: Any = None) -> Any:
    if type(value) is not str:
        return None
    if grouping is not None:
        value = value.replace(grouping, "")
    if decimal_sep is not None:
        value = value.replace(decimal_sep, ".")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", value):
        return None
    return DECIMAL.create_decimal(value)


@builtin("string", "from")
def _string(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is str:
        return value
    text = feel_text(value)
    if type(value) in (date, time, datetime, timedelta, YearMonths):
        return text[text.index('"') + 1 : -2]
    return text


# --- boolean ------------------------------------------------------------------------------------


@builtin("not", "negand")
def _not(value: Any) -> Any:
    return logical_not(value)


@builtin("is defined", "value")
def _is_defined(value: Any) -> Any:
    return value is not None


# --- string -------------------------------------------------------------------------------------


def _text(*values: Any) -> bool:
    return all(type(v) is str for v in values)


@builtin("substring", "string", "start position", "length?")
def _substring(text: Any, start: Any, length: Any = None) -> Any:
    if not _text(text) or not _num(start) or (length is not None and not _num(length)):
        return None
    chars = list(text)
    begin = int(start) - 1 if start > 0 else len(chars) + int(start)
    if begin < 0 or begin >= len(chars) + (0 if chars else 1):
        return None
    end = len(chars) if length is None else begin + int(length)
    return "".join(chars[begin:end])


@builtin("string length", "string")
def _length(text: Any) -> Any:
    return Decimal(len(text)) if _text(text) else None


@builtin("upper case", "string")
def _upper(text: Any) -> Any:
    return text.upper() if _text(text) else None


@builtin("lower case", "string")
def _lower(text: Any) -> Any:
    return text.lower() if _text(text) else None


@builtin("substring before", "string", "match")
def _before(text: Any, match: Any) -> Any:
    if not _text(text, match):
        return None
    index = text.find(match)
    return "" if index < 0 else text[:index]


@builtin("substring after", "string", "match")
def _after(text: Any, match: Any) -> Any:
    if not _text(text, match):
        return None
    index = text.find(match)
    return "" if index < 0 else text[index + len(match) :]


@builtin("contains", "string", "match")
def _contains(text: Any, match: Any) -> Any:
    return match in text if _text(text, match) else None


@builtin("starts with", "string", "match")
def _starts(text: Any, match: Any) -> Any:
    return text.startswith(match) if _text(text, match) else None


@builtin("ends with", "string", "match")
def _ends(text: Any, match: Any) -> Any:
    return text.endswith(match) if _text(text, match) else None


def _regex_flags(flags: Any) -> int:
    table = {"i": re.I, "s": re.S, "m": re.M, "x": re.X}
    value = 0
    for ch in flags or "":
        if ch not in table:
            raise ValueError(ch)
        value |= table[ch]
    return value


@builtin("matches", "input", "pattern", "flags?")
def _matches(text: Any, pattern: Any, flags: Any = None) -> Any:
    if not _text(text, pattern):
        return None
    return re.search(pattern, text, _regex_flags(flags)) is not None


@builtin("replace", "input", "pattern", "replacement", "flags?")
def _replace(text: Any, pattern: Any, replacement: Any, flags: Any = None) -> Any:
    if not _text(text, pattern, replacement):
        return None
    python_replacement = re.sub(r"\$(\d)", r"\\\1", replacement)
    return re.sub(pattern, python_replacement, text, flags=_regex_flags(flags))


@builtin("split", "string", "delimiter")
def _split(text: Any, delimiter: Any) -> Any:
    return re.split(delimiter, text) if _text(text, delimiter) else None


@builtin("string join", "list", "delimiter?")
def _join(items: Any, delimiter: Any = "") -> Any:
    if type(items) is not list or not all(type(i) is str or i is None for i in items):
        return None
    return (delimiter or "").join(i for i in items if i is not None)


# --- lists --------------------------------------------------------------------------------------


@builtin("list contains", "list", "element")
def _list_contains(items: Any, element: Any) -> Any:
    if type(items) is not list:
        return None
    return any(equal(i, element) is True for i in items)


@builtin("count", "list", variadic=True)
def _count(*args: Any) -> Any:
    items = _items(args)
    return None if items is None else Decimal(len(items))


def _extreme(args: Sequence[Any], sign: int) -> Any:
    items = _items(args)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = compare(item, best)
        if order is None:
            return None
        if order * sign > 0:
            best = item
    if len(items) == 1 and compare(best, best) is None:
        return None
    return best


@builtin("min", "list", variadic=True)
def _min(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "list", variadic=True)
def _max(*args: Any) -> Any:
    return _extreme(args, 1)


@builtin("sum", "list", variadic=True)
def _sum(*args: Any) -> Any:
    items = _items(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    total = Decimal(0)
    for item in items:
        total = DECIMAL.add(total, item)
    return total


@builtin("mean", "list", variadic=True)
def _mean(*args: Any) -> Any:
    total = _sum(*args)
    items = _items(args)
    return None if total is None or not items else DECIMAL.divide(total, Decimal(len(items)))


@builtin("product", "list", variadic=True)
def _product(*args: Any) -> Any:
    items = _items(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    total = _ONE
    for item in items:
        total = DECIMAL.multiply(total, item)
    return total


@builtin("median", "list", variadic=True)
def _median(*args: Any) -> Any:
    items = _items(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    ordered = sorted(items)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return DECIMAL.divide(DECIMAL.add(ordered[middle - 1], ordered[middle]), Decimal(2))


@builtin("stddev", "list", variadic=True)
def _stddev(*args: Any) -> Any:
    items = _items(args)
    if not items or len(items) < 2 or not all(type(i) is Decimal for i in items):
        return None
    mean = DECIMAL.divide(sum(items, Decimal(0)), Decimal(len(items)))
    square = sum((DECIMAL.power(i - mean, 2) for i in items), Decimal(0))
    return DECIMAL.sqrt(DECIMAL.divide(square, Decimal(len(items) - 1)))


@builtin("all", "list", variadic=True)
def _all(*args: Any) -> Any:
    items = _items(args)
    if items is None or any(type(i) is not bool and i is not None for i in items):
        return None
    if any(i is False for i in items):
        return False
    return None if any(i is None for i in items) else True


@builtin("any", "list", variadic=True)
def _any(*args: Any) -> Any:
    items = _items(args)
    if items is None or any(type(i) is not bool and i is not None for i in items):
        return None
    if any(i is True for i in items):
        return True
    return None if any(i is None for i in items) else False


@builtin("sublist", "list", "start position", "length?")
def _sublist(items: Any, start: Any, length: Any = None) -> Any:
    if type(items) is not list or not _num(start):
        return None
    begin = int(start) - 1 if start > 0 else len(items) + int(start)
    end = len(items) if length is None else begin + int(length)
    return items[begin:end]


@builtin("append", "list", "item", variadic=True)
def _append(items: Any, *more: Any) -> Any:
    return [*items, *more] if type(items) is list else None


@builtin("concatenate", "lists", variadic=True)
def _concatenate(*lists: Any) -> Any:
    if not all(type(i) is list for i in lists):
        return None
    return [item for items in lists for item in items]


@builtin("insert before", "list", "position", "newItem")
def _insert(items: Any, position: Any, new: Any) -> Any:
    if type(items) is not list or not _num(position):
        return None
    index = int(position) - 1 if position > 0 else len(items) + int(position)
    return [*items[:index], new, *items[index:]]


@builtin("remove", "list", "position")
def _remove(items: Any, position: Any) -> Any:
    if type(items) is not list or not _num(position):
        return None
    index = int(position) - 1 if position > 0 else len(items) + int(position)
    return [item for i, item in enumerate(items) if i != index]


@builtin("reverse", "list")
def _reverse(items: Any) -> Any:
    return list(reversed(items)) if type(items) is list else None


@builtin("index of", "list", "match")
def _index_of(items: Any, match: Any) -> Any:
    if type(items) is not list:
        return None
    return [Decimal(i + 1) for i, item in enumerate(items) if equal(item, match) is True]


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return out


@builtin("union", "lists", variadic=True)
def _union(*lists: Any) -> Any:
    if not all(type(i) is list for i in lists):
        return None
    return _distinct([item for items in lists for item in items])


@builtin("distinct values", "list")
def _distinct_values(items: Any) -> Any:
    return _distinct(items) if type(items) is list else None


@builtin("flatten", "list")
def _flatten(items: Any) -> Any:
    if type(items) is not list:
        return None
    out: list[Any] = []
    for item in items:
        out.extend(_flatten(item) if type(item) is list else [item])
    return out


@builtin("sort", "list")
def _sort(items: Any) -> Any:
    if type(items) is not list or any(compare(items[0], i) is None for i in items):
        return None
    return sorted(items)


# --- numbers ------------------------------------------------------------------------------------


def _rounded(value: Any, scale: Any, mode: str) -> Any:
    if not _num(value, scale):
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
    if not _num(dividend, divisor) or not divisor:
        return None
    return DECIMAL.subtract(dividend, DECIMAL.multiply(divisor, (dividend / divisor).to_integral_value(ROUND_FLOOR)))


@builtin("sqrt", "number")
def _sqrt(value: Any) -> Any:
    return DECIMAL.sqrt(value) if _num(value) and value >= 0 else None


@builtin("log", "number")
def _log(value: Any) -> Any:
    return DECIMAL.ln(value) if _num(value) and value > 0 else None


@builtin("exp", "number")
def _exp(value: Any) -> Any:
    return DECIMAL.exp(value) if _num(value) else None


@builtin("odd", "number")
def _odd(value: Any) -> Any:
    return value % 2 != 0 if _num(value) and value == value.to_integral_value() else None


@builtin("even", "number")
def _even(value: Any) -> Any:
    return value % 2 == 0 if _num(value) and value == value.to_integral_value() else None


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
    if type(context) is not dict or type(key) is not str:
        return None
    return {**context, key: value}

"""Between JSON-like Python data and FEEL values, both ways.

In: numbers become decimals (a float by its shortest text, so ``0.1`` is exactly 0.1), mappings
contexts, lists lists; a string stays a string unless the declared type says it is a date, time,
date-time or duration (see :func:`coerce`). Out (:func:`plain`): an integral decimal is an ``int``,
any other a ``float``; dates, times and durations are their ISO 8601 text; a range is its FEEL
text; a function its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import orjson

from officeflow.rules import temporal
from officeflow.rules.values import Function, Range, YearMonths, number


def from_json(value: Any) -> Any:
    """The FEEL value of JSON-like data."""
    kind = type(value)
    if kind is bool or value is None or kind is str:
        return value
    if kind is int or kind is float:
        return number(value)
    if isinstance(value, Mapping):
        return {str(k): from_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_json(v) for v in value]
    if isinstance(value, Decimal | date | time | timedelta | YearMonths):
        return value
    raise TypeError(f"{kind.__name__} is not a JSON value")


_PARSERS: dict[str, Any] = {
    "date": temporal.parse_date,
    "time": temporal.parse_time,
    "dateTime": temporal.parse_date_time,
    "date and time": temporal.parse_date_time,
    "dayTimeDuration": temporal.parse_duration,
    "days and time duration": temporal.parse_duration,
    "yearMonthDuration": temporal.parse_duration,
    "years and months duration": temporal.parse_duration,
    "duration": temporal.parse_duration,
}


def coerce(value: Any, base_type: str | None) -> Any:
    """A string given for a temporal type becomes that temporal value (unparseable: left as is)."""
    if type(value) is str and base_type in _PARSERS:
        parsed = _PARSERS[base_type](value)
        return value if parsed is None else parsed
    return value


def plain_number(value: Decimal) -> int | float:
    """An integral number as an int (up to 4,000 digits, Python's limit for printing one), any
    other as a float."""
    if value.is_finite() and value == value.to_integral_value() and value.adjusted() < 4000:
        return int(value)
    return float(value)


def plain(value: Any) -> Any:
    """JSON-friendly Python data for a FEEL value."""
    kind = type(value)
    if kind is Decimal:
        return plain_number(value)
    if value is None or kind is bool or kind is str or kind is int or kind is float:
        return value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if kind is datetime:
        return temporal.date_time_iso(value)
    if kind is date:
        return value.isoformat()
    if kind is time:
        return temporal.time_iso(value)
    if kind is timedelta:
        return temporal.duration_iso(value)
    if kind is YearMonths:
        return value.iso()
    if kind is Range:
        return feel_text(value)
    if kind is Function:
        return f"function {value.name}"
    return str(value)


def feel_text(value: Any) -> str:
    """The FEEL literal text of a value (used when writing DMN and in messages)."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is Decimal:
        text = format(value.normalize(), "f") if value.is_finite() else str(value)
        return text
    if kind is int or kind is float:
        return feel_text(number(value))
    if kind is str:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if kind is date:
        return f'date("{value.isoformat()}")'
    if kind is datetime:
        return f'date and time("{temporal.date_time_iso(value)}")'
    if kind is time:
        return f'time("{temporal.time_iso(value)}")'
    if kind is timedelta or kind is YearMonths:
        return f'duration("{plain(value)}")'
    if kind is list:
        return "[" + ", ".join(feel_text(v) for v in value) + "]"
    if kind is dict:
        return "{" + ", ".join(f"{feel_text(k)}: {feel_text(v)}" for k, v in value.items()) + "}"
    if kind is Range:
        low = "" if value.low is None else feel_text(value.low)
        high = "" if value.high is None else feel_text(value.high)
        if value.low is None:
            return ("<= " if value.high_closed else "< ") + high
        if value.high is None:
            return (">= " if value.low_closed else "> ") + low
        return ("[" if value.low_closed else "(") + f"{low}..{high}" + ("]" if value.high_closed else ")")
    return str(value)


def json_text(value: Any, indent: int = 2) -> str:
    """JSON text of a FEEL value with exact numbers: an integral decimal is written as an integer,
    any other decimal with all its digits (never rounded through a binary float)."""
    return _json(value, indent, 0)


def _json(value: Any, indent: int, depth: int) -> str:
    kind = type(value)
    if kind is Decimal:
        if not value.is_finite():
            return "null"
        if value == value.to_integral_value():
            return str(int(value))
        text = format(value.normalize(), "f")
        return text
    if kind is dict:
        if not value:
            return "{}"
        pad, inner = " " * (indent * depth), " " * (indent * (depth + 1))
        members = [f"{inner}{orjson.dumps(str(k)).decode()}: {_json(v, indent, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    if kind is list:
        if not value:
            return "[]"
        pad, inner = " " * (indent * depth), " " * (indent * (depth + 1))
        return "[\n" + ",\n".join(f"{inner}{_json(v, indent, depth + 1)}" for v in value) + f"\n{pad}]"
    plain_value = plain(value)
    if plain_value is not value and type(plain_value) in (dict, list):
        return _json(plain_value, indent, depth)
    return orjson.dumps(plain_value).decode()

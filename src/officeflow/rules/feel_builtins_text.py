"""FEEL built-ins: conversion (``date``, ``time``, ``duration``, ``number``, ``string``...),
boolean (``not``, ``is defined``) and string functions. A wrong kind of argument gives null."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from officeflow.rules import temporal
from officeflow.rules.convert import feel_text
from officeflow.rules.feel_registry import builtin, is_numbers
from officeflow.rules.values import DECIMAL, YearMonths, logical_not

# --- conversion ---------------------------------------------------------------------------------


@builtin("date", "from", "month?", "day?")
def _date(value: Any, month: Any = None, day: Any = None) -> Any:
    if month is not None or day is not None:
        if not is_numbers(value, month, day):
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
        if not is_numbers(value, minute, second):
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
def _number(value: Any, *separators: Any) -> Any:
    """``number(from)`` or ``number(from, grouping separator, decimal separator)``: a grouping
    separator is a space, ``,`` or ``.``, a decimal separator ``,`` or ``.``, either may be null,
    and they differ; anything else is null."""
    if type(value) is not str or len(separators) not in (0, 2):
        return None
    grouping, decimal_sep = separators if separators else (None, None)
    if grouping not in (None, " ", ",", ".") or decimal_sep not in (None, ",", "."):
        return None
    if grouping is not None and grouping == decimal_sep:
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
    if not _text(text) or not is_numbers(start) or (length is not None and not is_numbers(length)):
        return None
    chars = list(text)
    begin = int(start) - 1 if start > 0 else len(chars) + int(start)
    if begin < 0 or begin >= len(chars) + (0 if chars else 1):
        return None
    if length is not None and length < 0:
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
    if delimiter is not None and type(delimiter) is not str:
        return None
    return (delimiter or "").join(i for i in items if i is not None)

"""What FEEL values are: ``instance of`` checks against a type, and the members a value has
(``context.entry``, ``date.year``, ``duration.days``, ``range.start included``...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from officeflow.rules import feel_ast as ast
from officeflow.rules import values as v


class UnknownTypeError(ValueError):
    """``instance of`` names a type FEEL does not have (the model is refused at load)."""


_TYPE_NAMES: dict[str, tuple[type, ...]] = {
    "number": (Decimal,),
    "string": (str,),
    "boolean": (bool,),
    "date": (date,),
    "time": (time,),
    "date and time": (datetime,),
    "days and time duration": (timedelta,),
    "years and months duration": (v.YearMonths,),
    "list": (list,),
    "context": (dict,),
    "range": (v.Range,),
    "function": (v.Function,),
}


NamedTypes = Callable[[str], "Callable[[Any], bool] | None"]
"""Finds a model's own type (an item definition) by name: a check of its shape, or None."""


def type_check(ref: ast.TypeRef, named: NamedTypes | None = None) -> Callable[[Any], bool]:
    """Whether a value is an instance of a FEEL type: ``Any`` is every value but null, ``Null``
    only null; ``list<T>``/``range<T>`` check their items or ends, ``context<k: T>`` the entries
    it names (a context may have more), ``function<...>->T`` the number of parameters."""
    name = ref.name
    if name == "Any":
        return lambda x: x is not None
    if name == "Null":
        return lambda x: x is None
    kinds = _TYPE_NAMES.get(name)
    if kinds is None:
        shape = named(name) if named is not None else None
        if shape is None:
            raise UnknownTypeError(f"instance of {name}: unknown type")
        return lambda x: x is not None and shape(x)
    if name == "list" and ref.items:
        item = type_check(ref.items[0], named)
        return lambda x: type(x) is list and all(item(i) for i in x)
    if name == "range" and ref.items:
        end = type_check(ref.items[0], named)
        return lambda x: type(x) is v.Range and all(e is None or end(e) for e in (x.low, x.high))
    if name == "context" and ref.fields:
        entries = [(key, type_check(t, named)) for key, t in ref.fields]
        return lambda x: type(x) is dict and all(k in x and check(x[k]) for k, check in entries)
    if name == "function" and ref.result is not None:
        count = len(ref.items)
        return lambda x: type(x) is v.Function and (x.variadic or len(x.parameters) == count)
    return lambda x: type(x) in kinds


def member_of(value: Any, member: str) -> Any:
    """``value.member``: a context entry, each item's member for a list, or a date/duration part."""
    kind = type(value)
    if kind is dict:
        return value.get(member)
    if kind is list:
        return [member_of(item, member) for item in value]
    if value is None:
        return None
    if kind in (date, datetime):
        parts = {"year": value.year, "month": value.month, "day": value.day, "weekday": value.isoweekday()}
        if member in parts:
            return Decimal(parts[member])
    if kind in (time, datetime):
        if member in ("hour", "minute", "second"):
            return Decimal(getattr(value, member))
        if member == "time offset":
            return value.utcoffset()
        if member == "timezone":
            zone = value.tzinfo
            return getattr(zone, "key", None)
    if kind is timedelta:
        total = int(value.total_seconds())
        sign = -1 if total < 0 else 1
        days, rest = divmod(abs(total), 86400)
        parts = {"days": days, "hours": rest // 3600, "minutes": rest % 3600 // 60, "seconds": rest % 60}
        if member in parts:
            return Decimal(sign * parts[member])
    if kind is v.YearMonths:
        sign = -1 if value.months < 0 else 1
        if member == "years":
            return Decimal(sign * (abs(value.months) // 12))
        if member == "months":
            return Decimal(sign * (abs(value.months) % 12))
    if kind is v.Range:
        parts = {
            "start": value.low,
            "end": value.high,
            "start included": value.low_closed,
            "end included": value.high_closed,
        }
        return parts.get(member)
    return None

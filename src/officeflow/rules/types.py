"""Type references (``typeRef``) and item definitions: resolving them, coercing inputs, checking values.

A type is a FEEL base type (``number``, ``string``, ``boolean``, ``date``, ``time``,
``dateTime``, ``dayTimeDuration``, ``yearMonthDuration``, ``context``, ``list``, ``Any``), or an
item definition of the model: a base type narrowed by allowed values, a structure of components,
or a collection of either. Prefixes (``feel:number``, ``tns:tLoan``) are dropped; Camunda's
``integer``, ``long`` and ``double`` are numbers. A value that does not conform to its declared
type is null, with an error on the evaluation (DMN's rule for type mismatches).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from officeflow.rules.convert import coerce
from officeflow.rules.model import ItemDefinition
from officeflow.rules.values import Function, Range, YearMonths

BASE_TYPES: dict[str, str] = {
    "number": "number",
    "integer": "number",
    "int": "number",
    "long": "number",
    "double": "number",
    "decimal": "number",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "dateTime": "dateTime",
    "date and time": "dateTime",
    "dayTimeDuration": "dayTimeDuration",
    "days and time duration": "dayTimeDuration",
    "yearMonthDuration": "yearMonthDuration",
    "years and months duration": "yearMonthDuration",
    "duration": "duration",
    "Any": "Any",
    "any": "Any",
    "context": "context",
    "list": "list",
    "function": "function",
    "range": "range",
}
_PYTHON: dict[str, tuple[type, ...]] = {
    "number": (Decimal,),
    "string": (str,),
    "boolean": (bool,),
    "date": (date,),
    "time": (time,),
    "dateTime": (datetime,),
    "dayTimeDuration": (timedelta,),
    "yearMonthDuration": (YearMonths,),
    "duration": (timedelta, YearMonths),
    "context": (dict,),
    "list": (list,),
    "function": (Function,),
    "range": (Range,),
}


def local_name(type_ref: str) -> str:
    """``feel:number`` -> ``number``; names with spaces have no prefix."""
    text = type_ref.strip()
    if ":" in text and " " not in text.split(":", 1)[0]:
        return text.split(":", 1)[1]
    return text


@dataclass(frozen=True)
class Type:
    """A resolved type: a base type, components (a structure), a collection, allowed values."""

    name: str
    base: str | None = None
    components: Mapping[str, Type] | None = None
    collection: bool = False
    allowed: Callable[[Any, dict[str, Any]], bool] | None = None
    allowed_text: str | None = None

    def coerce(self, value: Any) -> Any:
        """Strings given for temporal types parsed, through structures and collections."""
        if value is None or (type(value) is not str and self.components is None and not self.collection):
            return value
        if self.collection:
            if type(value) is list:
                element = Type(self.name, self.base, self.components)
                return [element.coerce(item) for item in value]
            return value
        if self.components is not None and type(value) is dict:
            return {k: (self.components[k].coerce(x) if k in self.components else x) for k, x in value.items()}
        return coerce(value, self.base)

    def conforms(self, value: Any) -> bool:
        if value is None:
            return True
        if self.components is None and not self.collection and self.allowed is None:
            kinds = _PYTHON.get(self.base or "")
            return kinds is None or type(value) in kinds
        if self.collection:
            if type(value) is not list:
                return False
            element = Type(self.name, self.base, self.components, False, self.allowed)
            return all(element.conforms(item) for item in value)
        if self.components is not None:
            if type(value) is not dict:
                return False
            return all(t.conforms(value.get(k)) for k, t in self.components.items())
        if self.base is not None and self.base != "Any":
            kinds = _PYTHON.get(self.base)
            if kinds is not None and type(value) not in kinds:
                return False
        return not (self.allowed is not None and not self.allowed(value, {}))

    def has_shape_of(self, value: Any) -> bool:
        """Whether a value has this type's kind and structure, allowed values aside (what
        ``instance of`` asks: ``256 instance of t255`` is true for a number type limited to
        0..255)."""
        if value is None:
            return False
        if self.collection:
            element = Type(self.name, self.base, self.components)
            return type(value) is list and all(item is None or element.has_shape_of(item) for item in value)
        if self.components is not None:
            return type(value) is dict and all(
                value.get(k) is None or t.has_shape_of(value[k]) for k, t in self.components.items()
            )
        kinds = _PYTHON.get(self.base or "")
        return kinds is None or type(value) in kinds

    def describe(self) -> str:
        text = self.name
        if self.allowed_text:
            text += f" (allowed: {self.allowed_text})"
        return text


ANY = Type("Any", "Any")


class TypeSystem:
    """The types of one model; ``compile_allowed`` turns allowed-values text into a test."""

    def __init__(
        self,
        items: Mapping[str, ItemDefinition],
        compile_allowed: Callable[[str, str], Callable[[Any, dict[str, Any]], bool] | None],
    ) -> None:
        self._items = items
        self._compile_allowed = compile_allowed
        self._resolved: dict[str, Type | None] = {}

    def resolve(self, type_ref: str | None) -> Type | None:
        """The type a typeRef names; None when it names nothing known."""
        if type_ref is None or not type_ref.strip():
            return ANY
        name = local_name(type_ref)
        if name in self._resolved:
            return self._resolved[name]
        self._resolved[name] = None  # a type defined through itself stays unknown
        resolved = self._resolve(name)
        self._resolved[name] = resolved
        return resolved

    def shape_check(self, name: str) -> Callable[[Any], bool] | None:
        """For ``instance of`` an item definition: the check of its shape, or None if the model
        does not define ``name``."""
        if name not in self._items:
            return None
        resolved = self.resolve(name)
        return resolved.has_shape_of if resolved is not None else None

    def _resolve(self, name: str) -> Type | None:
        item = self._items.get(name)
        if item is None:
            base = BASE_TYPES.get(name)
            return Type(name, base) if base else None
        return self._item(item)

    def _item(self, item: ItemDefinition) -> Type | None:
        allowed = self._compile_allowed(item.allowed.text, item.name) if item.allowed else None
        allowed_text = item.allowed.text if item.allowed else None
        if item.components:
            parts: dict[str, Type] = {}
            for component in item.components:
                resolved = self._item(component)
                if resolved is None:
                    return None
                parts[component.name] = resolved
            return Type(item.name, "context", parts, item.is_collection, allowed, allowed_text)
        inner = self.resolve(item.type_ref) if item.type_ref else ANY
        if inner is None:
            return None
        return Type(
            item.name,
            inner.base,
            inner.components,
            item.is_collection or inner.collection,
            allowed or inner.allowed,
            allowed_text or inner.allowed_text,
        )

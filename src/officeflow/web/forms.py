"""HTML forms generated from a JSON Schema, and the values read back from a submitted form.

Objects become fieldsets; strings, numbers, integers and booleans become inputs (an ``enum``, a
select; ``format: date``, a date input; ``format: file``, a file upload whose value is the stored
file's id; ``maxLength`` over 200, a text area); anything else
(arrays, untyped values) is edited as JSON. Field names are JSON pointers (``/vendor/name``), so
the values read back have the schema's shape and an error found by the schema check points at
the input it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from officeflow import safeyaml
from officeflow.errors import Problem
from officeflow.jsonutil import child_pointer

MAX_DEPTH = 6


@dataclass
class FormField:
    name: str
    """The JSON pointer of the value (``/amount``), also the input's name."""
    label: str
    widget: str
    """text, textarea, number, integer, checkbox, select, date, file, json, or group (a fieldset)."""
    value: Any = None
    required: bool = False
    help: str | None = None
    options: list[Any] = field(default_factory=list)
    error: str | None = None
    children: list[FormField] = field(default_factory=list)
    depth: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return "f" + self.name.replace("/", "-").replace("~", "_")

    @property
    def shown(self) -> str:
        """The value as the input shows it."""
        if self.widget == "json":
            return "" if self.value is None else orjson.dumps(self.value, option=orjson.OPT_INDENT_2).decode()
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer() and self.widget in ("number", "integer"):
            return str(int(self.value))
        return str(self.value)


def _label(key: str, spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, str) and title:
        return title
    return key.replace("_", " ").replace("-", " ").strip().capitalize() or key


def _pointer(parent: str, key: str) -> str:
    return child_pointer(parent, key)


def fields(schema: dict[str, Any], values: Any, errors: dict[str, str] | None = None) -> list[FormField]:
    """The form of ``schema``'s properties, filled with ``values``; ``errors`` by pointer."""
    return _object(schema, values if isinstance(values, dict) else {}, "", errors or {}, 0)


def _object(
    schema: dict[str, Any], values: dict[str, Any], base: str, errors: dict[str, str], depth: int
) -> list[FormField]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out: list[FormField] = []
    for key, raw_spec in properties.items():
        spec = raw_spec if isinstance(raw_spec, dict) else {}
        name = _pointer(base, key)
        out.append(_field(key, spec, values.get(key), name, key in required, errors, depth))
    for key, value in values.items():  # values the schema does not describe stay editable
        if key not in properties:
            name = _pointer(base, key)
            out.append(FormField(name=name, label=_label(key, {}), widget="json", value=value, error=errors.get(name)))
    return out


def _field(
    key: str, spec: dict[str, Any], value: Any, name: str, required: bool, errors: dict[str, str], depth: int
) -> FormField:
    kind = spec.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    help_text = spec.get("description") if isinstance(spec.get("description"), str) else None
    common: dict[str, Any] = {
        "name": name,
        "label": _label(key, spec),
        "value": value,
        "required": required,
        "help": help_text,
        "error": errors.get(name),
        "depth": depth,
    }
    if kind == "object" and depth < MAX_DEPTH and isinstance(spec.get("properties"), dict):
        children = _object(spec, value if isinstance(value, dict) else {}, name, errors, depth + 1)
        return FormField(**{**common, "value": None}, widget="group", children=children)
    if isinstance(spec.get("enum"), list):
        return FormField(**common, widget="select", options=list(spec["enum"]))
    if kind == "boolean":
        return FormField(**common, widget="checkbox")
    if kind in ("number", "integer"):
        attrs = {k: spec[k] for k in ("minimum", "maximum") if isinstance(spec.get(k), int | float)}
        return FormField(**common, widget=str(kind), attrs=attrs)
    if kind == "string":
        if spec.get("format") == "date":
            return FormField(**common, widget="date")
        if spec.get("format") == "file":
            return FormField(**common, widget="file")
        limit = spec.get("maxLength")
        attrs = {"maxlength": limit} if isinstance(limit, int) else {}
        widget = "textarea" if isinstance(limit, int) and limit > 200 else "text"
        return FormField(**common, widget=widget, attrs=attrs)
    return FormField(**common, widget="json")


def read(schema: dict[str, Any], form: dict[str, str], previous: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The values a submitted form holds (in the schema's shape), and what could not be read.
    A checkbox that is absent from the form is false; an empty text input leaves the value out."""
    problems: list[Problem] = []
    values = _read_object(schema, form, "", previous if isinstance(previous, dict) else {}, problems, 0)
    return values, problems


def _read_object(
    schema: dict[str, Any],
    form: dict[str, str],
    base: str,
    previous: dict[str, Any],
    problems: list[Problem],
    depth: int,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    properties = schema.get("properties") or {}
    for key, raw_spec in properties.items():
        spec = raw_spec if isinstance(raw_spec, dict) else {}
        name = _pointer(base, key)
        kind = spec.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        if kind == "object" and depth < MAX_DEPTH and isinstance(spec.get("properties"), dict):
            inner = previous.get(key)
            out[key] = _read_object(spec, form, name, inner if isinstance(inner, dict) else {}, problems, depth + 1)
            continue
        if kind == "boolean" and not isinstance(spec.get("enum"), list):
            out[key] = form.get(name) in ("on", "true", "1")
            continue
        raw = form.get(name)
        if raw is None:
            if key in previous:
                out[key] = previous[key]
            continue
        parsed = _parse(raw, spec, kind, name, problems)
        if parsed is not _MISSING:
            out[key] = parsed
    for key, value in previous.items():
        if key not in properties:
            name = _pointer(base, key)
            raw = form.get(name)
            out[key] = value if raw is None else _json(raw, name, problems, value)
    return out


_MISSING = object()


def _parse(raw: str, spec: dict[str, Any], kind: Any, name: str, problems: list[Problem]) -> Any:
    text = raw.strip()
    if isinstance(spec.get("enum"), list):
        if text == "":
            return _MISSING
        for option in spec["enum"]:
            if str(option) == text:
                return option
        problems.append(Problem(pointer=name, message=f"'{text}' is not one of the choices"))
        return _MISSING
    if kind in ("number", "integer"):
        if text == "":
            return _MISSING
        try:
            if kind == "integer":
                return int(text)
            number = float(text.replace(",", "."))
        except ValueError:
            what = "a whole number" if kind == "integer" else "a number"
            problems.append(Problem(pointer=name, message=f"'{text}' is not {what}"))
            return _MISSING
        if number.is_integer() and "." not in text and "," not in text:
            return int(number)
        return number
    if kind == "string" or spec.get("format") == "date":
        return _MISSING if text == "" else raw
    return _json(raw, name, problems, _MISSING)


def _json(raw: str, name: str, problems: list[Problem], default: Any) -> Any:
    if not raw.strip():
        return _MISSING if default is _MISSING else None
    try:
        return safeyaml.load_json(raw, name)
    except safeyaml.DocumentRefused as exc:
        found = exc.problems[0]
        problems.append(Problem(pointer=name, message=found.message, expected=found.expected))
        return default


def file_fields(schema: dict[str, Any], base: str = "", depth: int = 0) -> list[str]:
    """Pointers of the schema's file inputs (``format: file``)."""
    out: list[str] = []
    for key, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        name = _pointer(base, key)
        if spec.get("format") == "file":
            out.append(name)
        elif spec.get("type") == "object" and depth < MAX_DEPTH:
            out += file_fields(spec, name, depth + 1)
    return out

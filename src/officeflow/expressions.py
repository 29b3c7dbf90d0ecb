"""CEL expressions and templated values, compiled once and cached.

A *value* in a definition (a step ``input``, a workflow ``output``, a switch condition) is one of:

- a string: a CEL expression, e.g. ``steps.extract.output.total * 1.2``;
- a string with ``${...}``: a template; each ``${expr}`` is CEL and the rest is text.
  A string that is exactly ``${expr}`` yields the expression's value, typed;
- a mapping or a list: each member is a value, evaluated recursively;
- a number, a boolean or null: itself.

Expressions see the variables ``input`` (the run input), ``steps`` (``steps.<id>.output``,
``steps.<id>.iteration``) and ``run`` (``id``, ``workflow``, ``version``, ``tenant``); some places
add their own (a step's successor conditions see ``output``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import cel

from officeflow.errors import ExpressionError

STEP_VARIABLES = ("input", "steps", "run")
_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")
_STEP_REF = re.compile(r"""\bsteps\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([^"']+)["']\s*\])""")
_TEMPLATE = re.compile(r"\$\{(.*?)\}", re.S)


@dataclass(frozen=True)
class CompileFailure:
    """Where a CEL expression failed to compile, relative to the expression's own text."""

    line: int
    column: int
    reason: str


class Expr:
    """One compiled CEL expression."""

    __slots__ = ("_path", "_program", "source", "variables")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._program = cel.compile(source)
        except ValueError as exc:
            failure = _failure(str(exc))
            raise ExpressionError(f"bad CEL `{source}` at column {failure.column}: {failure.reason}") from None
        self.variables: frozenset[str] = frozenset(self._program.variables())
        path = tuple(source.strip().split("."))
        self._path = path if _REFERENCE.fullmatch(source.strip()) and path[0] not in _LITERALS else None
        """``a.b.c``, a plain reference: read straight from the variables (see _reference)."""

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        if self._path is not None:
            value = _reference(variables, self._path)
            if value is not _MISSING:
                return value
        try:
            # Only the variables the expression reads cross into CEL (each is converted per call).
            used = {name: variables[name] for name in self.variables if name in variables}
            return _plain(self._program.execute(used))
        except KeyError as exc:
            raise ExpressionError(f"`{self.source}`: no key {exc.args[0]!r} in the data it reads") from None
        except Exception as exc:
            raise ExpressionError(f"`{self.source}`: {exc}") from None

    def step_references(self) -> set[str]:
        return step_references(self.source)

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"


_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_LITERALS = frozenset({"true", "false", "null"})
_MISSING = object()
_INT64 = (-(2**63), 2**63 - 1)


def _reference(variables: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value a plain reference (``event.id``, ``input.amount``) names, when CEL would give
    exactly it: a string, a boolean, null, a float or a 64-bit integer found by map lookups.
    Anything else (a missing key, a list, a map, a large integer) is _MISSING, and CEL evaluates
    the expression, with its own conversions and errors. Passing a whole event into CEL costs
    more than the rest of a trigger; most keys and conditions read one field."""
    value: Any = variables.get(path[0], _MISSING)
    for name in path[1:]:
        if type(value) is not dict:
            return _MISSING
        value = value.get(name, _MISSING)
    kind = type(value)
    if kind is str or kind is bool or kind is float or value is None:
        return value
    if kind is int and _INT64[0] <= value <= _INT64[1]:
        return value
    return _MISSING


def _failure(message: str) -> CompileFailure:
    match = _POSITION.search(message)
    if not match:
        return CompileFailure(1, 1, message.strip().splitlines()[0])
    return CompileFailure(int(match.group(1)), int(match.group(2)), match.group(3).strip())


def compile_failure(source: str) -> CompileFailure | None:
    """None when ``source`` compiles; otherwise where and why it does not."""
    try:
        cel.compile(source)
    except ValueError as exc:
        return _failure(str(exc))
    return None


def step_references(source: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in _STEP_REF.finditer(source)}


@lru_cache(maxsize=8192)
def compile_expr(source: str) -> Expr:
    return Expr(source)


def _plain(value: Any) -> Any:
    """CEL results as JSON-friendly Python: timestamps become ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Value:
    """A compiled definition value (see the module docstring)."""

    raw: Any
    _kind: str = field(repr=False)
    _expr: Expr | None = field(default=None, repr=False)
    _parts: tuple[Any, ...] = field(default=(), repr=False)

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        kind = self._kind
        if kind == "expr":
            assert self._expr is not None
            return self._expr.evaluate(variables)
        if kind == "literal":
            return self.raw
        if kind == "template":
            out = []
            for part in self._parts:
                if isinstance(part, Expr):
                    result = part.evaluate(variables)
                    out.append(result if isinstance(result, str) else _text(result))
                else:
                    out.append(part)
            return "".join(out)
        if kind == "map":
            return {k: v.evaluate(variables) for k, v in self._parts}
        return [v.evaluate(variables) for v in self._parts]

    def expressions(self) -> Iterable[tuple[tuple[str | int, ...], Expr]]:
        """Every compiled expression inside, with its path relative to this value."""
        if self._expr is not None:
            yield (), self._expr
        elif self._kind == "template":
            for part in self._parts:
                if isinstance(part, Expr):
                    yield (), part
        elif self._kind == "map":
            for key, sub in self._parts:
                for path, expr in sub.expressions():
                    yield (key, *path), expr
        elif self._kind == "list":
            for index, sub in enumerate(self._parts):
                for path, expr in sub.expressions():
                    yield (index, *path), expr


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def compile_value(raw: Any) -> Value:
    """Compile a definition value; raises ExpressionError naming the failing member."""
    if isinstance(raw, str):
        return _compile_text(raw) if "${" in raw else Value(raw, "expr", compile_expr(raw))
    if isinstance(raw, Mapping):
        members = []
        for key, sub in raw.items():
            try:
                members.append((str(key), compile_value(sub)))
            except ExpressionError as exc:
                raise ExpressionError(f"in '{key}': {exc.message}") from None
        return Value(dict(raw), "map", None, tuple(members))
    if isinstance(raw, list):
        items = []
        for index, sub in enumerate(raw):
            try:
                items.append(compile_value(sub))
            except ExpressionError as exc:
                raise ExpressionError(f"in [{index}]: {exc.message}") from None
        return Value(list(raw), "list", None, tuple(items))
    if raw is None or isinstance(raw, bool | int | float):
        return Value(raw, "literal")
    raise ExpressionError(f"{type(raw).__name__} is not a value; expected a CEL string, a mapping, a list or a literal")


def _compile_text(raw: str) -> Value:
    """A string with ``${...}``: one expression if that is all it is, else a template of text and
    expressions."""
    whole = _TEMPLATE.fullmatch(raw.strip())
    if whole:
        return Value(raw, "expr", compile_expr(whole.group(1).strip()))
    parts: list[Any] = []
    pos = 0
    for match in _TEMPLATE.finditer(raw):
        if match.start() > pos:
            parts.append(raw[pos : match.start()])
        parts.append(compile_expr(match.group(1).strip()))
        pos = match.end()
    if pos < len(raw):
        parts.append(raw[pos:])
    return Value(raw, "template", None, tuple(parts))


def evaluate_condition(expr: Expr, variables: Mapping[str, Any]) -> bool:
    result = expr.evaluate(variables)
    if not isinstance(result, bool):
        raise ExpressionError(
            f"`{expr.source}` gave {type(result).__name__} {result!r}; a condition must give true or false"
        )
    return result

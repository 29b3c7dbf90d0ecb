"""Cells and expressions written in CEL (the YAML form's expressions), compiled once with ``cel``.

A CEL input entry is a boolean expression over the table's inputs (``amount > 100 && vip``); it
matches when it gives true. A CEL output entry or input expression gives a value. CEL sees FEEL
values converted: every number as a double (so ``amount * 0.02`` and ``amount > 100`` work
whatever the amount; write ``amount * 2.0``, not ``amount * 2``), a date as its ISO text, a
date-time as a timestamp, a days-and-time duration as a duration. A CEL evaluation error (say,
``null > 100``) gives null, as a FEEL comparison with null does: the cell does not match.
Names are checked when the cell is compiled: a name the table does not provide is refused then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import cel

from officeflow.expressions import compile_failure
from officeflow.rules.convert import from_json
from officeflow.rules.feel_compile import CompileError, Evaluator, Scope
from officeflow.rules.values import YearMonths


def to_cel(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        return float(value)
    if kind is dict:
        return {k: to_cel(x) for k, x in value.items()}
    if kind is list:
        return [to_cel(x) for x in value]
    if kind is datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if kind is date:
        return value.isoformat()
    if kind is YearMonths:
        return value.iso()
    return value


def _from_cel(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    try:
        return from_json(value)
    except TypeError:
        return None


def compile_cel(text: str, names: Iterable[str]) -> tuple[Evaluator, frozenset[str]]:
    """A CEL expression as an evaluator over a FEEL scope, and the names it reads."""
    try:
        program = cel.compile(text)
    except ValueError:
        failure = compile_failure(text)
        where = f" at column {failure.column}" if failure else ""
        reason = failure.reason if failure else "does not compile"
        raise CompileError(f"bad CEL `{text}`{where}: {reason}") from None
    used = frozenset(program.variables())
    unknown = sorted(used - set(names))
    if unknown:
        raise CompileError(f"unknown name{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} in CEL")
    execute: Callable[[dict[str, Any]], Any] = program.execute

    def run(scope: Scope) -> Any:
        try:
            return _from_cel(execute({name: to_cel(scope.get(name)) for name in used}))
        except Exception:
            return None

    return run, used

"""The registry of FEEL built-in functions: the decorator that adds one, and shared helpers.

The functions themselves live in feel_builtins_text.py (conversion, boolean, string),
feel_builtins_lists.py (lists) and feel_builtins.py (numbers, dates, contexts), which also
imports the other two so that importing it fills :data:`BUILTINS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from officeflow.rules.values import Function

Impl = Callable[..., Any]
BUILTINS: dict[str, Function] = {}


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
            except (TypeError, ValueError, ArithmeticError, IndexError, KeyError, AttributeError, re.error):
                return None  # FEEL's answer to arguments a function cannot use (a bad pattern too)

        BUILTINS[name] = Function(name, names, call, variadic=True)
        return impl

    return register


def is_numbers(*values: Any) -> bool:
    return all(type(v) is Decimal for v in values)


def items_of(args: Sequence[Any]) -> list[Any] | None:
    """The list a list function works on: ``f([1, 2])`` or ``f(1, 2)``."""
    if len(args) == 1 and type(args[0]) is list:
        return list(args[0])
    if len(args) == 1 and args[0] is None:
        return None
    return list(args)

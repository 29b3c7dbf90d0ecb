"""Which step kinds and handlers an engine knows: the built-ins plus the user's extensions."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any

from officeflow.errors import ConfigurationError
from officeflow.steps.base import (
    HandlerSpec,
    KindEnvironment,
    StepKind,
    handler_mark,
    kind_mark,
)


class Registry:
    """Step kinds and task handlers, collected from modules, functions and classes.

    ``Registry([my_handlers_module])`` registers every function marked with ``@handler`` and
    every class marked with ``@step_kind`` found in the module (or passed directly).
    ``handlers_known`` is False when no user extensions were given: definitions then cannot be
    checked for missing handlers.
    """

    def __init__(
        self,
        extensions: Iterable[object] = (),
        *,
        now: Callable[[], float] | None = None,
        builtins: bool = True,
        secrets: Callable[[str, str], str] | None = None,
        http_allow: Iterable[str] = (),
    ) -> None:
        import time

        self.kind_classes: dict[str, type[StepKind]] = {}
        self.handlers: dict[str, HandlerSpec] = {}
        if builtins:
            from officeflow.steps import BUILTIN_KINDS

            for cls in BUILTIN_KINDS:
                self._add(cls)
        extensions = list(extensions)
        self.handlers_known = bool(extensions)
        for ext in extensions:
            self._add(ext)
        self.env = KindEnvironment(
            handlers=self.handlers, now=now or time.time, secrets=secrets or _no_secrets, http_allow=tuple(http_allow)
        )
        self.kinds: dict[str, StepKind] = {n: c(self.env) for n, c in self.kind_classes.items()}

    def _add(self, obj: object) -> None:
        if isinstance(obj, types.ModuleType):
            for value in list(vars(obj).values()):
                if kind_mark(value) or handler_mark(value):
                    self._add(value)
            return
        name = kind_mark(obj)
        if name is not None:
            assert isinstance(obj, type)
            self._put(self.kind_classes, name, obj, "step kind")
            return
        spec = handler_mark(obj)
        if spec is not None:
            existing = self.handlers.get(spec.name)
            if existing is not None and existing.fn is not spec.fn:
                raise ConfigurationError(
                    f"handler '{spec.name}' is registered twice: {_where(existing.fn)} and {_where(spec.fn)}"
                )
            self.handlers[spec.name] = spec
            return
        raise ConfigurationError(f"{obj!r} is not a module, an @handler function or a @step_kind class")

    @staticmethod
    def _put(table: dict[str, Any], name: str, value: Any, what: str) -> None:
        existing = table.get(name)
        if existing is not None and existing is not value:
            raise ConfigurationError(f"{what} '{name}' is registered twice: {existing!r} and {value!r}")
        table[name] = value

    def kind(self, name: str) -> StepKind | None:
        return self.kinds.get(name)


def _no_secrets(tenant: str, name: str) -> str:
    raise ConfigurationError(f"no secret store: cannot read secret '{name}'")


def _where(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"

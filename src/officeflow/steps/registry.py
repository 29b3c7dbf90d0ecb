"""Which step kinds and handlers an engine knows: the kinds it is given plus the user's extensions,
and which kind owns each job kind."""

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
from officeflow.steps.core import CORE_KINDS
from officeflow.store.records import JobKind

ENGINE_JOB_KINDS = frozenset(str(k) for k in JobKind)
"""Job kinds the engine handles itself; no step kind may own them."""


class Registry:
    """Step kinds and task handlers, collected from modules, functions and classes.

    ``Registry([my_handlers_module])`` registers every function marked with ``@handler`` and
    every class marked with ``@step_kind`` found in the module (or passed directly).
    ``handlers_known`` is False when no user extensions were given: definitions then cannot be
    checked for missing handlers.

    ``kinds`` are the built-in kinds, given by whoever builds the engine: by default the core
    kinds of :mod:`officeflow.steps`; :data:`officeflow.kinds.BUILTIN_KINDS` adds the ``human``
    kind of :mod:`officeflow.tasks`. A kind's ``job_kinds`` are its own: two kinds owning one job
    kind, or a kind owning one of the engine's, is a configuration error.
    """

    def __init__(
        self,
        extensions: Iterable[object] = (),
        *,
        kinds: Iterable[type[StepKind]] | None = None,
        now: Callable[[], float] | None = None,
        secrets: Callable[[str, str], str] | None = None,
        http_allow: Iterable[str] = (),
    ) -> None:
        import time

        self.kind_classes: dict[str, type[StepKind]] = {}
        self.handlers: dict[str, HandlerSpec] = {}
        for cls in CORE_KINDS if kinds is None else kinds:
            self._add(cls)
        extensions = list(extensions)
        self.handlers_known = bool(extensions)
        for ext in extensions:
            self._add(ext)
        self.env = KindEnvironment(
            handlers=self.handlers, now=now or time.time, secrets=secrets or _no_secrets, http_allow=tuple(http_allow)
        )
        self.kinds: dict[str, StepKind] = {n: c(self.env) for n, c in self.kind_classes.items()}
        self.job_owners: dict[str, StepKind] = job_owners(self.kinds.values())
        self.ending: frozenset[str] = frozenset(
            name for name, kind in self.kinds.items() if type(kind).run_ended is not StepKind.run_ended
        )
        """Kinds that clean up when a run ends (the others need not be asked)."""

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

    def job_owner(self, job_kind: str) -> StepKind | None:
        """The step kind that handles fired jobs of ``job_kind`` (None: the engine's own, or unknown)."""
        return self.job_owners.get(job_kind)


def job_owners(kinds: Iterable[StepKind]) -> dict[str, StepKind]:
    """Map each job kind to the step kind that owns it; refuses an engine job kind or two owners."""
    owners: dict[str, StepKind] = {}
    for kind in kinds:
        for job_kind in kind.job_kinds:
            if job_kind in ENGINE_JOB_KINDS:
                raise ConfigurationError(
                    f"step kind '{kind.name}' claims job kind '{job_kind}', which is the engine's own"
                )
            existing = owners.get(job_kind)
            if existing is not None and existing is not kind:
                raise ConfigurationError(
                    f"job kind '{job_kind}' is owned by two step kinds: '{existing.name}' and '{kind.name}'"
                )
            owners[job_kind] = kind
    return owners


def _no_secrets(tenant: str, name: str) -> str:
    raise ConfigurationError(f"no secret store: cannot read secret '{name}'")


def _where(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"

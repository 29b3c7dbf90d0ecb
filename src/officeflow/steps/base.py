"""The extension point for step kinds, and what a kind hands back to the engine.

A step kind is a class decorated with :func:`step_kind`. It names a pydantic ``Config`` (the fields
the step takes in a definition) and either

- subclasses :class:`ActivityKind` and implements ``execute``: it runs in a worker, outside any
  transaction, at least once, with the step's retry policy (``task``, ``http``); or
- subclasses :class:`ControlKind` and implements ``enter``: it runs inside the engine's
  transaction, with a :class:`~officeflow.steps.port.StepPort` on its new position, and either
  returns one of the engine's core :data:`Directive` s (go to, fork, wait for a signal, sleep,
  start a child run, finish) or acts through the port and returns None (``human`` opens a task
  and waits for it).

Every kind may also own job kinds (``job_kinds``, fired into ``job_fired``), clean up when a run
ends (``run_ended``), and say what moving a position onto one of its steps takes
(``migration_problems``, ``migrate``). The engine knows kinds only through these hooks and the
registry; the built-in kinds are registered through this same decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, NamedTuple, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator

from officeflow.durations import parse_duration
from officeflow.errors import ExpressionError
from officeflow.expressions import Expr, Value, compile_expr, compile_value
from officeflow.retry import RetryPolicy

if TYPE_CHECKING:
    from officeflow.steps.port import Position, RunEnd, RunPort, StepPort
    from officeflow.store.records import Job


def _value(raw: Any) -> Value:
    if isinstance(raw, Value):
        return raw
    try:
        return compile_value(raw)
    except ExpressionError as exc:
        raise ValueError(exc.message) from None


def _expr(raw: Any) -> Expr:
    if isinstance(raw, Expr):
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"expected a CEL expression (a string), got {type(raw).__name__}")
    try:
        return compile_expr(raw)
    except ExpressionError as exc:
        raise ValueError(exc.message) from None


def _duration(raw: Any) -> float:
    return parse_duration(raw)


ValueField = Annotated[Value, PlainValidator(_value), PlainSerializer(lambda v: v.raw)]
"""A definition value: CEL, template, or a mapping/list of them (see officeflow.expressions)."""
ExprField = Annotated[Expr, PlainValidator(_expr), PlainSerializer(lambda e: e.source)]
"""A single CEL expression."""
Duration = Annotated[float, PlainValidator(_duration)]
"""Seconds, written as 30s, 10m, 1h30m, PT10M or a number."""
StepId = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class RetrySpec(BaseModel):
    """``retry:`` of a step or of the definition's ``defaults``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(3, ge=1, le=1000)
    backoff: Literal["exponential", "fixed"] = "exponential"
    initial: Duration = 1.0
    multiplier: float = Field(2.0, ge=1.0, le=10.0)
    max_delay: Duration = 300.0
    jitter: float = Field(0.2, ge=0.0, le=1.0)
    non_retryable: tuple[str, ...] = ()

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.attempts,
            initial_delay=self.initial,
            multiplier=self.multiplier,
            max_delay=self.max_delay,
            jitter=self.jitter,
            backoff=self.backoff,
            non_retryable=self.non_retryable,
        )


class Edge(NamedTuple):
    """A successor named by a step, and the field (path inside the step) that names it."""

    target: str
    path: tuple[str | int, ...]


class StepConfig(BaseModel):
    """Fields every step has. Kinds subclass this with their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    title: str | None = None
    description: str | None = None

    def edges(self) -> list[Edge]:
        """Steps this step may go to (not counting parallel branches)."""
        return []

    def branch_starts(self) -> list[Edge]:
        """First steps of the parallel branches this step forks (parallel only)."""
        return []

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        """Every expression-bearing field, with its path, for static checks."""
        return ()

    @property
    def ends_workflow(self) -> bool:
        return False


class ActivityConfig(StepConfig):
    """Fields of steps that run in a worker."""

    next: StepId | None = None
    input: ValueField | None = None
    retry: RetrySpec | None = None
    timeout: Duration | None = None
    queue: str | None = None

    def edges(self) -> list[Edge]:
        return [Edge(self.next, ("next",))] if self.next else []

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.input is not None:
            yield ("input",), self.input


@dataclass(frozen=True, kw_only=True)
class StepContext:
    """What a handler knows about the step it runs."""

    run_id: str
    tenant: str
    workflow: str
    version: int
    step_id: str
    iteration: int
    attempt: int
    idempotency_key: str
    """Stable across retries and crashes of this step invocation: pass it to side effects."""
    deadline: float | None
    run_input: Any
    steps: Mapping[str, Any]
    """Outputs of earlier steps, by step id."""
    log: structlog.typing.FilteringBoundLogger


# Directives a control kind returns from enter().


@dataclass(frozen=True, kw_only=True)
class Goto:
    """Record ``output`` as the step's result and go to ``target`` (None: end of the scope)."""

    target: str | None
    output: Any = None


@dataclass(frozen=True, kw_only=True)
class Fork:
    """Start every branch; continue at the step's ``next`` when all have ended."""

    branches: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AwaitSignal:
    """Wait for the signal ``name``; after ``timeout`` seconds go to ``on_timeout`` (or fail)."""

    name: str
    timeout: float | None = None
    on_timeout: str | None = None


@dataclass(frozen=True, kw_only=True)
class Sleep:
    """Continue at ``until`` (epoch seconds)."""

    until: float


@dataclass(frozen=True, kw_only=True)
class StartChild:
    """Start a run of ``workflow`` (``version`` or the latest) and wait for it to end."""

    workflow: str
    version: int | None
    input: Any


@dataclass(frozen=True, kw_only=True)
class Finish:
    """End the run with ``output`` (None: the definition's ``output``, or the last result)."""

    output: Any = None
    has_output: bool = False


Directive = Goto | Fork | AwaitSignal | Sleep | StartChild | Finish
"""The engine's primitives a control kind may return from ``enter``."""


@dataclass(frozen=True, kw_only=True)
class KindEnvironment:
    """What the engine lends to step kinds."""

    handlers: Mapping[str, HandlerSpec]
    now: Callable[[], float]
    secrets: Callable[[str, str], str]
    """``secrets(tenant, name)``: a stored secret's value (for credentials a step injects)."""
    http_allow: tuple[str, ...] = ()
    """Hosts, IP addresses or CIDR ranges that outbound HTTP may reach although they are private,
    loopback or link-local (OFFICEFLOW_HTTP_ALLOW)."""


class StepKind:
    """Base of all step kinds; see the module docstring. Every hook has a default that does
    nothing, so a kind overrides only what it needs."""

    name: ClassVar[str]
    config: ClassVar[type[StepConfig]]
    mode: ClassVar[Literal["activity", "control"]]
    job_kinds: ClassVar[tuple[str, ...]] = ()
    """Job kinds this kind schedules (``port.schedule``) and handles in ``job_fired``. The
    registry refuses two owners for one job kind, and the engine's own (step, timer, timeout)."""

    def __init__(self, env: KindEnvironment) -> None:
        self.env = env

    def check(self, step: Any) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        """Extra static checks: (path inside the step, message, expected)."""
        return ()

    def successor(self, step: Any, output: Any) -> str | None:
        """The step that follows once this one has produced ``output``."""
        return getattr(step, "next", None)

    def job_fired(self, step: Any, job: Job, port: StepPort) -> None:
        """A job of one of ``job_kinds`` is due (in the transaction that consumes it); ``port``
        is on the job's position."""
        raise NotImplementedError(f"step kind {self.name!r} schedules no jobs, yet job {job.kind!r} fired")

    def run_ended(self, port: RunPort, reason: RunEnd) -> None:
        """The run completed or was cancelled: clean up what the kind keeps for it. Called, in
        the transaction that ends the run, for each kind the run's definition uses."""

    def skipped(self, step: Any, port: StepPort) -> None:
        """An operator skipped this kind's waiting position (its wait is gone already): drop
        what the kind keeps for it, such as jobs it scheduled."""

    def migration_problems(self, old_step: Any, new_step: Any, position: Position) -> list[str]:
        """Why ``position`` (at ``old_step``, of this kind) cannot move onto ``new_step`` (of the
        same kind) in a migration; empty when it can. The engine checks ids, kinds and branches."""
        return []

    def migrate(
        self, old_step: Any, new_step: Any, position: Position, port: StepPort | None
    ) -> list[tuple[str, str, str]]:
        """Carry what the kind keeps for ``position`` over to ``new_step``, once the engine has
        moved the position's job or wait; ``port`` is on the new position, or None on a dry run
        (change nothing then). Returns lines for the plan: (what, before, after)."""
        return []


class ActivityKind(StepKind):
    mode = "activity"

    def execute(self, step: Any, input: Any, ctx: StepContext) -> Any:
        raise NotImplementedError(f"step kind {self.name!r} does not implement execute()")


class ControlKind(StepKind):
    mode = "control"

    def enter(self, step: Any, port: StepPort) -> Directive | None:
        """The run reached this step (``port.variables()`` holds what expressions see): return
        a directive, or act through ``port`` (complete, wait, schedule, fail) and return None."""
        raise NotImplementedError(f"step kind {self.name!r} does not implement enter()")


K = TypeVar("K", bound=type[StepKind])
_KIND_MARK = "__officeflow_step_kind__"
_HANDLER_MARK = "__officeflow_handler__"


def step_kind(name: str) -> Callable[[K], K]:
    """Mark a StepKind subclass as the implementation of steps ``kind: name``."""

    def mark(cls: K) -> K:
        if not (isinstance(cls, type) and issubclass(cls, StepKind)):
            raise TypeError("@step_kind decorates a subclass of ActivityKind or ControlKind")
        cls.name = name
        setattr(cls, _KIND_MARK, name)
        return cls

    return mark


@dataclass(frozen=True, kw_only=True)
class HandlerSpec:
    """A Python function registered for ``task`` steps with ``handler: name``."""

    name: str
    fn: Callable[..., Any]
    is_async: bool
    retry: RetrySpec | None = None
    timeout: float | None = None


F = TypeVar("F", bound=Callable[..., Any])


def handler(
    name: str,
    *,
    retry: RetrySpec | Mapping[str, Any] | None = None,
    timeout: float | str | None = None,
) -> Callable[[F], F]:
    """Mark ``fn(input, ctx)`` (sync or async) as the handler ``name`` for ``task`` steps.

    ``retry`` and ``timeout`` are defaults that a step's own ``retry``/``timeout`` override.
    """
    import inspect

    spec_retry = RetrySpec.model_validate(retry) if isinstance(retry, Mapping) else retry
    spec_timeout = None if timeout is None else parse_duration(timeout)

    def mark(fn: F) -> F:
        setattr(
            fn,
            _HANDLER_MARK,
            HandlerSpec(
                name=name,
                fn=fn,
                is_async=inspect.iscoroutinefunction(fn),
                retry=spec_retry,
                timeout=spec_timeout,
            ),
        )
        return fn

    return mark


def kind_mark(obj: object) -> str | None:
    return getattr(obj, _KIND_MARK, None) if isinstance(obj, type) else None


def handler_mark(obj: object) -> HandlerSpec | None:
    spec = getattr(obj, _HANDLER_MARK, None)
    return spec if isinstance(spec, HandlerSpec) else None

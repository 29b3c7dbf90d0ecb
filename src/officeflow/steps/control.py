"""Control-flow kinds evaluated inside the engine's transaction:
``switch``, ``parallel``, ``wait``, ``timer``, ``subflow`` and ``end``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from officeflow.errors import NonRetryableError
from officeflow.expressions import Expr, Value, evaluate_condition
from officeflow.steps.base import (
    AwaitSignal,
    ControlKind,
    Directive,
    Duration,
    Edge,
    ExprField,
    Finish,
    Fork,
    Goto,
    Sleep,
    StartChild,
    StepConfig,
    StepId,
    ValueField,
    step_kind,
)
from officeflow.steps.port import Position, StepPort


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    when: ExprField
    to: StepId


class SwitchConfig(StepConfig):
    kind: Literal["switch"]
    cases: list[Case] = Field(min_length=1)
    default: StepId | None = None
    instant: ClassVar[bool] = True

    def edges(self) -> list[Edge]:
        out = [Edge(c.to, ("cases", i, "to")) for i, c in enumerate(self.cases)]
        if self.default:
            out.append(Edge(self.default, ("default",)))
        return out

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        for i, case in enumerate(self.cases):
            yield ("cases", i, "when"), case.when


@step_kind("switch")
class Switch(ControlKind):
    """Goes to the first case whose ``when`` is true, else to ``default``."""

    config = SwitchConfig

    def enter(self, step: SwitchConfig, port: StepPort) -> Directive:
        variables = port.variables()
        for index, case in enumerate(step.cases):
            if evaluate_condition(case.when, variables):
                return Goto(target=case.to, output={"case": index, "to": case.to})
        if step.default:
            return Goto(target=step.default, output={"case": "default", "to": step.default})
        raise NonRetryableError("no case matched and the switch has no default")


class ParallelConfig(StepConfig):
    kind: Literal["parallel"]
    branches: list[StepId] = Field(min_length=1)
    next: StepId | None = None

    @model_validator(mode="after")
    def _unique(self) -> ParallelConfig:
        if len(set(self.branches)) != len(self.branches):
            raise ValueError("branches must name different steps")
        return self

    def edges(self) -> list[Edge]:
        return [Edge(self.next, ("next",))] if self.next else []

    def branch_starts(self) -> list[Edge]:
        return [Edge(b, ("branches", i)) for i, b in enumerate(self.branches)]


@step_kind("parallel")
class Parallel(ControlKind):
    """Runs every branch; its output maps each branch (its first step's id) to the branch's
    last output. Continues at ``next`` when all branches have ended."""

    config = ParallelConfig

    def enter(self, step: ParallelConfig, port: StepPort) -> Directive:
        return Fork(branches=tuple(step.branches))


class WaitConfig(StepConfig):
    kind: Literal["wait"]
    signal: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,200}$")
    timeout: Duration | None = None
    on_timeout: StepId | None = None
    next: StepId | None = None

    @model_validator(mode="after")
    def _timeout(self) -> WaitConfig:
        if self.on_timeout and self.timeout is None:
            raise ValueError("on_timeout needs a timeout")
        return self

    def edges(self) -> list[Edge]:
        out = [Edge(self.next, ("next",))] if self.next else []
        if self.on_timeout:
            out.append(Edge(self.on_timeout, ("on_timeout",)))
        return out


@step_kind("wait")
class Wait(ControlKind):
    """Waits for the named signal (its payload is the output). A signal sent before the run
    reaches the wait is kept and taken when it arrives.

    A migration that moves a waiting run onto a wait for another signal moves the wait onto
    that signal (the plan says so: ``("signal", old, new)``); its deadline stays as it was."""

    config = WaitConfig

    def enter(self, step: WaitConfig, port: StepPort) -> Directive:
        return AwaitSignal(name=step.signal, timeout=step.timeout, on_timeout=step.on_timeout)

    def migrate(
        self, old_step: WaitConfig, new_step: WaitConfig, position: Position, port: StepPort | None
    ) -> list[tuple[str, str, str]]:
        wait = position.wait
        if wait is None or wait.kind != "signal" or wait.signal is None or wait.signal == new_step.signal:
            return []
        if port is not None:
            port.tx.set_wait_signal(port.run_id, port.step_id, port.iteration, new_step.signal)
        return [("signal", wait.signal, new_step.signal)]


class TimerConfig(StepConfig):
    kind: Literal["timer"]
    duration: Duration | None = None
    until: ExprField | None = None
    next: StepId | None = None

    @model_validator(mode="after")
    def _one(self) -> TimerConfig:
        if (self.duration is None) == (self.until is None):
            raise ValueError("a timer takes exactly one of duration or until")
        return self

    def edges(self) -> list[Edge]:
        return [Edge(self.next, ("next",))] if self.next else []

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.until is not None:
            yield ("until",), self.until


@step_kind("timer")
class Timer(ControlKind):
    """Sleeps durably for ``duration``, or until the time ``until`` evaluates to (an ISO 8601
    timestamp or epoch seconds)."""

    config = TimerConfig

    def enter(self, step: TimerConfig, port: StepPort) -> Directive:
        if step.duration is not None:
            return Sleep(until=self.env.now() + step.duration)
        assert step.until is not None
        return Sleep(until=_epoch(step.until.evaluate(port.variables()), step.until.source))


def _epoch(value: Any, source: str) -> float:
    if isinstance(value, bool):
        raise NonRetryableError(f"`{source}` gave a boolean; expected a timestamp")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise NonRetryableError(f"`{source}` gave {value!r}; expected an ISO 8601 timestamp or epoch seconds")


class SubflowConfig(StepConfig):
    kind: Literal["subflow"]
    workflow: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    version: int | None = Field(None, ge=1)
    input: ValueField | None = None
    next: StepId | None = None

    def edges(self) -> list[Edge]:
        return [Edge(self.next, ("next",))] if self.next else []

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.input is not None:
            yield ("input",), self.input


@step_kind("subflow")
class Subflow(ControlKind):
    """Starts a child run and waits for it; the child's output is this step's output."""

    config = SubflowConfig

    def enter(self, step: SubflowConfig, port: StepPort) -> Directive:
        variables = port.variables()
        child_input = step.input.evaluate(variables) if step.input is not None else variables["input"]
        return StartChild(workflow=step.workflow, version=step.version, input=child_input)


class EndConfig(StepConfig):
    kind: Literal["end"]
    output: ValueField | None = None
    instant: ClassVar[bool] = True

    @property
    def ends_workflow(self) -> bool:
        return True

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.output is not None:
            yield ("output",), self.output


@step_kind("end")
class End(ControlKind):
    """Ends the run, with ``output`` if given."""

    config = EndConfig

    def enter(self, step: EndConfig, port: StepPort) -> Directive:
        variables = port.variables()
        if step.output is None:
            return Finish()
        return Finish(output=step.output.evaluate(variables), has_output=True)

"""What a step kind may do to its run: the port the engine lends it inside a transaction.

A kind never touches the engine's internals. Each hook of :class:`~officeflow.steps.base.StepKind`
that runs inside the engine's transaction gets a port:

- :class:`RunPort` (``run_ended``): the run as a whole: its identity and status, its variables,
  history and audit entries, jobs of the kinds the kind owns, and the transaction itself for
  the kind's own tables;
- :class:`StepPort` (``enter``, ``job_fired``, ``skipped``, ``migrate``, and
  :meth:`Engine.act_on_position <officeflow.engine.engine.Engine.act_on_position>`): the same, at
  one position of the run (a step id, its iteration and its branch scope), plus what moves that
  position: ``complete`` (record the step's output and go on), ``fail`` (park the position as a
  dead letter), ``wait``/``end_wait`` (the run waits here for something only the kind can end).

Everything a kind does through a port commits with the transaction that called it, or not at
all. The engine implements these protocols (officeflow.engine.port); tests and kinds depend on
the protocols only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from officeflow.store.records import Job, RunStatus, Scope, Wait
from officeflow.store.tx import Tx

RunEnd = Literal["completed", "cancelled"]
"""Why ``run_ended`` is called. A failed run has not ended: an operator may retry or skip it."""


class RunPort(Protocol):
    """A run, as a step kind may see and change it inside the engine's transaction."""

    @property
    def run_id(self) -> str: ...

    @property
    def tenant(self) -> str: ...

    @property
    def workflow(self) -> str: ...

    @property
    def version(self) -> int:
        """The definition version the run is on."""
        ...

    @property
    def status(self) -> RunStatus:
        """The run's status as this transaction knows it."""
        ...

    @property
    def now(self) -> float:
        """The transaction's time (epoch seconds, from the engine's clock)."""
        ...

    @property
    def actor(self) -> str | None:
        """Who caused this transaction (``user:ann``, ``cli:ops``), or None for the system."""
        ...

    @property
    def tx(self) -> Tx:
        """The transaction: the store's typed operations, and ``execute`` for the kind's own
        tables (SQLAlchemy Core statements)."""
        ...

    def variables(self) -> Mapping[str, Any]:
        """What expressions see: ``input``, ``steps`` (each step's latest output) and ``run``."""
        ...

    def step(self, step_id: str) -> Any:
        """The configuration of a step of the run's definition version (KeyError if none)."""
        ...

    def history(self, type: str, data: Any = None, *, step_id: str | None = None, iteration: int | None = None) -> None:
        """Append an event to the run's history (on a StepPort, the position's step by default)."""
        ...

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: str,
        *,
        before: Any = None,
        after: Any = None,
        actor: str | None = None,
    ) -> None:
        """Append an audit entry (actor: the transaction's, or ``system``, unless given)."""
        ...

    def unschedule(self, job_id: str) -> bool:
        """Delete a job scheduled earlier; False if it was gone already."""
        ...


class StepPort(RunPort, Protocol):
    """One position of a run: a step, its iteration and its branch."""

    @property
    def step_id(self) -> str: ...

    @property
    def iteration(self) -> int: ...

    @property
    def scope(self) -> Scope: ...

    def complete(self, output: Any, *, data: Any = None) -> None:
        """Record ``output`` as the step's result (``data`` goes into the history event) and go
        on to its successor (the kind's ``successor``), in this transaction."""
        ...

    def fail(self, error_type: str, message: str) -> None:
        """Park the position as a dead letter and fail the run; an operator retries or skips it."""
        ...

    def schedule(self, job_kind: str, at: float) -> str:
        """Insert a job of ``job_kind`` (one the kind owns) for this position, due at ``at``;
        its id. When it is due a worker hands it to the kind's ``job_fired``."""
        ...

    def wait(
        self, key: str, *, wait_kind: str | None = None, timeout_job: str | None = None, deadline: float | None = None
    ) -> None:
        """Make the run wait at this position until the kind ends the wait. ``key`` identifies
        what it waits for; ``wait_kind`` labels it (default: the step's kind; ``signal`` and
        ``child`` are the engine's); ``timeout_job`` is a job that ends it otherwise (deleted
        with the wait when the run ends, moved with it by a migration)."""
        ...

    def end_wait(self) -> Wait | None:
        """Remove this position's wait; the wait as it was, or None if there was none."""
        ...


@dataclass(frozen=True, kw_only=True)
class Position:
    """A place where a run is, as a migration moves it: a job (queued or failed step, timer,
    timeout, or a job of a kind's own) or a wait, and where it goes."""

    run_id: str
    step_id: str
    iteration: int
    scope: Scope
    new_step_id: str
    new_scope: Scope
    new_version: int
    job: Job | None = None
    wait: Wait | None = None

    @property
    def what(self) -> str:
        """How the position is named in a plan and in the reasons of a refusal."""
        if self.wait is not None:
            if self.wait.kind == "signal":
                return f"waiting step (signal '{self.wait.signal}')"
            if self.wait.kind == "child":
                return "waiting step (child run)"
            return f"waiting step ({self.wait.kind} {self.wait.signal})"
        assert self.job is not None
        return {
            "step": "failed step" if self.job.status == "failed" else "queued step",
            "timer": "sleeping timer",
            "timeout": "wait timeout",
        }.get(self.job.kind, f"{self.job.kind} job")


__all__ = ["Position", "RunEnd", "RunPort", "StepPort"]

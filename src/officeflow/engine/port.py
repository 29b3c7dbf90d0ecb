"""The engine's side of the step-kind port (officeflow.steps.port): a run, or one position of
it, as a :class:`~officeflow.engine.transitions.Transition` lends it to a step kind.

Every method writes through the transition, so what a kind does commits with the transaction
that called it. ``acted`` tells the transition whether the kind wrote anything: an exception
from a kind that had not yet acted parks the step as a dead letter; one from a kind that had
rolls the whole transaction back (no half-written state).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from officeflow.engine.errorinfo import ErrorInfo
from officeflow.errors import ConfigurationError
from officeflow.store.records import RunHead, RunStatus, Scope, Wait
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.engine.context import RunContext
    from officeflow.engine.transition_base import TransitionBase
    from officeflow.engine.transitions import Transition

ENGINE_WAITS = ("signal", "child")
"""Wait kinds the engine itself makes (a ``wait`` step's signal, a ``subflow``'s child run)."""


class RunAccess:
    """A run inside a transition (implements :class:`officeflow.steps.port.RunPort`)."""

    def __init__(self, transition: TransitionBase, head: RunHead, ctx: RunContext | None = None) -> None:
        self._t: TransitionBase = transition
        self._head = head
        self._ctx = ctx
        self.acted = False

    @property
    def run_id(self) -> str:
        return self._head.id

    @property
    def tenant(self) -> str:
        return self._head.tenant

    @property
    def workflow(self) -> str:
        return self._head.workflow

    @property
    def version(self) -> int:
        return self._t.heads.get(self._head.id, self._head).version

    @property
    def status(self) -> RunStatus:
        return self._t.status.get(self._head.id, self._head.status)

    @property
    def now(self) -> float:
        return self._t.now

    @property
    def actor(self) -> str | None:
        return self._t.actor

    @property
    def tx(self) -> Tx:
        return self._t.tx

    @property
    def context(self) -> RunContext:
        if self._ctx is None:
            self._ctx = self._t.context(self._head.id)
        return self._ctx

    def variables(self) -> Mapping[str, Any]:
        return self.context.variables()

    def step(self, step_id: str) -> Any:
        return self._t.definition(self._t.heads.get(self._head.id, self._head)).steps[step_id]

    def history(self, type: str, data: Any = None, *, step_id: str | None = None, iteration: int | None = None) -> None:
        self.acted = True
        self._t.history(self._head, type, step_id, iteration, data=data)

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
        self.acted = True
        t = self._t
        t.engine.record_audit(
            t.tx,
            self._head.tenant,
            actor or t.actor or "system",
            action,
            object_type,
            object_id,
            before=before,
            after=after,
        )

    def unschedule(self, job_id: str) -> bool:
        self.acted = True
        return self._t.tx.delete_job(job_id)


class PositionAccess(RunAccess):
    """One position of a run inside a transition (implements :class:`officeflow.steps.port.StepPort`)."""

    def __init__(
        self,
        transition: Transition,
        head: RunHead,
        step_id: str,
        iteration: int,
        scope: Scope,
        *,
        ctx: RunContext | None = None,
        depth: int = 0,
    ) -> None:
        super().__init__(transition, head, ctx)
        self._transition = transition
        self._step_id = step_id
        self._iteration = iteration
        self._scope = scope
        self._depth = depth

    @property
    def step_id(self) -> str:
        return self._step_id

    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def scope(self) -> Scope:
        return self._scope

    def history(self, type: str, data: Any = None, *, step_id: str | None = None, iteration: int | None = None) -> None:
        super().history(
            type,
            data,
            step_id=step_id or self._step_id,
            iteration=iteration if iteration is not None else self._iteration,
        )

    def complete(self, output: Any, *, data: Any = None) -> None:
        self.acted = True
        t, head, ctx = self._transition, self._head, self.context
        t.record(head, ctx, self._step_id, self._iteration, output, data=data)
        t.after(head, ctx, self._step_id, output, self._scope, self._depth)

    def fail(self, error_type: str, message: str) -> None:
        self.acted = True
        self._t.fail_position(
            self._head, self._step_id, self._iteration, self._scope, ErrorInfo.plain(error_type, message)
        )

    def schedule(self, job_kind: str, at: float) -> str:
        t = self._t
        owner = t.engine.registry.job_owner(job_kind)
        kind = self.step(self._step_id).kind
        if owner is None or owner.name != kind:
            raise ConfigurationError(
                f"step kind '{kind}' schedules job kind '{job_kind}' without owning it: list it in its job_kinds"
            )
        self.acted = True
        return t.insert_job(self._head, job_kind, self._step_id, self._iteration, self._scope, "default", at)

    def wait(
        self, key: str, *, wait_kind: str | None = None, timeout_job: str | None = None, deadline: float | None = None
    ) -> None:
        label = wait_kind or self.step(self._step_id).kind
        if label in ENGINE_WAITS:
            raise ConfigurationError(f"wait kind '{label}' is the engine's own: name the wait after the step kind")
        self.acted = True
        t, head = self._t, self._head
        t.tx.insert_wait(
            Wait(
                run_id=head.id,
                step_id=self._step_id,
                iteration=self._iteration,
                tenant=head.tenant,
                scope=self._scope,
                kind=label,
                signal=key,
                child_run_id=None,
                timeout_job_id=timeout_job,
                deadline=deadline,
                created_at=t.now,
            )
        )
        t.touch(head.id)

    def end_wait(self) -> Wait | None:
        tx = self._t.tx
        wait = tx.get_wait(self._head.id, self._step_id, self._iteration)
        if wait is not None:
            self.acted = True
            tx.delete_wait(wait.run_id, wait.step_id, wait.iteration)
        return wait

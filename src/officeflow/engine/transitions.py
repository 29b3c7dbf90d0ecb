"""What happens to runs inside one transaction.

A :class:`Transition` is created for one transaction. Entry points (a run starts, a step
succeeded or failed, a timer fired, a signal arrived, a child run ended) record history, move
the run's positions (jobs, waits, joins) and evaluate control steps inline, so that a step's
result and everything it causes commit together: transitions happen exactly once.

An activity step that follows may be handed straight to the worker that finished the previous
one (inserted as already claimed by it): the run continues without a round trip through the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.engine.context import RunContext
from officeflow.engine.errorinfo import ErrorInfo
from officeflow.engine.port import PositionAccess
from officeflow.engine.staged import Staged, drive
from officeflow.engine.transition_base import Chained, TransitionBase
from officeflow.errors import (
    IdempotencyConflict,
    InputInvalid,
    NotFound,
    WorkerShutdown,
)
from officeflow.ids import uuid7
from officeflow.jsonutil import dumps
from officeflow.retry import Retry
from officeflow.steps.base import AwaitSignal, Directive, Finish, Fork, Goto, Sleep, StartChild
from officeflow.store.records import Job, JobKind, JobStatus, NewJob, NewRun, RunHead, RunStatus, Scope, Wait

if TYPE_CHECKING:
    from officeflow.definitions.model import Definition

log = structlog.get_logger("officeflow.engine")

MAX_INLINE_STEPS = 1000
END = "$end"
"""Pseudo step id of a run's output: a failure to compute it parks the run here."""


class Transition(TransitionBase):
    def port(
        self,
        head: RunHead,
        step_id: str,
        iteration: int,
        scope: Scope,
        *,
        ctx: RunContext | None = None,
        depth: int = 0,
    ) -> PositionAccess:
        """A step kind's port on one position of the run (see officeflow.steps.port)."""
        return PositionAccess(self, head, step_id, iteration, scope, ctx=ctx, depth=depth)

    # Entry points

    def start(
        self,
        definition: Definition,
        input: Any,
        *,
        tenant: str,
        idempotency_key: str | None = None,
        parent: tuple[str, str, int, Scope] | None = None,
    ) -> tuple[str, bool]:
        """Create a run and enter its first step; returns (run id, created)."""
        return drive(
            self.tx,
            self.start_staged(definition, input, tenant=tenant, idempotency_key=idempotency_key, parent=parent),
        )

    def start_staged(
        self,
        definition: Definition,
        input: Any,
        *,
        tenant: str,
        idempotency_key: str | None = None,
        parent: tuple[str, str, int, Scope] | None = None,
    ) -> Staged[tuple[str, bool]]:
        """start(), pausing while a keyed insert travels (see officeflow.engine.staged)."""
        run_id = uuid7()
        inserted = self.tx.insert_run(
            NewRun(
                id=run_id,
                tenant=tenant,
                workflow=definition.name,
                version=definition.version,
                status=RunStatus.RUNNING,
                input_json=dumps(input),
                idempotency_key=idempotency_key,
                parent_run_id=parent[0] if parent else None,
                parent_step=parent[1] if parent else None,
                parent_iteration=parent[2] if parent else None,
                parent_scope=parent[3] if parent else (),
                created_at=self.now,
                created_by=self.actor,
            )
        )
        if idempotency_key is not None and self.tx.needs_sync:
            yield
        if not inserted():
            assert idempotency_key is not None
            existing = self.tx.run_by_key(tenant, idempotency_key)
            if existing is None:  # deleted between the two statements: cannot happen inside one tx
                raise IdempotencyConflict(f"idempotency key {idempotency_key!r} is in use")
            if existing.workflow != definition.name:
                raise IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} already started a run of '{existing.workflow}' "
                    f"({existing.id}), not of '{definition.name}'"
                )
            return existing.id, False
        head = RunHead(
            id=run_id,
            tenant=tenant,
            workflow=definition.name,
            version=definition.version,
            status=RunStatus.RUNNING,
            parent_run_id=parent[0] if parent else None,
            parent_step=parent[1] if parent else None,
            parent_iteration=parent[2] if parent else None,
            parent_scope=parent[3] if parent else (),
        )
        self.heads[run_id] = head
        self.status[run_id] = self._original[run_id] = RunStatus.RUNNING
        self.history(
            head,
            "run_started",
            data={"idempotency_key": idempotency_key} if idempotency_key else None,
        )
        self.audit(
            head,
            "run.started",
            after={
                "workflow": definition.name,
                "version": definition.version,
                "idempotency_key": idempotency_key,
                "parent_run_id": head.parent_run_id,
            },
        )
        self.stats.started += 1
        self.enter(head, RunContext(head, input), definition.start, ())
        return run_id, True

    def step_succeeded(self, job: Job, ctx: RunContext, output: Any, output_json: str, meta: dict[str, Any]) -> None:
        head = self.heads[job.run_id]
        self.history(
            head,
            "step_completed",
            job.step_id,
            job.iteration,
            job.attempt,
            output_json=output_json,
            data=meta,
        )
        ctx.record(job.step_id, job.iteration, output)
        self.stats.completed += 1
        self.after(head, ctx, job.step_id, output, job.scope)

    def step_failed(self, job: Job, error: ErrorInfo, meta: dict[str, Any] | None = None) -> bool:
        """Retry or park the failed attempt; False when the attempt was stale (fenced off)."""
        head = self.heads.get(job.run_id)
        if head is None:
            return False
        definition = self.definition(head)
        step = definition.steps.get(job.step_id)
        handler_retry = None
        if step is not None and getattr(step, "handler", None):
            spec = self.engine.registry.handlers.get(step.handler)  # type: ignore[attr-defined]
            handler_retry = spec.retry if spec else None
        policy = definition.retry_policy(step, handler_retry) if step is not None else None
        decision = (
            policy.decide(attempt=job.attempts_counted, error_types=error.types, retryable=error.retryable)
            if policy
            else None
        )
        if isinstance(decision, Retry):
            paused = self.status.get(head.id) == RunStatus.PAUSED
            if not self.tx.requeue_job(
                job.id,
                job.attempt,
                self.now + decision.delay,
                error.record(with_traceback=False),
                paused=paused,
            ):
                return False
            self.history(
                head,
                "step_retrying",
                job.step_id,
                job.iteration,
                job.attempt,
                data={
                    "error": error.record(),
                    "retry_in": round(decision.delay, 3),
                    **(meta or {}),
                },
            )
            self.touch(head.id)
            if not paused:
                self._runnable.add(head.id)
            return True
        reason = decision.reason if decision is not None else f"step '{job.step_id}' is not in version {head.version}"
        record = {**error.record(), "reason": reason}
        if not self.tx.fail_job(job.id, job.attempt, record):
            return False
        self.history(
            head,
            "step_failed",
            job.step_id,
            job.iteration,
            job.attempt,
            data={**record, **(meta or {})},
        )
        self._set_failed(head, job.step_id, job.iteration, record)
        return True

    def timer_fired(self, job: Job, ctx: RunContext) -> None:
        head = self.heads[job.run_id]
        output = {"fired_at": self.now, "due_at": job.available_at}
        self.record(head, ctx, job.step_id, job.iteration, output)
        self.after(head, ctx, job.step_id, output, job.scope)

    def timeout_fired(self, job: Job, ctx: RunContext) -> None:
        head = self.heads[job.run_id]
        wait = self.tx.get_wait(job.run_id, job.step_id, job.iteration)
        if wait is None:
            return  # the signal came first
        self.tx.delete_wait(wait.run_id, wait.step_id, wait.iteration)
        step = self.definition(head).steps[job.step_id]
        self.history(head, "wait_timed_out", job.step_id, job.iteration, data={"signal": wait.signal})
        target = getattr(step, "on_timeout", None)
        if target:
            output = {"timed_out": True, "signal": wait.signal}
            self.record(head, ctx, job.step_id, job.iteration, output)
            self.enter(head, ctx, target, wait.scope)
        else:
            self.fail_position(
                head,
                job.step_id,
                job.iteration,
                wait.scope,
                ErrorInfo.plain("WaitTimedOut", f"no signal '{wait.signal}' arrived before the timeout"),
            )

    def reenter(self, job: Job, ctx: RunContext) -> None:
        """A control step (or the run's output) parked as failed, retried by an operator."""
        head = self.heads[job.run_id]
        if job.step_id == END:
            self.finish(head, ctx, None, has_output=False, last_output=None)
        else:
            self.enter(head, ctx, job.step_id, job.scope)

    def signal(self, head: RunHead, ctx: RunContext, name: str, payload: Any) -> bool:
        """Deliver a signal; True when a waiting step took it, False when it was kept for later."""
        self.history(head, "signal_received", data={"name": name, "payload": payload})
        wait = self.tx.signal_wait(head.id, name)
        if wait is None:
            from officeflow.store.records import Signal

            self.tx.insert_signal(
                Signal(
                    id=uuid7(),
                    run_id=head.id,
                    name=name,
                    payload=payload,
                    created_at=self.now,
                    sender=self.actor,
                ),
                head.tenant,
            )
            return False
        self.tx.delete_wait(wait.run_id, wait.step_id, wait.iteration)
        if wait.timeout_job_id:
            self.tx.delete_job(wait.timeout_job_id)
        self.record(head, ctx, wait.step_id, wait.iteration, payload)
        self.after(head, ctx, wait.step_id, payload, wait.scope)
        return True

    # Moving through the graph

    def after(
        self,
        head: RunHead,
        ctx: RunContext,
        step_id: str,
        output: Any,
        scope: Scope,
        depth: int = 0,
    ) -> None:
        """``step_id`` produced ``output``: go to its successor, or end its branch or the run."""
        self.touch(head.id)
        definition = self.definition(head)
        step = definition.steps[step_id]
        kind = self.engine.registry.kinds[step.kind]
        target = kind.successor(step, output)
        if target is None:
            self.end_scope(head, ctx, scope, output, depth)
        else:
            self.enter(head, ctx, target, scope, depth + 1)

    def enter(self, head: RunHead, ctx: RunContext, step_id: str, scope: Scope, depth: int = 0) -> None:
        definition = self.definition(head)
        iteration = ctx.next_iteration(step_id)
        self.touch(head.id)
        if depth > MAX_INLINE_STEPS:
            self.fail_position(
                head,
                step_id,
                iteration,
                scope,
                ErrorInfo.plain("LoopLimit", f"more than {MAX_INLINE_STEPS} steps entered in one transaction"),
            )
            return
        step = definition.steps[step_id]
        kind = self.engine.registry.kinds[step.kind]
        if kind.mode == "activity":
            self._queue_step(head, ctx, step_id, iteration, scope, definition.queue(step))
            return
        port = self.port(head, step_id, iteration, scope, ctx=ctx, depth=depth)
        try:
            directive = kind.enter(step, port)  # type: ignore[attr-defined]
        except WorkerShutdown:
            raise
        except Exception as exc:
            if port.acted:
                raise  # the kind wrote part of its work: roll the whole transaction back
            self.fail_position(head, step_id, iteration, scope, ErrorInfo.from_exception(exc))
            return
        ctx.enter(step_id, iteration)
        if directive is not None:  # else the kind acted through its port
            self._follow(head, ctx, step_id, iteration, scope, directive, depth)

    def _follow(
        self,
        head: RunHead,
        ctx: RunContext,
        step_id: str,
        iteration: int,
        scope: Scope,
        directive: Directive,
        depth: int,
    ) -> None:
        """Do what a control kind's ``enter`` returned: go on, fork, wait, sleep, start a child, finish."""
        if isinstance(directive, Goto):
            self.record(head, ctx, step_id, iteration, directive.output)
            if directive.target is None:
                self.end_scope(head, ctx, scope, directive.output, depth)
            else:
                self.enter(head, ctx, directive.target, scope, depth + 1)
        elif isinstance(directive, Fork):
            self.tx.insert_join(head.id, step_id, iteration, scope, len(directive.branches))
            self.history(
                head,
                "branches_started",
                step_id,
                iteration,
                data={"branches": list(directive.branches)},
            )
            for branch in directive.branches:
                self.enter(head, ctx, branch, (*scope, (step_id, iteration, branch)), depth + 1)
        elif isinstance(directive, AwaitSignal):
            self._await_signal(head, ctx, step_id, iteration, scope, directive, depth)
        elif isinstance(directive, Sleep):
            self.insert_job(head, JobKind.TIMER, step_id, iteration, scope, "default", directive.until)
            self.history(head, "timer_started", step_id, iteration, data={"until": directive.until})
        elif isinstance(directive, StartChild):
            self._start_child(head, step_id, iteration, scope, directive)
        elif isinstance(directive, Finish):
            self.record(head, ctx, step_id, iteration, directive.output)
            self.finish(head, ctx, directive.output, has_output=directive.has_output, last_output=None)
        else:  # pragma: no cover - the Directive union is closed
            raise TypeError(f"unknown directive {directive!r}")

    def end_scope(self, head: RunHead, ctx: RunContext, scope: Scope, output: Any, depth: int = 0) -> None:
        if not scope:
            self.finish(head, ctx, None, has_output=False, last_output=output)
            return
        parallel, par_iteration, branch = scope[-1]
        arrived = self.tx.join_arrive(head.id, parallel, par_iteration, branch, output)
        if arrived is None:
            return
        remaining, outputs = arrived
        self.history(head, "branch_ended", parallel, par_iteration, data={"branch": branch})
        if remaining > 0:
            return
        self.tx.delete_join(head.id, parallel, par_iteration)
        fresh = self.context(head.id)
        fresh.merge(ctx)
        ctx.merge(fresh)
        self.record(head, ctx, parallel, par_iteration, outputs)
        self.after(head, ctx, parallel, outputs, scope[:-1], depth + 1)

    def finish(self, head: RunHead, ctx: RunContext, output: Any, *, has_output: bool, last_output: Any) -> None:
        definition = self.definition(head)
        if not has_output:
            if definition.output is not None:
                try:
                    output = definition.output.evaluate(ctx.variables())
                except Exception as exc:
                    self.fail_position(head, END, 0, (), ErrorInfo.from_exception(exc))
                    return
            else:
                output = last_output
        self._clean(head, "completed")
        self.tx.set_run_status(head.id, RunStatus.COMPLETED, self.now, output=output, set_output=True, completed=True)
        self.status[head.id] = RunStatus.COMPLETED
        self.history(head, "run_completed", output_json=dumps(output))
        self.audit(
            head,
            "run.completed",
            before={"status": str(self.status.get(head.id, head.status))},
            after={"status": "completed"},
        )
        self.tx.notify("runs", head.id)
        self.stats.ended_runs.append((head.id, "completed"))
        if head.parent_run_id:
            self._child_ended(head, completed=True, output=output)

    def cancel_run(self, head: RunHead, reason: str | None) -> list[str]:
        """Cancel ``head`` and its active children; returns the ids cancelled."""
        cancelled = [head.id]
        self._clean(head, "cancelled")
        self.tx.set_run_status(
            head.id,
            RunStatus.CANCELLED,
            self.now,
            error={"reason": reason} if reason else None,
            completed=True,
        )
        self.status[head.id] = RunStatus.CANCELLED
        self.history(head, "run_cancelled", data={"reason": reason} if reason else None)
        self.audit(
            head, "run.cancelled", before={"status": str(head.status)}, after={"status": "cancelled", "reason": reason}
        )
        self.tx.notify("runs", head.id)
        for child_id in self.tx.active_children(head.id):
            child = self.head(child_id)
            if child is not None and not child.status.terminal:
                cancelled += self.cancel_run(child, f"parent run {head.id} was cancelled")
        return cancelled

    def job_fired(self, job: Job, ctx: RunContext) -> None:
        """A job of a kind a step kind owns is due: hand it to its owner, on the job's position."""
        head = self.heads[job.run_id]
        owner = self.engine.registry.job_owner(job.kind)
        step = self.definition(head).steps.get(job.step_id)
        if owner is None or step is None or step.kind != owner.name:
            what = (
                f"no step kind of this process owns job kind '{job.kind}'"
                if owner is None
                else (f"step '{job.step_id}' of version {head.version} is not a {owner.name} step")
            )
            self.fail_position(head, job.step_id, job.iteration, job.scope, ErrorInfo.plain("JobNotHandled", what))
            return
        owner.job_fired(step, job, self.port(head, job.step_id, job.iteration, job.scope, ctx=ctx))

    def _queue_step(
        self, head: RunHead, ctx: RunContext, step_id: str, iteration: int, scope: Scope, queue: str
    ) -> None:
        self._runnable.add(head.id)
        chain = self.chain
        paused = self.status.get(head.id) == RunStatus.PAUSED
        if chain is not None and not paused and chain.free > 0 and queue in chain.queues:
            chain.free -= 1
            job = NewJob(
                id=uuid7(),
                run_id=head.id,
                tenant=head.tenant,
                kind=JobKind.STEP,
                step_id=step_id,
                iteration=iteration,
                scope=scope,
                queue=queue,
                status=JobStatus.RUNNING,
                available_at=self.now,
                created_at=self.now,
                attempt=1,
                lease_owner=chain.worker_id,
                lease_expires_at=chain.lease_until,
            )
            self.tx.insert_job(job)
            self.chained.append(Chained(job.as_job(), ctx))
            return
        self.insert_job(head, JobKind.STEP, step_id, iteration, scope, queue, self.now)

    def _await_signal(
        self,
        head: RunHead,
        ctx: RunContext,
        step_id: str,
        iteration: int,
        scope: Scope,
        d: AwaitSignal,
        depth: int,
    ) -> None:
        buffered = self.tx.take_signal(head.id, d.name)
        if buffered is not None:
            self.record(
                head,
                ctx,
                step_id,
                iteration,
                buffered.payload,
                data={"signal": d.name, "buffered": True},
            )
            self.after(head, ctx, step_id, buffered.payload, scope, depth + 1)
            return
        timeout_job = None
        deadline = None
        if d.timeout is not None:
            deadline = self.now + d.timeout
            timeout_job = self.insert_job(head, JobKind.TIMEOUT, step_id, iteration, scope, "default", deadline)
        self.tx.insert_wait(
            Wait(
                run_id=head.id,
                step_id=step_id,
                iteration=iteration,
                tenant=head.tenant,
                scope=scope,
                kind="signal",
                signal=d.name,
                child_run_id=None,
                timeout_job_id=timeout_job,
                deadline=deadline,
                created_at=self.now,
            )
        )
        self.history(head, "waiting", step_id, iteration, data={"signal": d.name, "deadline": deadline})

    def _start_child(self, head: RunHead, step_id: str, iteration: int, scope: Scope, d: StartChild) -> None:
        try:
            child_def = self.engine.definition(d.workflow, d.version, tenant=head.tenant, tx=self.tx)
            self.engine.check_input(child_def, d.input)
        except (NotFound, InputInvalid) as exc:
            self.fail_position(head, step_id, iteration, scope, ErrorInfo.plain(type(exc).__name__, exc.message))
            return
        child_id, _ = self.start(child_def, d.input, tenant=head.tenant, parent=(head.id, step_id, iteration, scope))
        self.tx.insert_wait(
            Wait(
                run_id=head.id,
                step_id=step_id,
                iteration=iteration,
                tenant=head.tenant,
                scope=scope,
                kind="child",
                signal=None,
                child_run_id=child_id,
                timeout_job_id=None,
                deadline=None,
                created_at=self.now,
            )
        )
        self.history(
            head,
            "child_started",
            step_id,
            iteration,
            data={
                "child_run_id": child_id,
                "workflow": child_def.name,
                "version": child_def.version,
            },
        )

    def _child_ended(self, child: RunHead, *, completed: bool, output: Any = None) -> None:
        assert child.parent_run_id is not None
        parent = self.head(child.parent_run_id)
        if parent is None or self.status.get(parent.id, parent.status).terminal:
            return
        wait = self.tx.child_wait(child.id)
        if wait is None:
            return
        self.tx.delete_wait(wait.run_id, wait.step_id, wait.iteration)
        ctx = self.context(parent.id)
        self.touch(parent.id)
        if completed:
            self.record(parent, ctx, wait.step_id, wait.iteration, output, data={"child_run_id": child.id})
            self.after(parent, ctx, wait.step_id, output, wait.scope)
        else:
            self.fail_position(
                parent,
                wait.step_id,
                wait.iteration,
                wait.scope,
                ErrorInfo.plain("ChildCancelled", f"child run {child.id} was cancelled"),
            )

    def child_cancelled(self, child: RunHead) -> None:
        if child.parent_run_id:
            self._child_ended(child, completed=False)


def sorted_unique(items: Sequence[str]) -> list[str]:
    return sorted(set(items))

"""Operator actions on runs: signal, retry, skip, cancel, pause, resume, migrate; and a step
kind's action on a position from outside the engine (``act_on_position``).

Each runs in one transaction under the run's lock and is recorded in the run's history with
its actor. Step kinds take part through their hooks (``skipped``, ``migration_problems``,
``migrate``), never by the engine knowing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from officeflow.engine.transitions import END, Transition
from officeflow.errors import InvalidRunState, MigrationRefused, RunNotFound
from officeflow.steps.port import Position, StepPort
from officeflow.store.records import Job, JobKind, JobStatus, RunHead, RunStatus, Scope, Wait
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.definitions.model import Definition
    from officeflow.engine.engine import Engine

T = TypeVar("T")
ACTIVE = (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PAUSED, RunStatus.FAILED)


def _locked(t: Transition, run_id: str, tenant: str) -> RunHead:
    head = t.head(run_id)
    if head is None or head.tenant != tenant:
        raise RunNotFound(f"no run {run_id} in tenant '{tenant}'")
    return head


def _require(head: RunHead, allowed: tuple[RunStatus, ...], action: str) -> None:
    if head.status not in allowed:
        names = ", ".join(str(s) for s in allowed)
        raise InvalidRunState(f"run {head.id} is {head.status}; {action} applies to {names} runs")


def _settle_failed(t: Transition, head: RunHead) -> None:
    """After a retry or skip: a failed run with no dead letter left is running again."""
    if t.status.get(head.id) == RunStatus.FAILED and not t.tx.has_failed(head.id):
        t.tx.set_run_status(head.id, RunStatus.RUNNING, t.now)
        t.set_status(head.id, RunStatus.RUNNING)


def signal(engine: Engine, run_id: str, name: str, payload: Any, *, tenant: str, actor: str | None) -> bool:
    def body(tx: Tx) -> bool:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, ACTIVE, "a signal")
        delivered = t.signal(head, t.context(run_id), name, payload)
        t.audit(head, "run.signaled", after={"signal": name, "delivered": delivered})
        t.finalize()
        return delivered

    return engine.store.run(body)


def _static(scope: Scope) -> tuple[tuple[str, str], ...]:
    return tuple((parallel, branch) for parallel, _, branch in scope)


def retry(engine: Engine, run_id: str, *, from_step: str | None, tenant: str, actor: str | None) -> int:
    """Retry a failed run at its failed steps, or from ``from_step`` (in the failed step's branch);
    returns how many positions were retried."""

    def body(tx: Tx) -> int:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, (RunStatus.FAILED,), "retry")
        failed = [j for j in tx.jobs_of_run(run_id) if j.status == JobStatus.FAILED]
        definition = t.definition(head)
        if from_step is None:
            for job in failed:
                tx.requeue_failed(job, t.now)
            retried = len(failed)
        else:
            if from_step not in definition.steps:
                raise InvalidRunState(
                    f"'{from_step}' is not a step of '{head.workflow}' version {head.version}; "
                    f"steps: {', '.join(definition.steps)}"
                )
            wanted = definition.scope_of(from_step)
            match = [j for j in failed if _static(j.scope) == wanted]
            if not match:
                where = ", ".join(f"'{j.step_id}'" for j in failed)
                raise InvalidRunState(
                    f"'{from_step}' is not in the same branch as a failed step ({where}); "
                    "retry from a step of that branch"
                )
            job = match[0]
            tx.delete_job(job.id)
            t.enter(head, t.context(run_id), from_step, job.scope)
            retried = 1
        t.history(head, "run_retried", from_step, data={"positions": retried})
        t.audit(head, "run.retried", before={"status": "failed"}, after={"from_step": from_step, "positions": retried})
        _settle_failed(t, head)
        t.finalize()
        return retried

    return engine.store.run(body)


def skip(engine: Engine, run_id: str, step_id: str, output: Any, *, tenant: str, actor: str | None) -> None:
    """Complete a failed, waiting or sleeping step with ``output`` supplied by the operator."""

    def body(tx: Tx) -> None:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, ACTIVE, "skip")
        scope: Scope | None = None
        iteration = 0
        for job in tx.jobs_of_run(run_id):
            if job.step_id != step_id:
                continue
            if job.status == JobStatus.FAILED or job.kind == JobKind.TIMER:
                tx.delete_job(job.id)
                scope, iteration = job.scope, job.iteration
                break
            if job.status == JobStatus.RUNNING and job.kind == JobKind.STEP:
                raise InvalidRunState(
                    f"step '{step_id}' is executing; skip applies to failed, waiting or sleeping steps"
                )
        if scope is None:
            for wait in tx.waits_of_run(run_id):
                if wait.step_id == step_id and wait.kind != "child":
                    tx.delete_wait(run_id, step_id, wait.iteration)
                    if wait.timeout_job_id:
                        tx.delete_job(wait.timeout_job_id)
                    scope, iteration = wait.scope, wait.iteration
                    if wait.kind != "signal":  # a step kind's own wait: let it drop what it keeps
                        step = t.definition(head).steps[step_id]
                        engine.registry.kinds[step.kind].skipped(step, t.port(head, step_id, iteration, scope))
                    break
        if scope is None:
            raise InvalidRunState(
                f"step '{step_id}' of run {run_id} is not failed, waiting or sleeping; nothing to skip"
            )
        ctx = t.context(run_id)
        t.record(head, ctx, step_id, iteration, output, data={"skipped": True})
        t.history(head, "step_skipped", step_id, iteration)
        t.audit(head, "run.step_skipped", after={"step_id": step_id, "output": output})
        _settle_failed(t, head)
        if step_id == END:
            t.finish(head, ctx, output, has_output=True, last_output=None)
        else:
            t.after(head, ctx, step_id, output, scope)
        t.finalize()

    engine.store.run(body)


def cancel(engine: Engine, run_id: str, *, reason: str | None, tenant: str, actor: str | None) -> list[str]:
    def body(tx: Tx) -> list[str]:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, ACTIVE, "cancel")
        cancelled = t.cancel_run(head, reason)
        t.child_cancelled(head)
        t.finalize()
        return cancelled

    return engine.store.run(body)


def pause(engine: Engine, run_id: str, *, tenant: str, actor: str | None) -> None:
    def body(tx: Tx) -> None:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, (RunStatus.RUNNING, RunStatus.WAITING), "pause")
        tx.set_run_jobs_status(run_id, JobStatus.QUEUED, JobStatus.PAUSED, t.now)
        tx.set_run_status(run_id, RunStatus.PAUSED, t.now)
        t.history(head, "run_paused")
        t.audit(head, "run.paused", before={"status": str(head.status)}, after={"status": "paused"})

    engine.store.run(body)


def resume(engine: Engine, run_id: str, *, tenant: str, actor: str | None) -> None:
    def body(tx: Tx) -> None:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, (RunStatus.PAUSED,), "resume")
        tx.set_run_jobs_status(run_id, JobStatus.PAUSED, JobStatus.QUEUED, t.now)
        status = RunStatus.FAILED if tx.has_failed(run_id) else RunStatus.RUNNING
        tx.set_run_status(run_id, status, t.now)
        t.set_status(run_id, status)
        t.history(head, "run_resumed")
        t.audit(head, "run.resumed", before={"status": "paused"}, after={"status": str(status)})
        t.finalize()

    engine.store.run(body)


@dataclass(frozen=True, kw_only=True)
class MigrationPlan:
    run_id: str
    from_version: int
    to_version: int
    moves: list[tuple[str, str, str]] = field(default_factory=list)
    """(what, old step, new step) for each position that moves."""
    applied: bool = False


def migrate(
    engine: Engine,
    run_id: str,
    to_version: int,
    step_map: dict[str, str],
    *,
    tenant: str,
    actor: str | None,
    dry_run: bool,
) -> MigrationPlan:
    """Move a running instance to ``to_version``. Each position (job, wait, join) moves to the
    step of the same id, or to ``step_map[id]``; refused, with every reason, when a position has
    no counterpart of the same kind in the same branch, when the step's kind finds the move
    impossible (``migration_problems``: a ``human`` step that lost outcomes of its open task), or
    a step is executing right now. The kind then carries over what it keeps (``migrate``: a
    ``wait`` takes the new step's signal name, a ``human`` step's task moves along)."""

    def body(tx: Tx) -> MigrationPlan:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        _require(head, ACTIVE, "migrate")
        if to_version == head.version:
            raise InvalidRunState(f"run {run_id} is at version {to_version} already")
        old = t.definition(head)
        new = engine.definition(head.workflow, to_version, tenant=tenant, tx=tx)
        unknown = [k for k in step_map if k not in old.steps]
        reasons = [f"--map names '{k}', which is not a step of version {head.version}" for k in unknown]
        plan = _Planner(engine, old, new, step_map, reasons).plan(tx, run_id)
        if reasons:
            raise MigrationRefused(reasons)
        if dry_run:
            return MigrationPlan(run_id=run_id, from_version=head.version, to_version=to_version, moves=plan.moves)
        for move in plan.apply:
            move(tx)
        tx.set_run_version(run_id, to_version, t.now)
        moved = dataclasses.replace(head, version=to_version)
        t.heads[run_id] = moved
        for carry in plan.carry:
            carry(t, moved)
        renames = {k: v for k, v in step_map.items() if k != v}
        t.history(head, "run_migrated", data={"from": head.version, "to": to_version, "map": renames})
        t.audit(head, "run.migrated", before={"version": head.version}, after={"version": to_version, "map": renames})
        return MigrationPlan(
            run_id=run_id,
            from_version=head.version,
            to_version=to_version,
            moves=plan.moves,
            applied=True,
        )

    return engine.store.run(body)


@dataclass
class _Plan:
    moves: list[tuple[str, str, str]] = field(default_factory=list)
    apply: list[Callable[[Tx], None]] = field(default_factory=list)
    """Moves of the engine's rows (jobs, waits, joins), applied first."""
    carry: list[Callable[[Transition, RunHead], None]] = field(default_factory=list)
    """The kinds' ``migrate`` hooks, called once the run is on the new version."""


class _Planner:
    """Checks every position of a run against the new version and plans its move."""

    def __init__(
        self, engine: Engine, old: Definition, new: Definition, step_map: dict[str, str], reasons: list[str]
    ) -> None:
        self.engine = engine
        self.old = old
        self.new = new
        self.step_map = step_map
        self.reasons = reasons
        self.result = _Plan()

    def target(self, step_id: str) -> str:
        return self.step_map.get(step_id, step_id)

    def map_scope(self, scope: Scope) -> Scope:
        return tuple((self.target(p), i, self.target(b)) for p, i, b in scope)

    def plan(self, tx: Tx, run_id: str) -> _Plan:
        for job in tx.jobs_of_run(run_id):
            if job.status == JobStatus.RUNNING:
                self.reasons.append(
                    f"step '{job.step_id}' is executing (worker {job.lease_owner}); "
                    "pause the run, let it finish, then migrate"
                )
                continue
            self.position(run_id, job.step_id, job.iteration, job.scope, job=job)
        for wait in tx.waits_of_run(run_id):
            self.position(run_id, wait.step_id, wait.iteration, wait.scope, wait=wait)
        for step_id, iteration, scope, _remaining in tx.joins_of_run(run_id):
            self.join(run_id, step_id, iteration, scope)
        return self.result

    def check(self, what: str, step_id: str, scope: Scope) -> str | None:
        """The id the position moves to, or None (with the reason noted) when it cannot move."""
        if step_id == END:
            return END
        new_id = self.target(step_id)
        old_step = self.old.steps.get(step_id)
        new_step = self.new.steps.get(new_id)
        if new_step is None:
            self.reasons.append(
                f"{what} '{step_id}' has no counterpart in version {self.new.version}: "
                f"map it with --map {step_id}=<step of version {self.new.version}>"
            )
            return None
        if old_step is not None and old_step.kind != new_step.kind:
            self.reasons.append(
                f"{what} '{step_id}' is a {old_step.kind} in version {self.old.version} but '{new_id}' is a "
                f"{new_step.kind} in version {self.new.version}"
            )
            return None
        if _static(self.map_scope(scope)) != self.new.scope_of(new_id):
            self.reasons.append(f"{what} '{step_id}' would move to another branch as '{new_id}'")
            return None
        return new_id

    def position(
        self,
        run_id: str,
        step_id: str,
        iteration: int,
        scope: Scope,
        *,
        job: Job | None = None,
        wait: Wait | None = None,
    ) -> None:
        """A job or a wait: checked by the engine, then by its step's kind; its move planned."""
        position = Position(
            run_id=run_id,
            step_id=step_id,
            iteration=iteration,
            scope=scope,
            new_step_id=self.target(step_id),
            new_scope=self.map_scope(scope),
            new_version=self.new.version,
            job=job,
            wait=wait,
        )
        new_id = self.check(position.what, step_id, scope)
        if new_id is None:
            return
        moves = new_id != step_id or position.new_scope != scope
        if moves:
            self.result.moves.append(("job" if job is not None else "wait", step_id, new_id))
            if job is not None:
                self.result.apply.append(lambda tx: tx.move_job(job.id, new_id, position.new_scope))
            elif wait is not None:
                self.result.apply.append(lambda tx: tx.move_wait(wait, new_id, position.new_scope))
        old_step, new_step = self.old.steps.get(step_id), self.new.steps.get(new_id)
        if old_step is None or new_step is None:
            return  # the run's output ($end)
        kind = self.engine.registry.kinds[new_step.kind]
        problems = kind.migration_problems(old_step, new_step, position)
        if problems:
            self.reasons.extend(problems)
            return
        self.result.moves.extend(kind.migrate(old_step, new_step, position, None))

        def carry(t: Transition, head: RunHead) -> None:
            port = t.port(head, new_id, iteration, position.new_scope)
            kind.migrate(old_step, new_step, position, port)

        self.result.carry.append(carry)

    def join(self, run_id: str, step_id: str, iteration: int, scope: Scope) -> None:
        new_id = self.check("running parallel", step_id, scope)
        if new_id is None:
            return
        old_branches = [self.target(b) for b in getattr(self.old.steps[step_id], "branches", [])]
        new_branches = list(getattr(self.new.steps[new_id], "branches", []))
        if sorted(old_branches) != sorted(new_branches):
            self.reasons.append(
                f"running parallel '{step_id}' has branches {old_branches} but '{new_id}' in version "
                f"{self.new.version} has {new_branches}"
            )
            return
        new_scope = self.map_scope(scope)
        if new_id != step_id or new_scope != scope:
            self.result.moves.append(("join", step_id, new_id))
            self.result.apply.append(lambda tx: tx.move_join(run_id, step_id, iteration, new_id, new_scope))


def act_on_position(
    engine: Engine,
    run_id: str,
    step_id: str,
    iteration: int,
    fn: Callable[[StepPort], T],
    *,
    tenant: str,
    actor: str | None,
) -> T:
    """See :meth:`Engine.act_on_position`."""

    def body(tx: Tx) -> T:
        t = Transition(engine, tx, engine.now(), actor=actor)
        head = _locked(t, run_id, tenant)
        wait = tx.get_wait(run_id, step_id, iteration)
        result = fn(t.port(head, step_id, iteration, wait.scope if wait is not None else ()))
        t.finalize()
        return result

    return engine.store.run(body)

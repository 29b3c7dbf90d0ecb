"""Operator actions on runs: signal, retry, skip, cancel, pause, resume, migrate.

Each runs in one transaction under the run's lock and is recorded in the run's history with
its actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from officeflow.engine.transitions import END, Transition
from officeflow.errors import InvalidRunState, MigrationRefused, RunNotFound
from officeflow.store.records import JobKind, JobStatus, RunHead, RunStatus, Scope
from officeflow.store.tx import Tx
from officeflow.tasks.lifecycle import cancel_tasks

if TYPE_CHECKING:
    from officeflow.definitions.model import Definition
    from officeflow.engine.engine import Engine

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
        t._history(head, "run_retried", from_step, data={"positions": retried})
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
                if wait.step_id == step_id and wait.kind in ("signal", "task"):
                    tx.delete_wait(run_id, step_id, wait.iteration)
                    if wait.timeout_job_id:
                        tx.delete_job(wait.timeout_job_id)
                    if wait.kind == "task":
                        _drop_task_timers(tx, run_id, step_id, wait.iteration)
                        cancel_tasks(t, head, "the step was skipped by an operator", step_id)
                    scope, iteration = wait.scope, wait.iteration
                    break
        if scope is None:
            raise InvalidRunState(
                f"step '{step_id}' of run {run_id} is not failed, waiting or sleeping; nothing to skip"
            )
        ctx = t.context(run_id)
        t._record(head, ctx, step_id, iteration, output, data={"skipped": True})
        t._history(head, "step_skipped", step_id, iteration)
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
        t._history(head, "run_paused")
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
        t._history(head, "run_resumed")
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
    no counterpart of the same kind in the same branch, or a step is executing right now."""

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
        plan = _plan(tx, run_id, old, new, step_map, reasons)
        if reasons:
            raise MigrationRefused(reasons)
        if dry_run:
            return MigrationPlan(run_id=run_id, from_version=head.version, to_version=to_version, moves=plan.moves)
        for move in plan.apply:
            move(tx)
        tx.set_run_version(run_id, to_version, t.now)
        renames = {k: v for k, v in step_map.items() if k != v}
        t._history(head, "run_migrated", data={"from": head.version, "to": to_version, "map": renames})
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
    apply: list[Any] = field(default_factory=list)


def _plan(
    tx: Tx,
    run_id: str,
    old: Definition,
    new: Definition,
    step_map: dict[str, str],
    reasons: list[str],
) -> _Plan:
    plan = _Plan()

    def target(step_id: str) -> str:
        return step_map.get(step_id, step_id)

    def map_scope(scope: Scope) -> Scope:
        return tuple((target(p), i, target(b)) for p, i, b in scope)

    def check(what: str, step_id: str, scope: Scope) -> str | None:
        if step_id == END:
            return END
        new_id = target(step_id)
        old_step = old.steps.get(step_id)
        new_step = new.steps.get(new_id)
        if new_step is None:
            reasons.append(
                f"{what} '{step_id}' has no counterpart in version {new.version}: "
                f"map it with --map {step_id}=<step of version {new.version}>"
            )
            return None
        if old_step is not None and old_step.kind != new_step.kind:
            reasons.append(
                f"{what} '{step_id}' is a {old_step.kind} in version {old.version} but '{new_id}' is a "
                f"{new_step.kind} in version {new.version}"
            )
            return None
        if _static(map_scope(scope)) != new.scope_of(new_id):
            reasons.append(f"{what} '{step_id}' would move to another branch as '{new_id}'")
            return None
        return new_id

    for job in tx.jobs_of_run(run_id):
        if job.status == JobStatus.RUNNING:
            reasons.append(
                f"step '{job.step_id}' is executing (worker {job.lease_owner}); "
                "pause the run, let it finish, then migrate"
            )
            continue
        what = {
            JobKind.STEP: "failed step" if job.status == JobStatus.FAILED else "queued step",
            JobKind.TIMER: "sleeping timer",
            JobKind.TIMEOUT: "wait timeout",
            JobKind.TASK_SLA: "task deadline",
        }[job.kind]
        new_id = check(what, job.step_id, job.scope)
        if new_id is not None and (new_id != job.step_id or map_scope(job.scope) != job.scope):
            plan.moves.append(("job", job.step_id, new_id))
            plan.apply.append(lambda tx, j=job, n=new_id: tx.move_job(j.id, n, map_scope(j.scope)))
    for wait in tx.waits_of_run(run_id):
        what = {
            "signal": f"waiting step (signal '{wait.signal}')",
            "task": f"waiting step (task {wait.signal})",
        }.get(wait.kind, "waiting step (child run)")
        new_id = check(what, wait.step_id, wait.scope)
        if new_id is not None and (new_id != wait.step_id or map_scope(wait.scope) != wait.scope):
            plan.moves.append(("wait", wait.step_id, new_id))
            plan.apply.append(lambda tx, w=wait, n=new_id: tx.move_wait(w, n, map_scope(w.scope)))
        if new_id is not None and wait.kind == "task":
            plan.apply.append(
                lambda tx, w=wait, n=new_id: tx.move_task(
                    w.run_id, w.step_id, w.iteration, n, map_scope(w.scope), new.version
                )
            )
    for step_id, iteration, scope, _remaining in tx.joins_of_run(run_id):
        new_id = check("running parallel", step_id, scope)
        if new_id is None:
            continue
        old_branches = [target(b) for b in getattr(old.steps[step_id], "branches", [])]
        new_branches = list(getattr(new.steps[new_id], "branches", []))
        if sorted(old_branches) != sorted(new_branches):
            reasons.append(
                f"running parallel '{step_id}' has branches {old_branches} but '{new_id}' in version "
                f"{new.version} has {new_branches}"
            )
            continue
        if new_id != step_id or map_scope(scope) != scope:
            plan.moves.append(("join", step_id, new_id))
            plan.apply.append(
                lambda tx, s=step_id, i=iteration, sc=scope, n=new_id: tx.move_join(run_id, s, i, n, map_scope(sc))
            )
    return plan


def _drop_task_timers(tx: Tx, run_id: str, step_id: str, iteration: int) -> None:
    task = tx.task_at(run_id, step_id, iteration)
    if task is not None and task.sla_job_id:
        tx.delete_job(task.sla_job_id)

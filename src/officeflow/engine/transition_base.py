"""The state a :class:`~officeflow.engine.transitions.Transition` works on (the runs it locked,
their statuses, the worker slots it may chain steps into) and the writes every transition makes
(history, audit, jobs, run status)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from officeflow.engine.context import RunContext
from officeflow.engine.errorinfo import ErrorInfo
from officeflow.engine.port import RunAccess
from officeflow.ids import uuid7
from officeflow.jsonutil import dumps
from officeflow.steps.port import RunEnd
from officeflow.store.records import Job, JobKind, JobStatus, NewHistoryEvent, NewJob, RunHead, RunStatus, Scope
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.definitions.model import Definition
    from officeflow.engine.engine import Engine


@dataclass
class ChainSlots:
    """A worker that can take on follow-up steps inside the transaction."""

    worker_id: str
    queues: frozenset[str]
    free: int
    lease_until: float


@dataclass(frozen=True)
class Chained:
    job: Job
    ctx: RunContext


@dataclass
class _Stats:
    completed: int = 0
    started: int = 0
    failed: int = 0
    ended_runs: list[tuple[str, str]] = field(default_factory=list)


class TransitionBase:
    def __init__(
        self,
        engine: Engine,
        tx: Tx,
        now: float,
        *,
        chain: ChainSlots | None = None,
        actor: str | None = None,
    ) -> None:
        self.engine = engine
        self.tx = tx
        self.now = now
        self.chain = chain
        self.actor = actor
        self.chained: list[Chained] = []
        self.heads: dict[str, RunHead] = {}
        self.status: dict[str, RunStatus] = {}
        self._original: dict[str, RunStatus] = {}
        self._touched: set[str] = set()
        self._runnable: set[str] = set()
        self.stats = _Stats()

    # Locks and contexts

    def lock(self, run_ids: Iterable[str]) -> dict[str, RunHead]:
        wanted = [r for r in set(run_ids) if r not in self.heads]
        if wanted:
            self._locked(self.tx.lock_runs(wanted))
        return self.heads

    def lock_and_finish(self, run_ids: Iterable[str], fenced: list[tuple[str, int]]) -> set[str]:
        """Lock the runs and finish the fenced jobs in one round trip; returns the jobs finished."""
        heads, done = self.tx.lock_and_finish(list(set(run_ids)), fenced)
        self._locked(heads)
        return done

    def _locked(self, heads: dict[str, RunHead]) -> None:
        for run_id, head in heads.items():
            self.heads[run_id] = head
            self.status[run_id] = head.status
            self._original[run_id] = head.status

    def head(self, run_id: str) -> RunHead | None:
        self.lock([run_id])
        return self.heads.get(run_id)

    def context(self, run_id: str) -> RunContext:
        return self.engine.load_contexts(self.tx, [run_id])[run_id]

    def definition(self, head: RunHead) -> Definition:
        return self.engine.definition(head.workflow, head.version, tenant=head.tenant, tx=self.tx)

    def finalize(self) -> None:
        """Settle running/waiting for every run this transaction moved."""
        for run_id in self._touched:
            status = self.status.get(run_id)
            if status not in (RunStatus.RUNNING, RunStatus.WAITING):
                continue
            busy = run_id in self._runnable or self.tx.has_runnable(run_id)
            new = RunStatus.RUNNING if busy else RunStatus.WAITING
            if new != self._original.get(run_id) or new != status:
                self.tx.set_run_status(run_id, new, self.now)
                self.status[run_id] = new

    # Internals

    def audit(self, head: RunHead, action: str, *, before: Any = None, after: Any = None) -> None:
        """An audit entry about the run, written in this transaction."""
        self.engine.record_audit(
            self.tx, head.tenant, self.actor or "system", action, "run", head.id, before=before, after=after
        )

    def set_status(self, run_id: str, status: RunStatus) -> None:
        self.status[run_id] = status
        self.touch(run_id)

    def touch(self, run_id: str) -> None:
        """Note that the run moved: ``finalize`` settles its running/waiting status."""
        self._touched.add(run_id)

    def history(
        self,
        head: RunHead,
        type: str,
        step_id: str | None = None,
        iteration: int | None = None,
        attempt: int | None = None,
        *,
        output_json: str | None = None,
        data: Any = None,
    ) -> None:
        self.tx.add_history(
            NewHistoryEvent(
                run_id=head.id,
                tenant=head.tenant,
                at=self.now,
                type=type,
                step_id=step_id,
                iteration=iteration,
                attempt=attempt,
                actor=self.actor,
                output_json=output_json,
                data=data,
            )
        )

    def record(
        self,
        head: RunHead,
        ctx: RunContext,
        step_id: str,
        iteration: int,
        output: Any,
        data: Any = None,
    ) -> None:
        self.history(head, "step_completed", step_id, iteration, output_json=dumps(output), data=data)
        ctx.record(step_id, iteration, output)

    def _set_failed(self, head: RunHead, step_id: str, iteration: int, record: dict[str, Any]) -> None:
        error = {
            "step_id": step_id,
            "iteration": iteration,
            **{k: v for k, v in record.items() if k != "traceback"},
        }
        self.tx.set_run_status(head.id, RunStatus.FAILED, self.now, error=error)
        self.status[head.id] = RunStatus.FAILED
        self.history(head, "run_failed", step_id, iteration, data={"message": record.get("message")})
        self.audit(head, "run.failed", after={"status": "failed", "step_id": step_id, "error": record.get("message")})
        self.tx.notify("runs", head.id)
        self.stats.failed += 1
        self.stats.ended_runs.append((head.id, "failed"))

    def insert_job(
        self,
        head: RunHead,
        kind: str,
        step_id: str,
        iteration: int,
        scope: Scope,
        queue: str,
        available_at: float,
    ) -> str:
        """Insert a job of ``kind`` (paused if the run is); its id."""
        paused = self.status.get(head.id) == RunStatus.PAUSED
        job_id = uuid7()
        self.tx.insert_job(
            NewJob(
                id=job_id,
                run_id=head.id,
                tenant=head.tenant,
                kind=kind,
                step_id=step_id,
                iteration=iteration,
                scope=scope,
                queue=queue,
                status=JobStatus.PAUSED if paused else JobStatus.QUEUED,
                available_at=available_at,
                created_at=self.now,
            )
        )
        return job_id

    def _clean(self, head: RunHead, reason: RunEnd) -> None:
        """Remove the positions of a run that ended; let the kinds its definition uses clean up
        what they keep for it (the ``human`` kind cancels its open tasks)."""
        self.tx.clean_run(head.id)
        registry = self.engine.registry
        if not registry.ending:
            return
        try:
            used = self.definition(head).kinds & registry.ending
        except Exception:
            used = registry.ending  # cannot tell which kinds the run used: ask every one
        for name in sorted(used):
            registry.kinds[name].run_ended(RunAccess(self, head), reason)

    def fail_position(self, head: RunHead, step_id: str, iteration: int, scope: Scope, error: ErrorInfo) -> None:
        """Park a step that failed inside the transaction (a control step) as a dead letter."""
        record = {**error.record(), "reason": "the step cannot proceed"}
        self.tx.insert_job(
            NewJob(
                id=uuid7(),
                run_id=head.id,
                tenant=head.tenant,
                kind=JobKind.STEP,
                step_id=step_id,
                iteration=iteration,
                scope=scope,
                queue="default",
                status=JobStatus.FAILED,
                available_at=self.now,
                created_at=self.now,
                attempt=1,
                error=record,
            )
        )
        self.history(head, "step_failed", step_id, iteration, 1, data=record)
        self._set_failed(head, step_id, iteration, record)

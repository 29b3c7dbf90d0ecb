"""The worker: claims jobs, runs step handlers, commits their results.

One main thread owns the database work; handlers run on a thread pool (async handlers on an
event loop of the worker's own). The main thread:

1. commits every result that has arrived, in one transaction (group commit), and takes on the
   follow-up steps that the transaction handed to this worker (no trip through the queue);
2. claims more jobs, in batches, when it has free slots and was woken (a notification from
   another process, or its poll interval) or its last claim came back full;
3. extends the leases of what it runs (heartbeat), re-queues jobs whose lease expired
   (recovery of crashed workers, through the normal claim path), and fails steps that
   overran their timeout.

It blocks when there is nothing to do: no busy polling at idle.

When the database goes away (a restart, a lost connection: ``StoreUnavailable``), the main thread
keeps collecting results and enforcing step timeouts, and tries the database again after a
backoff (with jitter, capped): first the heartbeat (leases of what it holds), then recovery, then
the results it could not commit, then claims. A result whose commit failed is committed again:
if the first commit did go through, fencing drops the second (the job is gone), so nothing is
applied twice. A job claimed in a transaction whose answer was lost runs nowhere until its lease
expires; then any worker re-claims it, as after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import socket
import threading
import time
import types
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.engine.context import RunContext
from officeflow.engine.errorinfo import ErrorInfo
from officeflow.engine.transition_base import ChainSlots
from officeflow.engine.transitions import END, Transition
from officeflow.errors import ExpressionError, NonRetryableError, StoreUnavailable
from officeflow.ids import idempotency_key, uuid7
from officeflow.jsonutil import NotJSON, dumps
from officeflow.steps.base import StepContext
from officeflow.store.reconnect import Backoff, retry_until_available
from officeflow.store.records import Job, JobKind, NewHistoryEvent, WorkerRecord
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine

log = structlog.get_logger("officeflow.worker")
_WAKE = object()
SEAL_EVERY = 2.0
"""Seconds between rounds of sealing new audit entries into their chains."""


class StepTimeout(Exception):
    """The step ran past its timeout."""

    retryable = True


@dataclass(slots=True)
class Outcome:
    job: Job
    ctx: RunContext
    kind: str
    """'ok', 'error', 'timer', 'timeout', 'fired' (a job kind a step kind owns) or 'reenter'"""
    output: Any = None
    output_json: str | None = None
    error: ErrorInfo | None = None
    meta: dict[str, Any] | None = None


@dataclass(slots=True)
class _Running:
    job: Job
    ctx: RunContext
    deadline: float | None
    started_at: float
    future: Any = None


class Worker:
    """Executes steps; see the module docstring. ``run()`` blocks until ``stop()``."""

    def __init__(
        self,
        engine: Engine,
        *,
        concurrency: int = 32,
        queues: Iterable[str] = ("default",),
        lease: float = 30.0,
        heartbeat: float | None = None,
        poll: float = 1.0,
        reap_every: float | None = None,
        batch: int = 128,
        grace: float = 30.0,
        name: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if lease <= 0:
            raise ValueError("lease must be positive")
        self.engine = engine
        self.store = engine.store
        self.concurrency = concurrency
        self.queues = frozenset(queues)
        self.lease = lease
        self.heartbeat_every = heartbeat or lease / 3
        self.poll = poll
        self.reap_every = reap_every or max(0.5, lease / 2)
        self.batch = batch
        self.grace = grace
        self.id = name or f"{socket.gethostname()}-{os.getpid()}-{uuid7()[-8:]}"
        self.steps_done = 0
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: list[Outcome] = []
        self._running: dict[str, _Running] = {}
        self._abandoned: set[Future[Any]] = set()
        self._stopping = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._pipeline = engine.store.dialect.name == "postgresql"
        self._backoff = Backoff()
        self._db_retry_at = 0.0
        """While the database is unavailable: the monotonic time of the next try."""
        self._deferred: list[tuple[Job, RunContext]] = []
        """Claimed jobs not started yet: their definition could not be read (database away)."""
        self._next_claim = 0.0
        self._next_heartbeat = 0.0
        self._next_reap = 0.0
        self._next_seal = 0.0

    # Public

    def stop(self) -> None:
        """Stop claiming; finish what runs (up to ``grace`` seconds), then return from run()."""
        self._stopping.set()
        self._inbox.put(_WAKE)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, until_idle: bool = False) -> int:
        """Work until stop() (or, with ``until_idle``, until nothing is due); returns steps done."""
        start_count = self.steps_done
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="officeflow-step")
        listener = None
        try:
            if not until_idle:
                # Listening first: a registered worker hears every wake-up from then on.
                listener = self.store.listen(["jobs"], self._on_notify)
                try:
                    self._register()
                except StoreUnavailable:
                    return 0  # stopped before the database came back
            self._loop_forever(until_idle)
        finally:
            if listener is not None:
                listener.close()
            self._shutdown(until_idle)
        return self.steps_done - start_count

    # The loop

    def _loop_forever(self, until_idle: bool) -> None:
        mono = time.monotonic
        self._next_claim = 0.0
        self._next_heartbeat = mono() + self.heartbeat_every
        self._next_reap = 0.0
        self._next_seal = mono() + SEAL_EVERY
        drained_since = stop_seen = None
        while True:
            now = mono()
            self._expire_timeouts(now)
            if self._stopping.is_set():
                stop_seen = stop_seen or now
                if not self._ready:
                    if not self._running:
                        return
                    drained_since = drained_since or now
                    if now - drained_since > self.grace:
                        self._release_running()
                        return
                elif now < self._db_retry_at and now - stop_seen > self.grace:
                    log.warning(
                        "stopping with step results the database did not take; those steps run again "
                        "once their lease expires",
                        count=len(self._ready) + len(self._running),
                    )
                    return
            if now >= self._db_retry_at:
                try:
                    if self._database_round(now, until_idle):
                        return
                except StoreUnavailable:
                    self._unavailable()
                    continue
            database_up = mono() >= self._db_retry_at
            if (self._ready or self._deferred) and database_up:
                continue
            wake = min(self._next_heartbeat, self._next_reap, self._next_seal)
            if self._free() > 0 and not self._stopping.is_set():
                wake = min(wake, self._next_claim)
            wake = min(max(wake, self._db_retry_at), self._next_deadline())
            idle = until_idle and not self._running and database_up
            woken = self._wait(0.0 if idle else max(0.0, wake - mono()))
            if woken:
                self._next_claim = 0.0

    def _database_round(self, now: float, until_idle: bool) -> bool:
        """The main thread's database work when due: heartbeat, recovery, commits and claims, audit
        sealing. True when ``until_idle`` and nothing is left to do. Raises StoreUnavailable with
        every result not committed back in ``_ready``."""
        if self._deferred:
            deferred, self._deferred = self._deferred, []
            for job, ctx in deferred:
                self._dispatch(job, ctx)
        if now >= self._next_heartbeat:
            self._heartbeat()
            self._next_heartbeat = now + self.heartbeat_every
        if now >= self._next_reap:
            self._reap()
            self._next_reap = now + self.reap_every
        free = self._free()
        if until_idle and not self._running and not self._ready:
            self._next_claim = min(self._next_claim, now)
        stopping = self._stopping.is_set()
        claim = min(free, self.batch) if not stopping and free > 0 and now >= self._next_claim else 0
        if self._ready or claim:
            outcomes, self._ready = self._ready, []
            claimed, due, limit = self._cycle(outcomes, claim)
            if not claim or not limit:
                pass  # no claim was tried (no slot left after follow-up steps): try again next time
            elif claimed >= limit:
                self._next_claim = now
            else:
                wait = self.poll if due is None else max(0.0, min(self.poll, due - self.engine.now()))
                self._next_claim = now + wait
                nothing_left = not claimed and not self._running and not self._ready and not self._deferred
                if until_idle and nothing_left and (due is None or due > self.engine.now()):
                    return True
        if now >= self._next_seal and not until_idle:
            self._seal_audit()
            self._next_seal = now + SEAL_EVERY
        if not self._deferred:
            self._backoff.reset()
        return False

    def _unavailable(self) -> None:
        """The database went away: try again after a backoff; then first extend the leases of what
        this worker holds, recover expired ones, commit, and claim (the store has logged it)."""
        self._db_retry_at = time.monotonic() + self._backoff.next_delay()
        self._next_heartbeat = self._next_reap = self._next_claim = 0.0

    def _cycle(self, outcomes: list[Outcome], claim: int) -> tuple[int, float | None, int]:
        """Commit ``outcomes`` and claim up to ``claim`` more jobs, in one transaction when both are
        due; returns (jobs claimed, next due time, claim limit used)."""
        if not outcomes:
            claimed, due = self._claim(claim)
            return len(claimed), due, claim
        if len(outcomes) > self.batch:
            self._commit(outcomes)
            return 0, None, 0
        try:
            transition, claimed, due, limit = self._commit_batch(outcomes, claim)
        except StoreUnavailable:
            self._ready[:0] = outcomes
            raise
        except Exception:
            self._commit(outcomes)  # isolates the outcome that cannot be committed
            return 0, None, 0
        self.steps_done += transition.stats.completed
        for chained in transition.chained:
            self._dispatch(chained.job, chained.ctx)
        for job, ctx in claimed:
            self._dispatch(job, ctx)
        return len(claimed), due, limit

    def _wait(self, timeout: float) -> bool:
        """Collect results (blocking up to ``timeout`` for the first); True if woken to claim."""
        woken = False
        try:
            item = self._inbox.get(timeout=timeout) if timeout > 0 else self._inbox.get_nowait()
        except queue.Empty:
            return False
        while True:
            if item is _WAKE:
                woken = True
            else:
                self._arrived(item)
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return woken

    def _arrived(self, outcome: Outcome) -> None:
        running = self._running.pop(outcome.job.id, None)
        if running is None:
            return  # timed out already: this late result is dropped
        self._ready.append(outcome)

    def _on_notify(self, channel: str, payload: str) -> None:
        if not payload or payload in self.queues:
            self._inbox.put(_WAKE)

    def _free(self) -> int:
        if self._abandoned:
            self._abandoned = {f for f in self._abandoned if not f.done()}
        return self.concurrency - len(self._running) - len(self._abandoned)

    # Claiming

    def _claim(self, limit: int) -> tuple[list[tuple[Job, RunContext]], float | None]:
        now = self.engine.now()
        claimed, due = self.store.run(lambda tx: self._claim_in(tx, limit, now), pipeline=self._pipeline)
        for job, ctx in claimed:
            self._dispatch(job, ctx)
        return claimed, due

    def _claim_in(self, tx: Tx, limit: int, now: float) -> tuple[list[tuple[Job, RunContext]], float | None]:
        jobs = tx.claim(worker=self.id, queues=list(self.queues), limit=limit, now=now, lease_until=now + self.lease)
        contexts = self.engine.load_contexts(tx, [j.run_id for j in jobs]) if jobs else {}
        due = tx.next_due(list(self.queues)) if len(jobs) < limit else None
        return [(j, contexts[j.run_id]) for j in jobs if j.run_id in contexts], due

    # Executing

    def _dispatch(self, job: Job, ctx: RunContext) -> None:
        if job.kind == JobKind.TIMER:
            self._ready.append(Outcome(job, ctx, "timer"))
            return
        if job.kind == JobKind.TIMEOUT:
            self._ready.append(Outcome(job, ctx, "timeout"))
            return
        if job.kind != JobKind.STEP:  # a job kind a step kind owns: the registry finds its owner
            self._ready.append(Outcome(job, ctx, "fired"))
            return
        engine = self.engine
        try:
            definition = engine.definition(ctx.workflow, ctx.version, tenant=ctx.tenant)
        except StoreUnavailable:
            self._deferred.append((job, ctx))  # started once the database is back
            self._unavailable()
            return
        except Exception as exc:
            self._ready.append(Outcome(job, ctx, "error", error=_non_retryable(exc)))
            return
        if job.step_id == END:
            self._ready.append(Outcome(job, ctx, "reenter"))
            return
        step = definition.steps.get(job.step_id)
        if step is None:
            error = ErrorInfo.plain("StepNotFound", f"step '{job.step_id}' is not in version {ctx.version}")
            self._ready.append(Outcome(job, ctx, "error", error=error))
            return
        kind = engine.registry.kinds[step.kind]
        if kind.mode == "control":
            self._ready.append(Outcome(job, ctx, "reenter"))
            return
        step_input_spec = getattr(step, "input", None)
        try:
            step_input = step_input_spec.evaluate(ctx.variables()) if step_input_spec is not None else ctx.input
        except ExpressionError as exc:
            self._ready.append(Outcome(job, ctx, "error", error=_non_retryable(exc)))
            return
        handler_timeout = None
        handler_name = getattr(step, "handler", None)
        if handler_name:
            spec = engine.registry.handlers.get(handler_name)
            handler_timeout = spec.timeout if spec else None
        timeout = definition.timeout(step, handler_timeout)
        started = time.monotonic()
        sctx = StepContext(
            run_id=job.run_id,
            tenant=job.tenant,
            workflow=ctx.workflow,
            version=ctx.version,
            step_id=job.step_id,
            iteration=job.iteration,
            attempt=job.attempt,
            idempotency_key=idempotency_key(job.run_id, job.step_id, job.iteration),
            deadline=engine.now() + timeout if timeout else None,
            run_input=ctx.input,
            steps=types.MappingProxyType(ctx.snapshot()),
            log=log.bind(run_id=job.run_id, step_id=job.step_id, attempt=job.attempt),
        )
        running = _Running(job, ctx, started + timeout if timeout else None, engine.now())
        self._running[job.id] = running
        meta_input = step_input if step_input_spec is not None else None
        is_async = getattr(kind, "is_async", None)
        if is_async is not None and is_async(step):
            coro = kind.execute(step, step_input, sctx)  # type: ignore[attr-defined]
            running.future = asyncio.run_coroutine_threadsafe(
                self._call_async(coro, job, ctx, meta_input, running.started_at), self._event_loop()
            )
        else:
            assert self._pool is not None
            running.future = self._pool.submit(
                self._call, kind, step, step_input, sctx, job, ctx, meta_input, running.started_at
            )

    def _call(
        self,
        kind: Any,
        step: Any,
        step_input: Any,
        sctx: StepContext,
        job: Job,
        ctx: RunContext,
        meta_input: Any,
        started_at: float,
    ) -> None:
        try:
            output = kind.execute(step, step_input, sctx)
            self._inbox.put(self._success(job, ctx, output, meta_input, started_at))
        except BaseException as exc:
            self._inbox.put(self._failure(job, ctx, exc, meta_input, started_at))

    async def _call_async(self, coro: Any, job: Job, ctx: RunContext, meta_input: Any, started_at: float) -> None:
        try:
            output = await coro
            self._inbox.put(self._success(job, ctx, output, meta_input, started_at))
        except BaseException as exc:
            self._inbox.put(self._failure(job, ctx, exc, meta_input, started_at))

    def _meta(self, meta_input: Any, started_at: float) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "worker": self.id,
            "duration_ms": round((self.engine.now() - started_at) * 1000, 3),
        }
        if meta_input is not None:
            meta["input"] = meta_input
        return meta

    def _success(self, job: Job, ctx: RunContext, output: Any, meta_input: Any, started_at: float) -> Outcome:
        try:
            output_json = dumps(output)
        except NotJSON as exc:
            error = ErrorInfo.plain(
                "NotJSON",
                f"step '{job.step_id}' returned {type(output).__name__}, which is not JSON: {exc.message}",
            )
            return Outcome(job, ctx, "error", error=error, meta=self._meta(meta_input, started_at))
        return Outcome(job, ctx, "ok", output, output_json, meta=self._meta(meta_input, started_at))

    def _failure(self, job: Job, ctx: RunContext, exc: BaseException, meta_input: Any, started_at: float) -> Outcome:
        return Outcome(
            job,
            ctx,
            "error",
            error=ErrorInfo.from_exception(exc),
            meta=self._meta(meta_input, started_at),
        )

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="officeflow-async", daemon=True)
            thread.start()
            self._loop, self._loop_thread = loop, thread
        return self._loop

    def _next_deadline(self) -> float:
        deadlines = [r.deadline for r in self._running.values() if r.deadline is not None]
        return min(deadlines) if deadlines else float("inf")

    def _expire_timeouts(self, now: float) -> None:
        for job_id, running in list(self._running.items()):
            if running.deadline is not None and now >= running.deadline:
                del self._running[job_id]
                future = running.future
                if future is not None and not future.cancel():
                    self._abandoned.add(future)
                error = ErrorInfo.from_exception(StepTimeout(f"step '{running.job.step_id}' ran past its timeout"))
                self._ready.append(Outcome(running.job, running.ctx, "error", error=error))

    # Committing

    def _commit(self, outcomes: list[Outcome]) -> None:
        """Commit in batches; a batch that fails is committed one outcome at a time, and an outcome
        that cannot be committed becomes a dead letter. If the database goes away, every outcome
        not committed goes back to ``_ready`` and StoreUnavailable is raised."""
        todo = [outcomes[start : start + self.batch] for start in range(0, len(outcomes), self.batch)]
        while todo:
            chunk = todo.pop(0)
            try:
                transition, _, _, _ = self._commit_batch(chunk, 0)
            except StoreUnavailable:
                self._ready[:0] = [o for c in (chunk, *todo) for o in c]
                raise
            except Exception:
                if len(chunk) > 1:  # find the one that fails, commit the rest
                    todo[:0] = [[one] for one in chunk]
                    continue
                log.exception(
                    "could not commit a step result", run_id=chunk[0].job.run_id, step_id=chunk[0].job.step_id
                )
                try:
                    self._commit_poison(chunk[0])
                except StoreUnavailable:
                    self._ready[:0] = [o for c in (chunk, *todo) for o in c]
                    raise
                continue
            self.steps_done += transition.stats.completed
            for chained in transition.chained:
                self._dispatch(chained.job, chained.ctx)

    def _commit_batch(
        self, outcomes: list[Outcome], claim: int
    ) -> tuple[Transition, list[tuple[Job, RunContext]], float | None, int]:
        """One transaction: record the outcomes, take on follow-up steps, then claim up to
        ``claim`` more jobs with the slots left."""
        now = self.engine.now()
        free = max(0, self._free())
        originals = [o.ctx for o in outcomes]

        def body(tx: Tx) -> tuple[Transition, list[tuple[Job, RunContext]], float | None, int]:
            clones: dict[int, RunContext] = {}
            for o, ctx in zip(outcomes, originals, strict=True):
                o.ctx = clones.setdefault(id(ctx), _clone(ctx))
            chain = ChainSlots(self.id, self.queues, free, now + self.lease)
            t = Transition(self.engine, tx, now, chain=chain)
            done = t.lock_and_finish(
                [o.job.run_id for o in outcomes], [(o.job.id, o.job.attempt) for o in outcomes if o.kind != "error"]
            )
            for o in outcomes:
                if o.job.run_id not in t.heads:
                    continue
                if o.kind == "error":
                    assert o.error is not None
                    if not t.step_failed(o.job, o.error, o.meta):
                        log.info("stale failure dropped (the step was re-claimed)", job_id=o.job.id)
                elif o.job.id not in done:
                    log.info("stale result dropped (the step was re-claimed or cancelled)", job_id=o.job.id)
                elif o.kind == "ok":
                    assert o.output_json is not None
                    t.step_succeeded(o.job, o.ctx, o.output, o.output_json, o.meta or {})
                elif o.kind == "timer":
                    t.timer_fired(o.job, o.ctx)
                elif o.kind == "timeout":
                    t.timeout_fired(o.job, o.ctx)
                elif o.kind == "fired":
                    t.job_fired(o.job, o.ctx)
                else:
                    t.reenter(o.job, o.ctx)
            t.finalize()
            limit = min(claim, chain.free)
            claimed, due = self._claim_in(tx, limit, now) if limit > 0 else ([], None)
            return t, claimed, due, limit

        try:
            return self.store.run(body, pipeline=self._pipeline)
        except BaseException:
            for o, ctx in zip(outcomes, originals, strict=True):
                o.ctx = ctx
            raise

    def _commit_poison(self, outcome: Outcome) -> None:
        """A result that cannot be committed becomes a dead letter instead of looping forever."""
        try:
            error = ErrorInfo.plain("EngineError", "the step's result could not be recorded; see the worker log")

            def body(tx: Tx) -> None:
                t = Transition(self.engine, tx, self.engine.now())
                t.lock([outcome.job.run_id])
                t.step_failed(replace(outcome.job), error)
                t.finalize()

            self.store.run(body)
        except StoreUnavailable:
            raise
        except Exception:
            log.exception(
                "could not park the step as failed either; its lease will expire",
                job_id=outcome.job.id,
            )

    # Leases, recovery, registration

    def _heartbeat(self) -> None:
        """Extend the leases of every job this worker holds: running, finished but not committed
        yet, or waiting to start."""
        now = self.engine.now()
        ids = [*self._running, *(o.job.id for o in self._ready), *(job.id for job, _ in self._deferred)]

        def body(tx: Tx) -> None:
            tx.extend_leases(self.id, ids, now + self.lease)
            tx.heartbeat_worker(self.id, now, self.steps_done)

        try:
            self.store.run(body)
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("heartbeat failed")

    def _reap(self) -> None:
        now = self.engine.now()

        def body(tx: Tx) -> int:
            expired = tx.reap_expired(now)
            for job in expired:
                tx.add_history(
                    NewHistoryEvent(
                        run_id=job.run_id,
                        tenant=job.tenant,
                        at=now,
                        type="lease_expired",
                        step_id=job.step_id,
                        iteration=job.iteration,
                        attempt=job.attempt,
                        data={"worker": job.lease_owner, "lease_expired_at": job.lease_expires_at},
                    )
                )
            return len(expired)

        try:
            count = self.store.run(body)
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("recovery of expired leases failed")
            return
        if count:
            log.warning("re-queued jobs whose lease expired", count=count)

    def _seal_audit(self) -> None:
        try:
            self.engine.audit.seal()
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("sealing the audit log failed; the next round tries again")

    def _register(self) -> None:
        now = self.engine.now()
        record = WorkerRecord(
            id=self.id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            queues=tuple(sorted(self.queues)),
            concurrency=self.concurrency,
            started_at=now,
            heartbeat_at=now,
            stopped_at=None,
            steps_done=0,
        )
        retry_until_available(lambda: self.store.run(lambda tx: tx.register_worker(record)), wait=self._stopping.wait)
        log.info(
            "worker started",
            worker=self.id,
            queues=sorted(self.queues),
            concurrency=self.concurrency,
        )

    def _release_running(self) -> None:
        fenced = [(r.job.id, r.job.attempt) for r in self._running.values()]
        now = self.engine.now()
        try:
            self.store.run(lambda tx: tx.release_jobs(self.id, fenced, now))
        except Exception as exc:
            log.warning("could not release unfinished steps; they run again once their lease expires", error=str(exc))
        else:
            log.warning("released unfinished steps back to the queue", count=len(fenced))
        self._running.clear()

    def _shutdown(self, until_idle: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._loop_thread is not None:
                self._loop_thread.join(timeout=2)
            self._loop.close()
            self._loop = None
        if not until_idle:
            now = self.engine.now()
            with contextlib.suppress(Exception):
                self.store.run(lambda tx: tx.stop_worker(self.id, now, self.steps_done))
            log.info("worker stopped", worker=self.id, steps=self.steps_done)


def _clone(ctx: RunContext) -> RunContext:
    copy = RunContext.__new__(RunContext)
    copy.run_id, copy.tenant, copy.workflow, copy.version = (
        ctx.run_id,
        ctx.tenant,
        ctx.workflow,
        ctx.version,
    )
    copy.parent_run_id, copy.input = ctx.parent_run_id, ctx.input
    copy.outputs = dict(ctx.outputs)
    copy.iterations = dict(ctx.iterations)
    copy._vars = None
    return copy


def _non_retryable(exc: Exception) -> ErrorInfo:
    info = ErrorInfo.from_exception(exc)
    return replace(info, retryable=False)


__all__ = ["NonRetryableError", "Outcome", "StepTimeout", "Worker"]

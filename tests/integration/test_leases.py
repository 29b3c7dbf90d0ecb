"""Leases, recovery of crashed workers' steps, fencing of stale attempts, durable timers."""

from __future__ import annotations

import sys
import textwrap
import threading
from typing import Any

from officeflow import Engine, FakeClock, RunStatus, handler
from officeflow.engine.context import RunContext
from officeflow.engine.transitions import Transition
from officeflow.steps.base import StepContext

executions: list[tuple[str, int]] = []


@handler("record")
def record(input: Any, ctx: StepContext) -> dict[str, Any]:
    executions.append((ctx.idempotency_key, ctx.attempt))
    return {"attempt": ctx.attempt}


class Held:
    """Each attempt of the ``held`` handler says when it starts, then runs until released."""

    def __init__(self) -> None:
        self.started: dict[int, threading.Event] = {n: threading.Event() for n in (1, 2, 3)}
        self.release: dict[int, threading.Event] = {n: threading.Event() for n in (1, 2, 3)}


held_attempts = Held()


@handler("held")
def held(input: Any, ctx: StepContext) -> dict[str, Any]:
    held_attempts.started[ctx.attempt].set()
    assert held_attempts.release[ctx.attempt].wait(30), "never released"
    return {"attempt": ctx.attempt}


HERE = sys.modules[__name__]
ONE = textwrap.dedent("""
    name: one
    version: 1
    steps:
      a: {kind: task, handler: record}
""")
HELD = textwrap.dedent("""
    name: held
    version: 1
    output: steps.a.output
    steps:
      a: {kind: task, handler: held}
""")


def test_a_step_whose_worker_died_is_run_again_after_the_lease_and_the_late_result_is_refused(make_engine: Any) -> None:
    executions.clear()
    clock = FakeClock()
    engine: Engine = make_engine(handlers=[HERE], clock=clock)
    engine.apply(ONE)
    run = engine.start("one", {})
    # A worker claims the step and then dies (never completes).
    with engine.store.transaction() as tx:
        (stale,) = tx.claim(worker="dead", queues=["default"], limit=1, now=clock.now(), lease_until=clock.now() + 30)
    assert stale.attempt == 1
    assert engine.run_until_idle() == 0  # leased: nobody else takes it
    clock.advance(31)
    # The lease lapsed: another worker recovers the step through the queue (attempt 2)...
    with engine.store.transaction() as tx:
        (expired_job,) = tx.reap_expired(clock.now())
        (fresh,) = tx.claim(worker="new", queues=["default"], limit=1, now=clock.now(), lease_until=clock.now() + 30)
    assert (expired_job.lease_owner, fresh.attempt) == ("dead", 2)
    # ...and while attempt 2 runs, the dead worker comes back and reports: fenced off, attempt 2
    # is left as it is.
    with engine.store.transaction() as tx:
        t = Transition(engine, tx, clock.now())
        t.lock([run.id])
        assert tx.finish_jobs([(stale.id, stale.attempt)]) == set()
    (job,) = engine.positions(run.id).jobs
    assert (job.status, job.attempt, job.lease_owner) == ("running", 2, "new")
    # The second worker dies too; after its lease, a worker of the engine runs attempt 3.
    clock.advance(31)
    assert engine.run_until_idle() == 1
    assert executions == [(f"{run.id}:a:0", 3)]
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    history = engine.history(run.id)
    assert [h.type for h in history].count("step_completed") == 1
    (expired,) = [h for h in history if h.type == "lease_expired"]
    assert expired.data is not None
    assert expired.data["worker"] == "new"


def test_a_live_worker_whose_lease_lapsed_reports_late_and_its_result_is_dropped(make_engine: Any) -> None:
    """Worker A runs attempt 1 past its lease; worker B recovers the step and runs attempt 2.
    A's late result, committed while attempt 2 runs, changes nothing; B's completes the step,
    once. (Applying A's stale result instead would complete the step twice.)"""
    global held_attempts
    held_attempts = Held()
    clock = FakeClock()
    engine: Engine = make_engine(handlers=[HERE], clock=clock)
    engine.apply(HELD)
    run = engine.start("held", {})
    # No heartbeat during the test (it would extend the lease), one slot each.
    a = engine.worker(name="a", concurrency=1, lease=30, heartbeat=3600, poll=0.05)
    b = engine.worker(name="b", concurrency=1, lease=30, heartbeat=3600, poll=0.05)
    running_a = threading.Thread(target=a.run, daemon=True)
    running_b = threading.Thread(target=b.run, daemon=True)
    running_a.start()
    try:
        assert held_attempts.started[1].wait(10)
        clock.advance(31)  # A's lease lapses while its handler still runs
        running_b.start()
        assert held_attempts.started[2].wait(10)  # B re-queued the step and runs attempt 2
        held_attempts.release[1].set()
        a.stop()
        running_a.join(30)  # A has committed what it had before it returns
        assert not running_a.is_alive()
        history = engine.history(run.id)
        assert [h.type for h in history if h.type.startswith("step_")] == []
        (job,) = engine.positions(run.id).jobs
        assert (job.status, job.attempt, job.lease_owner) == ("running", 2, "b")
        assert engine.get_run(run.id).status == RunStatus.RUNNING
        held_attempts.release[2].set()
        assert engine.wait_for(run.id, timeout=10).status == RunStatus.COMPLETED
    finally:
        for n in (1, 2, 3):
            held_attempts.release[n].set()
        a.stop()
        b.stop()
        running_a.join(30)
        if running_b.ident is not None:
            running_b.join(30)
    history = engine.history(run.id)
    assert [(h.step_id, h.attempt) for h in history if h.type == "step_completed"] == [("a", 2)]
    (expired,) = [h for h in history if h.type == "lease_expired"]
    assert expired.data is not None
    assert (expired.attempt, expired.data["worker"]) == (1, "a")
    assert engine.get_run(run.id).output == {"attempt": 2}


def test_a_stale_failure_report_does_not_touch_the_new_attempt(make_engine: Any) -> None:
    clock = FakeClock()
    engine: Engine = make_engine(handlers=[HERE], clock=clock)
    engine.apply(ONE)
    run = engine.start("one", {})
    with engine.store.transaction() as tx:
        (stale,) = tx.claim(worker="slow", queues=["default"], limit=1, now=clock.now(), lease_until=clock.now() + 30)
    clock.advance(31)
    with engine.store.transaction() as tx:
        tx.reap_expired(clock.now())
        (fresh,) = tx.claim(worker="new", queues=["default"], limit=1, now=clock.now(), lease_until=clock.now() + 30)
    assert fresh.attempt == 2
    with engine.store.transaction() as tx:
        assert tx.requeue_job(stale.id, stale.attempt, clock.now(), {"late": True}) is False
        assert tx.fail_job(stale.id, stale.attempt, {"late": True}) is False
    (job,) = engine.positions(run.id).jobs
    assert (job.status, job.attempt, job.lease_owner) == ("running", 2, "new")


def test_timers_survive_a_restart_and_fire_once_with_two_workers(make_engine: Any, db_url: str) -> None:
    clock = FakeClock()
    first: Engine = make_engine(handlers=[HERE], clock=clock)
    first.apply(
        textwrap.dedent("""
        name: later
        version: 1
        steps:
          nap: {kind: timer, duration: 1h, next: a}
          a: {kind: task, handler: record}
    """)
    )
    run = first.start("later", {})
    first.run_until_idle()
    first.close()
    clock.advance(3600)
    engines = [Engine.open(db_url, handlers=[HERE], clock=clock) for _ in range(2)]
    try:
        threads = [threading.Thread(target=e.run_until_idle) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        engines[0].run_until_idle()
        history = engines[0].history(run.id)
        assert [h.step_id for h in history if h.type == "step_completed"] == ["nap", "a"]
        assert engines[0].get_run(run.id).status == RunStatus.COMPLETED
    finally:
        for e in engines:
            e.close()


def test_a_worker_that_stops_hands_unfinished_steps_back_at_once(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(ONE)
    run = engine.start("one", {})
    with engine.store.transaction() as tx:
        (job,) = tx.claim(worker="w", queues=["default"], limit=1, now=engine.now(), lease_until=engine.now() + 300)
        assert tx.release_jobs("w", [(job.id, job.attempt)], engine.now()) == 1
    assert engine.run_until_idle() == 1
    assert engine.get_run(run.id).status == RunStatus.COMPLETED


def test_contexts_are_rebuilt_from_history_including_renames(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[HERE])
    engine.apply(ONE)
    run = engine.start("one", {"x": 1})
    engine.run_until_idle()
    with engine.store.read() as tx:
        ctx: RunContext = engine.load_contexts(tx, [run.id])[run.id]
    assert ctx.input == {"x": 1}
    assert ctx.outputs == {"a": {"attempt": 1}}
    ctx.rename({"a": "b"})
    assert ctx.variables()["steps"] == {"b": {"output": {"attempt": 1}, "iteration": 0}}

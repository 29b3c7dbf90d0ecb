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


HERE = sys.modules[__name__]
ONE = textwrap.dedent("""
    name: one
    version: 1
    steps:
      a: {kind: task, handler: record}
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
    assert engine.run_until_idle() == 1  # the lease lapsed: recovered through the queue
    assert executions == [(f"{run.id}:a:0", 2)]
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    # The dead worker comes back and reports its result: fenced off, nothing changes.
    with engine.store.transaction() as tx:
        t = Transition(engine, tx, clock.now())
        t.lock([run.id])
        assert tx.finish_jobs([(stale.id, stale.attempt)]) == set()
    history = engine.history(run.id)
    assert [h.type for h in history].count("step_completed") == 1
    (expired,) = [h for h in history if h.type == "lease_expired"]
    assert expired.data["worker"] == "dead"


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

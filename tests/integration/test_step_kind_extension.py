"""A step kind defined outside the package (tests/integration/kinds_support.py: ``countdown``, with
a job kind and a table of its own) runs end to end on both backends through the public port only:
entered, it schedules its job; the job fires and counts down; the last tick completes the step;
the run's end cleans its table. Skipping and cancelling clean up too, and a job kind nobody owns
parks its position as a dead letter instead of being run as a step."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from officeflow import Engine, FakeClock, RunStatus
from officeflow.ids import uuid7
from officeflow.store.records import JobStatus, NewJob
from tests.integration import kinds_support
from tests.integration.kinds_support import TICK

LAUNCH = textwrap.dedent("""
    name: launch
    version: 1
    steps:
      countdown: {kind: countdown, ticks: 3, every: 10s, next: done}
      done: {kind: end, output: "{'launched': steps.countdown.output.ticks}"}
""")


@pytest.fixture
def engine(make_engine: Any, clock: FakeClock) -> Iterator[Engine]:
    e: Engine = make_engine(handlers=[kinds_support], clock=clock)
    with e.store.transaction() as tx:
        kinds_support.create_table(tx)
    e.apply(LAUNCH)
    yield e
    with e.store.transaction() as tx:
        kinds_support.drop_table(tx)


def countdown_rows(engine: Engine) -> list[dict[str, object]]:
    with engine.store.read() as tx:
        return kinds_support.rows(tx)


def test_a_kind_from_outside_the_package_schedules_its_job_counts_down_completes_and_cleans_up(
    engine: Engine, clock: FakeClock
) -> None:
    run = engine.start("launch", {})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    positions = engine.positions(run.id)
    assert [(j.kind, j.available_at - clock.now()) for j in positions.jobs] == [(TICK, 10.0)]
    assert [(w.step_id, w.kind, w.signal) for w in positions.waits] == [
        ("countdown", "countdown", "countdown:countdown:0")
    ]
    (row,) = countdown_rows(engine)
    assert (row["run_id"], row["remaining"], row["job_id"]) == (run.id, 3, positions.jobs[0].id)

    started = clock.now()
    engine.run_until_idle(advance_clock=True)
    done = engine.get_run(run.id)
    assert (done.status, done.output) == (RunStatus.COMPLETED, {"launched": 3})
    ticks = [h for h in engine.history(run.id) if h.type == "countdown_tick"]
    assert [(t.data or {}).get("remaining") for t in ticks] == [2, 1, 0]
    assert [round(t.at - started) for t in ticks] == [10, 20, 30]
    assert countdown_rows(engine) == []  # run_ended deleted the kind's rows
    assert engine.positions(run.id).jobs == []
    assert engine.positions(run.id).waits == []


def test_cancelling_the_run_ends_its_countdown_and_cleans_the_kind_s_table(engine: Engine) -> None:
    run = engine.start("launch", {})
    engine.run_until_idle()
    assert len(countdown_rows(engine)) == 1
    engine.cancel(run.id, reason="scrubbed")
    assert countdown_rows(engine) == []
    assert engine.positions(run.id).jobs == []
    engine.run_until_idle(advance_clock=True)
    assert engine.get_run(run.id).status == RunStatus.CANCELLED


def test_skipping_the_countdown_drops_its_pending_tick(engine: Engine) -> None:
    run = engine.start("launch", {})
    engine.run_until_idle()
    engine.skip(run.id, "countdown", {"ticks": 0}, actor="ops")
    done = engine.get_run(run.id)
    assert (done.status, done.output) == (RunStatus.COMPLETED, {"launched": 0})
    assert [h for h in engine.history(run.id) if h.type == "countdown_tick"] == []
    assert countdown_rows(engine) == []


def test_a_job_whose_kind_nobody_owns_parks_its_position_as_a_dead_letter(engine: Engine, clock: FakeClock) -> None:
    run = engine.start("launch", {})
    engine.run_until_idle()
    with engine.store.transaction() as tx:
        tx.insert_job(
            NewJob(
                id=uuid7(),
                run_id=run.id,
                tenant="default",
                kind="ghost.kind",
                step_id="countdown",
                iteration=0,
                scope=(),
                queue="default",
                status=JobStatus.QUEUED,
                available_at=clock.now(),
                created_at=clock.now(),
            )
        )
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.FAILED
    (letter,) = engine.dead_letters()
    assert letter.job.error is not None
    assert letter.job.error["type"] == "JobNotHandled"
    assert "no step kind of this process owns job kind 'ghost.kind'" in letter.job.error["message"]

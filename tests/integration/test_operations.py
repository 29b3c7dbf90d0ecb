"""Operator actions, idempotent starts, versioning and migration of running instances."""

from __future__ import annotations

import sys
import textwrap
import threading
from typing import Any

import pytest

from officeflow import (
    DefinitionInvalid,
    DefinitionVersionExists,
    Engine,
    IdempotencyConflict,
    InputInvalid,
    InvalidRunState,
    MigrationRefused,
    RunNotFound,
    RunStatus,
    handler,
)
from officeflow.steps.base import StepContext

fail_steps: set[str] = set()


@handler("work")
def work(input: Any, ctx: StepContext) -> dict[str, Any]:
    if ctx.step_id in fail_steps:
        raise RuntimeError(f"{ctx.step_id} broke")
    return {"step": ctx.step_id, "iteration": ctx.iteration}


HERE = sys.modules[__name__]


def yaml(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


THREE = yaml("""
    name: three
    version: 1
    input: {type: object, properties: {amount: {type: number, minimum: 0}}, required: [amount]}
    steps:
      a: {kind: task, handler: work, next: b, retry: {attempts: 1}}
      b: {kind: task, handler: work, next: c, retry: {attempts: 1}}
      c: {kind: task, handler: work, retry: {attempts: 1}}
""")


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    fail_steps.clear()
    e: Engine = make_engine(handlers=[HERE])
    e.apply(THREE)
    return e


def completed_steps(engine: Engine, run_id: str) -> list[tuple[str, int]]:
    return [(h.step_id or "", h.iteration or 0) for h in engine.history(run_id) if h.type == "step_completed"]


def test_retry_from_an_earlier_step_runs_it_again_with_a_new_iteration(engine: Engine) -> None:
    fail_steps.add("c")
    run = engine.start("three", {"amount": 1})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.FAILED
    fail_steps.clear()
    engine.retry(run.id, from_step="a", actor="ops")
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    assert completed_steps(engine, run.id) == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("c", 0)]


def test_retry_refuses_runs_that_have_not_failed_and_steps_that_do_not_exist(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    with pytest.raises(InvalidRunState, match="is running; retry applies to failed runs"):
        engine.retry(run.id)
    fail_steps.add("b")
    engine.run_until_idle()
    with pytest.raises(InvalidRunState, match="'zz' is not a step"):
        engine.retry(run.id, from_step="zz")


def test_skip_completes_a_failed_step_with_the_operators_output(engine: Engine) -> None:
    fail_steps.add("b")
    run = engine.start("three", {"amount": 1})
    engine.run_until_idle()
    engine.skip(run.id, "b", {"manual": True}, actor="ops")
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    skipped = [h for h in engine.history(run.id) if h.type == "step_completed" and h.step_id == "b"]
    assert skipped[0].output == {"manual": True}
    assert skipped[0].data == {"skipped": True}
    assert skipped[0].actor == "ops"


def test_skip_refuses_a_step_that_is_not_failed_waiting_or_sleeping(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    with pytest.raises(InvalidRunState, match="nothing to skip"):
        engine.skip(run.id, "c", {})


def test_cancel_stops_the_run_and_its_children_and_records_the_reason(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: slowchild
        version: 1
        steps:
          w: {kind: wait, signal: never}
    """)
    )
    engine.apply(
        yaml("""
        name: parent
        version: 1
        steps:
          call: {kind: subflow, workflow: slowchild}
    """)
    )
    run = engine.start("parent", {})
    (child,) = engine.list_runs(parent_run_id=run.id)
    cancelled = engine.cancel(run.id, reason="duplicate request", actor="ops")
    assert set(cancelled) == {run.id, child.id}
    assert engine.get_run(run.id).status == RunStatus.CANCELLED
    assert engine.get_run(child.id).status == RunStatus.CANCELLED
    assert engine.get_run(run.id).error == {"reason": "duplicate request"}
    assert not engine.positions(run.id).waits
    with pytest.raises(InvalidRunState, match="is cancelled"):
        engine.signal(run.id, "never")


def test_cancelling_a_child_fails_the_parents_subflow_step(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: slowchild
        version: 1
        steps:
          w: {kind: wait, signal: never}
    """)
    )
    engine.apply(
        yaml("""
        name: parent
        version: 1
        steps:
          call: {kind: subflow, workflow: slowchild}
    """)
    )
    run = engine.start("parent", {})
    (child,) = engine.list_runs(parent_run_id=run.id)
    engine.cancel(child.id)
    parent = engine.get_run(run.id)
    assert parent.status == RunStatus.FAILED
    assert parent.error is not None
    assert f"child run {child.id} was cancelled" in parent.error["message"]


def test_a_paused_run_is_not_claimed_until_it_is_resumed(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    engine.pause(run.id, actor="ops")
    assert engine.run_until_idle() == 0
    assert engine.get_run(run.id).status == RunStatus.PAUSED
    assert engine.positions(run.id).jobs[0].status == "paused"
    engine.resume(run.id, actor="ops")
    assert engine.run_until_idle() == 3
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    types = [h.type for h in engine.history(run.id)]
    assert "run_paused" in types
    assert "run_resumed" in types


def test_a_signal_to_a_finished_run_is_refused_and_an_unknown_run_is_not_found(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    engine.run_until_idle()
    with pytest.raises(InvalidRunState, match="is completed"):
        engine.signal(run.id, "x")
    with pytest.raises(RunNotFound):
        engine.signal("01a00000-0000-7000-8000-000000000000", "x")


def test_runs_of_another_tenant_are_not_found(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    with pytest.raises(RunNotFound):
        engine.get_run(run.id, tenant="acme")
    with pytest.raises(RunNotFound):
        engine.cancel(run.id, tenant="acme")


def test_starting_twice_with_one_idempotency_key_returns_the_first_run(engine: Engine) -> None:
    first = engine.start("three", {"amount": 1}, idempotency_key="invoice-42")
    second = engine.start("three", {"amount": 1}, idempotency_key="invoice-42")
    assert first.id == second.id
    assert len(engine.list_runs()) == 1


def test_concurrent_starts_with_one_key_create_one_run(engine: Engine) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        ids.append(engine.start("three", {"amount": 1}, idempotency_key="k").id)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert len(engine.list_runs()) == 1


def test_an_idempotency_key_used_by_another_workflow_is_a_conflict(engine: Engine) -> None:
    engine.apply(THREE.replace("name: three", "name: other"))
    engine.start("three", {"amount": 1}, idempotency_key="k")
    with pytest.raises(IdempotencyConflict, match="already started a run of 'three'"):
        engine.start("other", {"amount": 1}, idempotency_key="k")


def test_input_that_breaks_the_schema_is_refused_with_every_problem_and_nothing_is_stored(engine: Engine) -> None:
    with pytest.raises(InputInvalid) as info:
        engine.start("three", {"amount": -5, "extra": 1})
    assert [str(p) for p in info.value.problems] == ["/amount: -5 is less than the minimum of 0 (expected minimum: 0)"]
    with pytest.raises(InputInvalid) as info:
        engine.start("three", {})
    assert "'amount' is a required property" in str(info.value.problems[0])
    assert engine.list_runs() == []


def test_versions_are_immutable_and_reapplying_the_same_content_is_harmless(engine: Engine) -> None:
    assert engine.apply(THREE).created is False
    with pytest.raises(DefinitionVersionExists, match="give this content version 2"):
        engine.apply(
            THREE.replace("c: {kind: task, handler: work, retry: {attempts: 1}}", "c: {kind: task, handler: work}")
        )


def test_a_run_stays_on_the_version_it_started_on(engine: Engine) -> None:
    run = engine.start("three", {"amount": 1})
    engine.apply(
        THREE.replace("version: 1", "version: 2")
        .replace("a: {kind: task, handler: work, next: b", "a: {kind: task, handler: work, next: c")
        .replace("  b: {kind: task, handler: work, next: c, retry: {attempts: 1}}\n", "")
    )
    engine.run_until_idle()
    assert engine.get_run(run.id).version == 1
    assert completed_steps(engine, run.id) == [("a", 0), ("b", 0), ("c", 0)]
    newer = engine.start("three", {"amount": 1})
    assert newer.version == 2


def test_apply_refuses_a_subflow_to_a_workflow_that_does_not_exist(engine: Engine) -> None:
    with pytest.raises(DefinitionInvalid, match="subflow 'ghost' is not defined"):
        engine.apply(
            yaml("""
            name: caller
            version: 1
            steps:
              call: {kind: subflow, workflow: ghost}
        """)
        )


APPROVAL_V1 = yaml("""
    name: approve
    version: 1
    steps:
      prepare: {kind: task, handler: work, next: approval}
      approval: {kind: wait, signal: decision, next: book}
      book: {kind: task, handler: work}
""")
APPROVAL_V2 = yaml("""
    name: approve
    version: 2
    steps:
      prepare: {kind: task, handler: work, next: manager_approval}
      manager_approval: {kind: wait, signal: decision, next: check}
      check: {kind: task, handler: work, next: book}
      book: {kind: task, handler: work}
""")


def test_a_waiting_instance_migrates_with_a_step_map_and_continues_on_the_new_version(engine: Engine) -> None:
    engine.apply(APPROVAL_V1)
    engine.apply(APPROVAL_V2)
    run = engine.start("approve", {}, version=1)
    engine.run_until_idle()
    plan = engine.migrate(run.id, 2, {"approval": "manager_approval"}, actor="ops")
    assert plan.moves == [("wait", "approval", "manager_approval")]
    assert engine.get_run(run.id).version == 2
    engine.signal(run.id, "decision", {"ok": True})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    assert [s for s, _ in completed_steps(engine, run.id)] == ["prepare", "manager_approval", "check", "book"]
    migrated = [h for h in engine.history(run.id) if h.type == "run_migrated"]
    assert migrated[0].data == {"from": 1, "to": 2, "map": {"approval": "manager_approval"}}


def test_migration_is_refused_when_a_waiting_step_has_no_counterpart(engine: Engine) -> None:
    engine.apply(APPROVAL_V1)
    engine.apply(APPROVAL_V2)
    run = engine.start("approve", {}, version=1)
    engine.run_until_idle()
    with pytest.raises(MigrationRefused) as info:
        engine.migrate(run.id, 2)
    assert info.value.reasons == [
        "waiting step (signal 'decision') 'approval' has no counterpart in version 2: "
        "map it with --map approval=<step of version 2>"
    ]
    assert engine.get_run(run.id).version == 1


def test_migration_is_refused_while_a_step_executes(engine: Engine) -> None:
    engine.apply(APPROVAL_V1)
    engine.apply(APPROVAL_V2)
    run = engine.start("approve", {}, version=1)
    with engine.store.transaction() as tx:
        tx.claim(worker="w1", queues=["default"], limit=10, now=engine.now(), lease_until=engine.now() + 30)
    with pytest.raises(MigrationRefused, match="step 'prepare' is executing"):
        engine.migrate(run.id, 2, {"approval": "manager_approval"})


def test_migration_to_a_step_of_another_kind_is_refused(engine: Engine) -> None:
    engine.apply(APPROVAL_V1)
    engine.apply(APPROVAL_V2)
    run = engine.start("approve", {}, version=1)
    engine.run_until_idle()
    with pytest.raises(MigrationRefused, match="is a wait in version 1 but 'check' is a task in version 2"):
        engine.migrate(run.id, 2, {"approval": "check"})


def test_a_dry_run_shows_the_plan_and_changes_nothing(engine: Engine) -> None:
    engine.apply(APPROVAL_V1)
    engine.apply(APPROVAL_V2)
    run = engine.start("approve", {}, version=1)
    engine.run_until_idle()
    plan = engine.migrate(run.id, 2, {"approval": "manager_approval"}, dry_run=True)
    assert not plan.applied
    assert engine.get_run(run.id).version == 1

"""Control flow on both backends: next, switch, loops, parallel, wait, timer, subflow, end."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest

from officeflow import Engine, FakeClock, RunStatus, handler
from officeflow.steps.base import StepContext

calls: list[tuple[str, Any]] = []


@handler("echo")
def echo(input: Any, ctx: StepContext) -> Any:
    calls.append((ctx.step_id, ctx.idempotency_key))
    return {"got": input, "step": ctx.step_id, "iteration": ctx.iteration}


@handler("add")
def add(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    return {"n": input["n"] + 1}


@handler("async_double")
async def async_double(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    return {"n": input["n"] * 2}


HERE = sys.modules[__name__]


def yaml(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    calls.clear()
    return make_engine(handlers=[HERE])  # type: ignore[no-any-return]


def run_to_end(engine: Engine, workflow: str, input: Any, **kw: Any) -> Any:
    run = engine.start(workflow, input, **kw)
    engine.run_until_idle(advance_clock=True)
    return engine.get_run(run.id)


def test_linear_steps_pass_outputs_and_the_output_mapping_combines_them(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: linear
        version: 1
        input: {type: object, required: [n]}
        output: {first: steps.a.output.n, second: steps.b.output.n, third: steps.c.output.n}
        steps:
          a: {kind: task, handler: add, next: b}
          b: {kind: task, handler: add, input: {n: steps.a.output.n}, next: c}
          c: {kind: task, handler: async_double, input: "{'n': steps.b.output.n}"}
    """)
    )
    run = run_to_end(engine, "linear", {"n": 1})
    assert run.status == RunStatus.COMPLETED
    assert run.output == {"first": 2, "second": 3, "third": 6}
    types = [h.type for h in engine.history(run.id)]
    assert types == ["run_started", "step_completed", "step_completed", "step_completed", "run_completed"]


def test_without_output_mapping_the_run_returns_the_last_steps_output(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: last
        version: 1
        steps:
          a: {kind: task, handler: add, input: "{'n': 41}"}
    """)
    )
    assert run_to_end(engine, "last", {}).output == {"n": 42}


def test_handlers_get_a_stable_idempotency_key_per_run_step_and_iteration(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: keys
        version: 1
        steps:
          a: {kind: task, handler: echo}
    """)
    )
    run = run_to_end(engine, "keys", {"x": 1})
    assert calls == [("a", f"{run.id}:a:0")]


def test_switch_takes_the_first_true_case_then_the_default(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: route
        version: 1
        steps:
          decide:
            kind: switch
            cases:
              - {when: "input.amount > 1000.0", to: big}
              - {when: "input.amount > 100.0", to: medium}
            default: small
          big: {kind: end, output: "'big'"}
          medium: {kind: end, output: "'medium'"}
          small: {kind: end, output: "'small'"}
    """)
    )
    assert run_to_end(engine, "route", {"amount": 5000.0}).output == "big"
    assert run_to_end(engine, "route", {"amount": 500.0}).output == "medium"
    assert run_to_end(engine, "route", {"amount": 5.0}).output == "small"


def test_a_switch_with_no_matching_case_and_no_default_fails_the_run_with_the_reason(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: nomatch
        version: 1
        steps:
          decide:
            kind: switch
            cases: [{when: "input.x == 1", to: one}]
          one: {kind: end}
    """)
    )
    run = run_to_end(engine, "nomatch", {"x": 2})
    assert run.status == RunStatus.FAILED
    assert run.error is not None
    assert run.error["step_id"] == "decide"
    assert "no case matched" in run.error["message"]


def test_a_loop_runs_a_step_again_with_a_new_iteration_and_key(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: loop
        version: 1
        steps:
          count: {kind: task, handler: add, input: "has(steps.count) ? {'n': steps.count.output.n} : {'n': 0}", next: again}
          again:
            kind: switch
            cases: [{when: "steps.count.output.n < 3", to: count}]
            default: done
          done: {kind: task, handler: echo, input: steps.count.output}
    """)
    )
    run = run_to_end(engine, "loop", {})
    assert run.status == RunStatus.COMPLETED
    assert run.output["got"] == {"n": 3}
    iterations = [h.iteration for h in engine.history(run.id) if h.type == "step_completed" and h.step_id == "count"]
    assert iterations == [0, 1, 2]


def test_parallel_branches_all_run_and_the_join_waits_for_every_branch(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: fork
        version: 1
        steps:
          split:
            kind: parallel
            branches: [left, right, slow]
            next: after
          left: {kind: task, handler: add, input: "{'n': 1}", next: left2}
          left2: {kind: task, handler: add, input: "{'n': steps.left.output.n}"}
          right: {kind: task, handler: async_double, input: "{'n': 5}"}
          slow: {kind: wait, signal: go}
          after: {kind: task, handler: echo, input: steps.split.output}
    """)
    )
    run = engine.start("fork", {})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    assert not [h for h in engine.history(run.id) if h.step_id == "after"]
    assert engine.signal(run.id, "go", {"ok": True}) is True
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output["got"] == {"left": {"n": 3}, "right": {"n": 10}, "slow": {"ok": True}}


def test_nested_parallel_branches_join_inside_out(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: nested
        version: 1
        steps:
          outer: {kind: parallel, branches: [a, inner], next: end}
          a: {kind: task, handler: add, input: "{'n': 0}"}
          inner: {kind: parallel, branches: [b, c], next: after_inner}
          b: {kind: task, handler: add, input: "{'n': 10}"}
          c: {kind: task, handler: add, input: "{'n': 20}"}
          after_inner: {kind: task, handler: echo, input: "steps.inner.output"}
          end: {kind: end, output: "steps.outer.output"}
    """)
    )
    run = run_to_end(engine, "nested", {})
    assert run.status == RunStatus.COMPLETED
    assert run.output["a"] == {"n": 1}
    assert run.output["inner"]["got"] == {"b": {"n": 11}, "c": {"n": 21}}


WAITS = yaml("""
    name: approval
    version: 1
    steps:
      ask: {kind: wait, signal: decision, timeout: 2h, on_timeout: escalate, next: record}
      record: {kind: task, handler: echo, input: steps.ask.output}
      escalate: {kind: end, output: "'escalated'"}
""")


def test_a_signal_resumes_a_waiting_run_with_its_payload(engine: Engine) -> None:
    engine.apply(WAITS)
    run = engine.start("approval", {})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    engine.signal(run.id, "decision", {"approved": True}, actor="alice")
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.output["got"] == {"approved": True}
    received = [h for h in engine.history(run.id) if h.type == "signal_received"]
    assert received[0].actor == "alice"
    assert not engine.positions(run.id).jobs  # the timeout job went with the wait


def test_a_signal_sent_before_the_wait_is_kept_and_taken_when_the_run_gets_there(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: early
        version: 1
        steps:
          first: {kind: task, handler: add, input: "{'n': 0}", next: ask}
          ask: {kind: wait, signal: decision}
    """)
    )
    run = engine.start("early", {})
    assert engine.signal(run.id, "decision", {"early": 1}) is False
    assert len(engine.positions(run.id).signals) == 1
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output == {"early": 1}
    assert not engine.positions(run.id).signals


def test_a_wait_times_out_into_its_timeout_branch_once(engine: Engine, clock: FakeClock) -> None:
    engine.apply(WAITS)
    run = engine.start("approval", {})
    engine.run_until_idle()
    engine.clock.advance(3600)  # type: ignore[attr-defined]
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    engine.clock.advance(3601)  # type: ignore[attr-defined]
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output == "escalated"
    assert [h.type for h in engine.history(run.id)].count("wait_timed_out") == 1


def test_a_wait_without_timeout_branch_fails_when_it_times_out(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: strict
        version: 1
        steps:
          ask: {kind: wait, signal: decision, timeout: 10m}
    """)
    )
    run = engine.start("strict", {})
    engine.run_until_idle(advance_clock=True)
    failed = engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "no signal 'decision'" in failed.error["message"]


def test_a_timer_sleeps_durably_and_fires_once(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: nap
        version: 1
        steps:
          sleep: {kind: timer, duration: 1d, next: after}
          after: {kind: task, handler: add, input: "{'n': 1}"}
    """)
    )
    run = engine.start("nap", {})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    (job,) = engine.positions(run.id).jobs
    assert job.kind == "timer"
    assert job.available_at == pytest.approx(engine.now() + 86400)
    engine.clock.advance(86400)  # type: ignore[attr-defined]
    engine.run_until_idle()
    engine.run_until_idle()
    assert engine.get_run(run.id).output == {"n": 2}
    fired = [h for h in engine.history(run.id) if h.step_id == "sleep" and h.type == "step_completed"]
    assert len(fired) == 1


def test_a_timer_until_an_expression(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: until
        version: 1
        steps:
          sleep: {kind: timer, until: "input.when"}
    """)
    )
    run = engine.start("until", {"when": "2026-03-01T09:00:00Z"})
    engine.run_until_idle()
    (job,) = engine.positions(run.id).jobs
    assert job.available_at == 1772355600.0


def test_a_subflow_runs_a_child_and_continues_with_its_output(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: child
        version: 1
        input: {type: object, required: [n]}
        steps:
          inc: {kind: task, handler: add}
    """)
    )
    engine.apply(
        yaml("""
        name: parent
        version: 1
        steps:
          call: {kind: subflow, workflow: child, input: "{'n': 41}", next: after}
          after: {kind: task, handler: echo, input: steps.call.output}
    """)
    )
    run = run_to_end(engine, "parent", {})
    assert run.status == RunStatus.COMPLETED
    assert run.output["got"] == {"n": 42}
    (child,) = engine.list_runs(parent_run_id=run.id)
    assert child.workflow == "child"
    assert child.status == RunStatus.COMPLETED


def test_a_subflow_whose_input_breaks_the_childs_schema_fails_the_parent_step(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: child
        version: 1
        input: {type: object, required: [n]}
        steps:
          inc: {kind: task, handler: add}
    """)
    )
    engine.apply(
        yaml("""
        name: parent
        version: 1
        steps:
          call: {kind: subflow, workflow: child, input: "{'m': 1}"}
    """)
    )
    run = run_to_end(engine, "parent", {})
    assert run.status == RunStatus.FAILED
    assert run.error["step_id"] == "call"
    assert "'n' is a required property" in run.error["message"]


def test_end_stops_the_run_with_its_output(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: stop
        version: 1
        steps:
          finish: {kind: end, output: "{'total': input.a + input.b}"}
    """)
    )
    assert run_to_end(engine, "stop", {"a": 1, "b": 2}).output == {"total": 3}


def test_a_run_starting_with_control_steps_is_moved_within_the_start_transaction(engine: Engine) -> None:
    engine.apply(
        yaml("""
        name: instant
        version: 1
        steps:
          decide:
            kind: switch
            cases: [{when: "true", to: done}]
          done: {kind: end, output: "'done'"}
    """)
    )
    run = engine.start("instant", {})
    assert engine.get_run(run.id).status == RunStatus.COMPLETED
    assert engine.get_run(run.id).output == "done"

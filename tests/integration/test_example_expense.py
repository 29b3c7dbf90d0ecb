"""The expense-approval example, every path, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import structlog

from examples.expense_approval import handlers
from officeflow import Engine, FakeClock, RunStatus

DEFINITION = Path(__file__).resolve().parents[2] / "examples" / "expense_approval" / "definition.yaml"


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    e: Engine = make_engine(handlers=[handlers], clock=FakeClock())
    e.apply(DEFINITION)
    return e


def steps_of(engine: Engine, run_id: str) -> list[str]:
    return [h.step_id or "" for h in engine.history(run_id) if h.type == "step_completed"]


def test_a_small_compliant_claim_is_posted_without_a_person(engine: Engine) -> None:
    run = engine.start("expense-approval", {"employee_id": "e1", "amount": 30.0, "category": "meals"})
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output == {"verdict": "auto", "approved": True}
    assert steps_of(engine, run.id) == ["policy", "route", "post", "notify_paid"]


def test_a_claim_over_the_ceiling_is_rejected_with_the_reason(engine: Engine) -> None:
    run = engine.start("expense-approval", {"employee_id": "e1", "amount": 9000.0, "category": "travel"})
    engine.run_until_idle()
    done = engine.get_run(run.id)
    assert done.output == {"verdict": "reject", "approved": False}
    notice = next(h for h in engine.history(run.id) if h.step_id == "notify_rejected")
    assert notice.output["text"] == "Rejected by policy: travel claims are capped at 5000.00"


@pytest.mark.parametrize(("approved", "last"), [(True, "notify_paid"), (False, "notify_rejected")])
def test_the_manager_decides(engine: Engine, approved: bool, last: str) -> None:
    run = engine.start("expense-approval", {"employee_id": "e1", "amount": 800.0, "category": "travel"})
    engine.run_until_idle()
    assert engine.get_run(run.id).status == RunStatus.WAITING
    engine.signal(run.id, "approval", {"approved": approved}, actor="m-maria")
    engine.run_until_idle()
    assert steps_of(engine, run.id)[-1] == last
    assert engine.get_run(run.id).output["approved"] is approved


def test_without_a_decision_in_48_hours_it_escalates_to_finance(engine: Engine) -> None:
    run = engine.start("expense-approval", {"employee_id": "e1", "amount": 800.0, "category": "travel"})
    engine.run_until_idle()
    engine.clock.advance(48 * 3600 + 1)  # type: ignore[attr-defined]
    engine.run_until_idle()
    assert steps_of(engine, run.id)[-1] == "escalate"
    engine.signal(run.id, "approval", {"approved": True}, actor="f-lead")
    engine.run_until_idle()
    assert steps_of(engine, run.id)[-2:] == ["post", "notify_paid"]


def test_a_ledger_entry_is_the_same_when_the_step_runs_again(engine: Engine) -> None:
    run = engine.start("expense-approval", {"employee_id": "e1", "amount": 30.0, "category": "meals"})
    engine.run_until_idle()
    post = next(h for h in engine.history(run.id) if h.step_id == "post")
    from officeflow.steps.base import StepContext

    ctx = StepContext(
        run_id=run.id,
        tenant="default",
        workflow="expense-approval",
        version=1,
        step_id="post",
        iteration=0,
        attempt=2,
        idempotency_key=f"{run.id}:post:0",
        deadline=None,
        run_input={},
        steps={},
        log=structlog.get_logger("test"),
    )
    again = handlers.post_expense({"employee_id": "e1", "amount": 30.0, "category": "meals"}, ctx)
    assert again == post.output


def test_bad_claims_are_refused_with_each_problem(engine: Engine) -> None:
    from officeflow import InputInvalid

    with pytest.raises(InputInvalid) as info:
        engine.start("expense-approval", {"employee_id": "", "amount": -3, "category": "yacht", "tip": 1})
    pointers = sorted(p.pointer or "" for p in info.value.problems)
    assert pointers == ["/", "/amount", "/category", "/employee_id"]

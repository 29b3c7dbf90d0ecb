"""Human tasks on both backends: assignment through the directory, four-eyes rules, decisions,
conflicts, delegation, absences, round-robin, SLA and escalation, and what operators do to runs
that wait on a person."""

from __future__ import annotations

import textwrap
import threading
from typing import Any

import pytest

from officeflow import (
    DecisionInvalid,
    FakeClock,
    InvalidRunState,
    NotAllowed,
    Office,
    RunStatus,
    TaskConflict,
)
from officeflow.tasks import Decision

HOUR = 3600.0
EXPENSE = textwrap.dedent("""
    name: expense
    version: 1
    input: {type: object, required: [employee, amount]}
    steps:
      approve:
        kind: human
        subject: "'Expense of ' + string(input.amount) + ' from ' + input.employee"
        assign: {user: input.employee, via: manager}
        requester: input.employee
        form:
          schema:
            type: object
            properties:
              amount: {type: number, minimum: 0}
              cost_centre: {type: string}
          values: "{'amount': input.amount, 'cost_centre': ''}"
        explain: "{'policy': 'amount under 500 EUR', 'score': 0.12}"
        outcomes:
          approve: {next: book, requires: [cost_centre], style: primary}
          reject: {next: refused, reasons: [policy, duplicate, other], style: danger}
        sla:
          due: 48h
          remind: [24h]
          escalate:
            - {after: 48h, action: reassign, to: {group: finance}}
            - {after: 96h, action: timeout, next: refused}
      book: {kind: end, output: "{'booked': steps.approve.output.values.amount}"}
      refused: {kind: end, output: "{'refused': true}"}
""")
TWO_OF_THREE = textwrap.dedent("""
    name: big-purchase
    version: 1
    input: {type: object}
    steps:
      review:
        kind: human
        assign: {group: board}
        four_eyes: {approvals: "input.amount > 1000.0 ? 2 : 1"}
        outcomes:
          approve: {next: check}
          reject: {next: done, reasons: [too_expensive]}
      check:
        kind: human
        assign: {group: board}
        four_eyes: {separate_from: [review]}
        outcomes: {approve: {next: done}}
      done: {kind: end}
""")


@pytest.fixture
def office(make_office: Any) -> Office:
    e: Office = make_office(clock=FakeClock())
    d = e.directory
    d.put_person("default", "emma", actor="t", manager="mark", email="emma@example.com")
    d.put_person("default", "mark", actor="t", manager="carla", email="mark@example.com")
    d.put_person("default", "carla", actor="t", email="carla@example.com")
    d.put_person("default", "fred", actor="t", manager="carla", email="fred@example.com")
    d.put_group("default", "finance", ["fred", "frida"], actor="t")
    d.put_group("default", "board", ["bob", "bea", "bo"], actor="t")
    e.engine.apply(EXPENSE)
    e.engine.apply(TWO_OF_THREE)
    return e


def start(office: Office, employee: str = "emma", amount: float = 120.0) -> str:
    run = office.engine.start("expense", {"employee": employee, "amount": amount}, actor=f"user:{employee}")
    assert run.status == RunStatus.WAITING
    return run.id


def task_of(office: Office, run_id: str) -> Any:
    (task,) = [t for t in office.tasks.of_run("default", run_id) if t.status == "active"]
    return task


def test_the_manager_gets_the_task_corrects_a_field_and_approves(office: Office) -> None:
    run_id = start(office)
    task = task_of(office, run_id)
    assert (task.assignee, task.requester, task.title) == ("mark", "emma", "Expense of 120 from emma")
    assert task.data == {"amount": 120.0, "cost_centre": ""}
    assert task.explanation == {"policy": "amount under 500 EUR", "score": 0.12}
    assert task.due_at == pytest.approx(office.now() + 48 * HOUR)
    mark = office.tasks.viewer("default", "mark")
    inbox = office.tasks.inbox(mark)
    assert [t.id for t in inbox.tasks] == [task.id]
    assert inbox.counts["mine"] == 1

    with pytest.raises(DecisionInvalid) as missing:
        office.tasks.decide(mark, task.id, Decision(outcome="approve"))
    assert [p.pointer for p in missing.value.problems] == ["/values/cost_centre"]

    done = office.tasks.decide(
        mark,
        task.id,
        Decision(outcome="approve", values={"amount": 110.0, "cost_centre": "CC-7"}, lock_version=task.lock_version),
    )
    assert (done.status, done.outcome, done.decided_by) == ("completed", "approve", "mark")
    run = office.engine.get_run(run_id)
    assert run.status == RunStatus.COMPLETED
    assert run.output == {"booked": 110.0}
    (correction,) = office.tasks.corrections("default", task_id=task.id)
    assert (correction.field, correction.before, correction.after, correction.actor) == (
        "/amount",
        120.0,
        110.0,
        "mark",
    )
    history = [e.type for e in office.engine.history(run_id)]
    assert "task_opened" in history
    with office.store.read() as tx:
        actions = [row.action for row in tx.list_audit("default", object_id=task.id)]
    assert sorted(actions) == ["task.decided", "task.opened"]


def test_the_requester_can_never_decide_their_own_request(office: Office) -> None:
    # mark asks for himself: his manager carla gets it, and mark cannot decide it anyway
    run_id = office.engine.start("expense", {"employee": "mark", "amount": 50.0}, actor="user:mark").id
    task = task_of(office, run_id)
    assert task.assignee == "carla"
    assert "mark" in task.excluded
    office.directory.add_absence("default", "carla", "mark", office.now() - 1, office.now() + HOUR, actor="t")
    mark = office.tasks.viewer("default", "mark")
    assert "carla" in mark.stands_in_for
    with pytest.raises(NotAllowed, match="you requested this"):
        office.tasks.decide(mark, task.id, Decision(outcome="reject", reason_code="policy"))


def test_a_requester_who_is_also_the_assignee_is_passed_over_to_their_manager(office: Office) -> None:
    wf = EXPENSE.replace("name: expense", "name: self-review").replace("via: manager}", "}")
    office.engine.apply(wf)
    run = office.engine.start("self-review", {"employee": "mark", "amount": 5.0}, actor="user:mark")
    task = task_of(office, run.id)
    assert task.assignee == "carla"
    (opened,) = [e for e in office.tasks.events("default", task.id) if e.type == "opened"]
    assert opened.data is not None
    assert opened.data["notes"] == [{"passed_over": "mark", "to": "carla", "reason": "four-eyes"}]


def test_reject_needs_a_reason_from_the_list(office: Office) -> None:
    task = task_of(office, start(office))
    mark = office.tasks.viewer("default", "mark")
    with pytest.raises(DecisionInvalid) as no_reason:
        office.tasks.decide(mark, task.id, Decision(outcome="reject"))
    assert [p.pointer for p in no_reason.value.problems] == ["/reason/code"]
    with pytest.raises(DecisionInvalid, match="not complete"):
        office.tasks.decide(mark, task.id, Decision(outcome="reject", reason_code="because"))
    with pytest.raises(DecisionInvalid, match="no outcome"):
        office.tasks.decide(mark, task.id, Decision(outcome="maybe"))
    office.tasks.decide(mark, task.id, Decision(outcome="reject", reason_code="duplicate", reason_text="see #4"))
    run = office.engine.get_run(task.run_id)
    assert run.output == {"refused": True}
    (step,) = [e for e in office.engine.history(task.run_id) if e.type == "step_completed" and e.step_id == "approve"]
    assert step.output["reason"] == {"code": "duplicate", "text": "see #4"}


def test_someone_else_cannot_decide_and_a_stale_version_is_refused(office: Office) -> None:
    task = task_of(office, start(office))
    fred = office.tasks.viewer("default", "fred")
    with pytest.raises(NotAllowed, match="assigned to mark"):
        office.tasks.decide(fred, task.id, Decision(outcome="reject", reason_code="policy"))
    mark = office.tasks.viewer("default", "mark")
    office.tasks.delegate(mark, task.id, "carla", "I am travelling")
    with pytest.raises(TaskConflict, match="changed since you loaded it"):
        office.tasks.decide(
            office.tasks.viewer("default", "carla"),
            task.id,
            Decision(outcome="reject", reason_code="policy", lock_version=task.lock_version),
        )
    moved = office.tasks.get("default", task.id)
    assert moved.assignee == "carla"
    delegated = [e for e in office.tasks.events("default", task.id) if e.type == "delegated"]
    assert delegated[0].data == {"to": "carla", "reason": "I am travelling", "from": "mark"}


def test_two_people_deciding_at_once_one_wins_the_other_is_told(office: Office) -> None:
    task = task_of(office, start(office))
    office.directory.add_absence("default", "mark", "fred", office.now() - 1, office.now() + HOUR, actor="t")
    deciders = [office.tasks.viewer("default", "mark"), office.tasks.viewer("default", "fred")]
    assert "mark" in deciders[1].stands_in_for
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def decide(viewer: Any, outcome: str) -> None:
        barrier.wait()
        try:
            decision = Decision(
                outcome=outcome,
                values={"amount": 120.0, "cost_centre": "CC-1"},
                reason_code="policy" if outcome == "reject" else None,
            )
            results.append(office.tasks.decide(viewer, task.id, decision).outcome)
        except TaskConflict as exc:
            results.append(exc)

    threads = [
        threading.Thread(target=decide, args=(v, o)) for v, o in zip(deciders, ["approve", "reject"], strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, TaskConflict)]
    assert len(won) == 1
    assert len(lost) == 1
    assert "already completed" in lost[0].message
    assert office.engine.get_run(task.run_id).status == RunStatus.COMPLETED
    steps = [e for e in office.engine.history(task.run_id) if e.type == "step_completed" and e.step_id == "approve"]
    assert len(steps) == 1


def test_two_of_three_board_members_must_approve_and_duties_are_separated(office: Office) -> None:
    run = office.engine.start("big-purchase", {"amount": 5000.0}, actor="user:emma")
    task = task_of(office, run.id)
    assert (task.assignee, task.candidate_group, task.approvals_required) == (None, "board", 2)
    bob, bea, bo = (office.tasks.viewer("default", n) for n in ("bob", "bea", "bo"))
    assert [t.id for t in office.tasks.inbox(bob, view="groups").tasks] == [task.id]
    claimed = office.tasks.claim(bob, task.id)
    assert claimed.assignee == "bob"
    with pytest.raises(TaskConflict, match="already claimed by bob"):
        office.tasks.claim(bea, task.id)
    after_one = office.tasks.decide(bob, task.id, Decision(outcome="approve"))
    assert (after_one.status, after_one.assignee, len(after_one.approvals)) == ("active", None, 1)
    with pytest.raises(NotAllowed, match="already approved"):
        office.tasks.decide(bob, task.id, Decision(outcome="approve"))
    office.tasks.decide(bea, task.id, Decision(outcome="approve"))
    check = task_of(office, run.id)
    assert check.step_id == "check"
    assert set(check.excluded) == {"bob", "bea", "emma"}
    for viewer in (bob, bea):
        with pytest.raises(NotAllowed, match="separation of duties"):
            office.tasks.decide(viewer, check.id, Decision(outcome="approve"))
    office.tasks.decide(bo, check.id, Decision(outcome="approve"))
    assert office.engine.get_run(run.id).status == RunStatus.COMPLETED


def test_whoever_decided_the_first_step_may_not_decide_the_second(office: Office) -> None:
    """Separation of duties between steps with one approval each: bob approves the review alone,
    and the check (``separate_from: [review]``) is not his to decide; bea may."""
    run = office.engine.start("big-purchase", {"amount": 10.0}, actor="user:emma")
    review = task_of(office, run.id)
    assert review.approvals_required == 1
    bob, bea = office.tasks.viewer("default", "bob"), office.tasks.viewer("default", "bea")
    decided = office.tasks.decide(bob, review.id, Decision(outcome="approve"))
    assert (decided.status, decided.decided_by) == ("completed", "bob")
    check = task_of(office, run.id)
    assert check.step_id == "check"
    assert "bob" in check.excluded
    with pytest.raises(NotAllowed, match="separation of duties"):
        office.tasks.claim(bob, check.id)
    with pytest.raises(NotAllowed, match="separation of duties"):
        office.tasks.decide(bob, check.id, Decision(outcome="approve"))
    assert task_of(office, run.id).status == "active"
    office.tasks.decide(bea, check.id, Decision(outcome="approve"))
    assert office.engine.get_run(run.id).status == RunStatus.COMPLETED


def test_a_small_purchase_needs_one_approval_and_a_released_task_returns_to_the_group(office: Office) -> None:
    run = office.engine.start("big-purchase", {"amount": 10.0})
    task = task_of(office, run.id)
    assert task.approvals_required == 1
    bob = office.tasks.viewer("default", "bob")
    office.tasks.claim(bob, task.id)
    released = office.tasks.release(bob, task.id)
    assert released.assignee is None
    office.tasks.decide(
        office.tasks.viewer("default", "bo"), task.id, Decision(outcome="reject", reason_code="too_expensive")
    )
    assert office.engine.get_run(run.id).status == RunStatus.COMPLETED


def test_round_robin_spreads_tasks_over_present_members(office: Office) -> None:
    wf = textwrap.dedent("""
        name: rr
        version: 1
        steps:
          review:
            kind: human
            assign: {group: board, round_robin: true}
            outcomes: {approve: {}}
    """)
    office.engine.apply(wf)
    office.directory.add_absence("default", "bea", "bob", office.now() - 1, office.now() + HOUR, actor="t")
    assignees = [task_of(office, office.engine.start("rr", {}).id).assignee for _ in range(4)]
    assert assignees == ["bo", "bob", "bo", "bob"]


def test_an_absent_manager_s_substitute_gets_new_tasks(office: Office) -> None:
    office.directory.add_absence("default", "mark", "fred", office.now() - 1, office.now() + HOUR, actor="t")
    task = task_of(office, start(office))
    assert task.assignee == "fred"
    (opened,) = [e for e in office.tasks.events("default", task.id) if e.type == "opened"]
    assert opened.data is not None
    assert opened.data["notes"][-1]["substitute_for"] == "mark"


def test_no_manager_in_the_directory_parks_the_step_with_a_clear_error(office: Office) -> None:
    run = office.engine.start("expense", {"employee": "nobody", "amount": 1.0}, actor="user:nobody")
    failed = office.engine.get_run(run.id)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert failed.error["message"] == "'nobody' has no manager in the directory"
    (letter,) = office.engine.dead_letters()
    assert letter.job.step_id == "approve"


def test_the_sla_reminds_escalates_to_the_group_then_times_out(office: Office) -> None:
    assert isinstance(office.clock, FakeClock)
    task = task_of(office, start(office))
    office.clock.advance(24 * HOUR)
    office.engine.run_until_idle()
    reminded = office.tasks.get("default", task.id)
    assert reminded.sla_level == 1
    assert [e.type for e in office.tasks.events("default", task.id)][-1] == "reminded"
    office.clock.advance(24 * HOUR)
    office.engine.run_until_idle()
    escalated = office.tasks.get("default", task.id)
    assert (escalated.assignee, escalated.candidate_group) == (None, "finance")
    fred = office.tasks.viewer("default", "fred")
    assert [t.id for t in office.tasks.inbox(fred, view="groups").tasks] == [task.id]
    assert office.tasks.inbox(fred).counts["overdue"] == 0  # due at this very moment
    office.clock.advance(1)
    assert office.tasks.inbox(fred).counts["overdue"] == 1
    office.clock.advance(48 * HOUR)
    office.engine.run_until_idle()
    timed_out = office.tasks.get("default", task.id)
    assert (timed_out.status, timed_out.outcome) == ("completed", "timed_out")
    assert office.engine.get_run(task.run_id).output == {"refused": True}
    with office.store.read() as tx:
        sent = [(r.target, r.payload["event"]) for r in tx.list_outbox("default")]
    assert ("mark@example.com", "task.assigned") in sent
    assert ("mark@example.com", "task.reminder") in sent
    assert ("fred@example.com", "task.escalated") in sent


def test_a_decision_before_the_deadline_stops_the_sla(office: Office) -> None:
    assert isinstance(office.clock, FakeClock)
    task = task_of(office, start(office))
    office.tasks.decide(
        office.tasks.viewer("default", "mark"),
        task.id,
        Decision(outcome="approve", values={"amount": 1, "cost_centre": "X"}),
    )
    office.engine.run_until_idle(advance_clock=True)
    assert office.tasks.get("default", task.id).sla_level == 0
    assert office.engine.get_run(task.run_id).output == {"booked": 1}


def test_cancel_skip_and_pause_treat_the_open_task(office: Office) -> None:
    first = task_of(office, start(office))
    office.engine.cancel(first.run_id, reason="withdrawn", actor="user:op")
    assert office.tasks.get("default", first.id).status == "cancelled"

    second = task_of(office, start(office))
    office.engine.pause(second.run_id, actor="user:op")
    with pytest.raises(InvalidRunState, match="paused"):
        office.tasks.decide(
            office.tasks.viewer("default", "mark"), second.id, Decision(outcome="reject", reason_code="policy")
        )
    office.engine.resume(second.run_id, actor="user:op")
    office.engine.skip(second.run_id, "approve", {"outcome": "reject"}, actor="user:op")
    assert office.tasks.get("default", second.id).status == "cancelled"
    assert office.engine.get_run(second.run_id).output == {"refused": True}


def test_migrating_a_waiting_run_moves_its_task(office: Office) -> None:
    task = task_of(office, start(office))
    office.engine.apply(
        EXPENSE.replace("version: 1", "version: 2")
        .replace("  approve:\n    kind", "  manager_ok:\n    kind")
        .replace("steps.approve.output", "steps.manager_ok.output")
    )
    office.engine.migrate(task.run_id, 2, step_map={"approve": "manager_ok"}, actor="user:op")
    moved = office.tasks.get("default", task.id)
    assert (moved.step_id, moved.version) == ("manager_ok", 2)
    office.tasks.decide(
        office.tasks.viewer("default", "mark"),
        task.id,
        Decision(outcome="approve", values={"amount": 7, "cost_centre": "X"}),
    )
    assert office.engine.get_run(task.run_id).output == {"booked": 7}


def test_a_human_step_is_checked_when_applied(office: Office) -> None:
    from officeflow import DefinitionInvalid

    bad = EXPENSE.replace("name: expense", "name: bad").replace("requires: [cost_centre]", "requires: [nope]")
    bad = bad.replace("assign: {user: input.employee, via: manager}", "assign: {group: finance, via: manager}")
    with pytest.raises(DefinitionInvalid) as invalid:
        office.engine.apply(bad)
    messages = " / ".join(p.message for p in invalid.value.problems)
    assert "via walks the directory from a person, not from a group" in messages


def test_the_requester_s_manager_is_found_from_the_run_s_creator(office: Office) -> None:
    office.engine.apply(
        textwrap.dedent("""
            name: leave
            version: 1
            steps:
              ok:
                kind: human
                assign: {via: manager}
                outcomes: {approve: {}}
        """)
    )
    task = task_of(office, office.engine.start("leave", {}, actor="user:emma").id)
    assert (task.assignee, task.requester) == ("mark", "emma")
    run = office.engine.start("leave", {}, actor="api_key:intake")
    failed = office.engine.get_run(run.id)
    assert failed.error is not None
    assert "this run has none" in failed.error["message"]

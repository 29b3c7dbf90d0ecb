"""Separation of duties between steps when the first step is decided by an outcome that is not
an approval (both backends): the decider is named only as ``decided_by``, not among the
approvals, and is still refused on the step that is ``separate_from`` it. (The approve path is
in test_tasks.py; there the decider is also among the approvals.)"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from officeflow import FakeClock, NotAllowed, Office, RunStatus
from officeflow.tasks import Decision

FORWARDED = textwrap.dedent("""
    name: forwarded-purchase
    version: 1
    input: {type: object}
    steps:
      triage:
        kind: human
        assign: {group: board}
        outcomes:
          forward: {next: check}
          drop: {next: done}
      check:
        kind: human
        assign: {group: board}
        four_eyes: {separate_from: [triage]}
        outcomes: {approve: {next: done}}
      done: {kind: end}
""")


@pytest.fixture
def office(make_office: Any) -> Office:
    made: Office = make_office(clock=FakeClock())
    made.directory.put_group("default", "board", ["bob", "bea"], actor="t")
    made.engine.apply(FORWARDED)
    return made


def active_task(office: Office, run_id: str) -> Any:
    (task,) = [t for t in office.tasks.of_run("default", run_id) if t.status == "active"]
    return task


def test_whoever_forwarded_the_first_step_may_not_decide_the_second(office: Office) -> None:
    run = office.engine.start("forwarded-purchase", {"amount": 10.0}, actor="user:emma")
    bob, bea = office.tasks.viewer("default", "bob"), office.tasks.viewer("default", "bea")
    triage = active_task(office, run.id)
    decided = office.tasks.decide(bob, triage.id, Decision(outcome="forward"))
    assert (decided.status, decided.decided_by, decided.approvals) == ("completed", "bob", ())
    check = active_task(office, run.id)
    assert check.step_id == "check"
    assert "bob" in check.excluded
    with pytest.raises(NotAllowed, match="separation of duties"):
        office.tasks.claim(bob, check.id)
    with pytest.raises(NotAllowed, match="separation of duties"):
        office.tasks.decide(bob, check.id, Decision(outcome="approve"))
    assert active_task(office, run.id).status == "active"
    office.tasks.decide(bea, check.id, Decision(outcome="approve"))
    assert office.engine.get_run(run.id).status == RunStatus.COMPLETED

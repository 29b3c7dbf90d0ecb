"""What a migration checks and carries over per step kind, through the engine, the CLI and the API:
a ``wait`` moved onto a wait for another signal waits for the new signal; a run waiting at a
``human`` step is not moved onto a step that lost outcomes of its open task; deciding an outcome
that vanished anyway answers a conflict, never an error."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from officeflow import MigrationRefused, Office, RunStatus, TaskConflict
from officeflow.cli import main
from officeflow.tasks import Decision

from .conftest import Api, make_api

WAIT_V1 = textwrap.dedent("""
    name: approvals
    version: 1
    steps:
      approval: {kind: wait, signal: approval, next: done}
      done: {kind: end, output: "steps.approval.output"}
""")
WAIT_V2 = textwrap.dedent("""
    name: approvals
    version: 2
    steps:
      mgr: {kind: wait, signal: approval2, next: done}
      done: {kind: end, output: "steps.mgr.output"}
""")
HUMAN_V1 = textwrap.dedent("""
    name: purchase
    version: 1
    steps:
      decide:
        kind: human
        assign: {user: "'max'"}
        outcomes:
          approve: {next: ok}
          reject: {next: nope}
      ok: {kind: end, output: "'approved'"}
      nope: {kind: end, output: "'rejected'"}
""")
HUMAN_V2 = (
    HUMAN_V1.replace("version: 1", "version: 2")
    .replace("approve: {next: ok}", "accept: {next: ok}")
    .replace("reject: {next: nope}", "decline: {next: nope}")
)
HUMAN_V3 = HUMAN_V1.replace("version: 1", "version: 3").replace(
    "reject: {next: nope}", "reject: {next: nope}\n      escalate: {next: nope}"
)


def waiting_signals(office: Office, run_id: str) -> list[tuple[str, str | None]]:
    return [(w.step_id, w.signal) for w in office.engine.positions(run_id).waits]


@pytest.fixture
def office(make_office: Any) -> Office:
    e: Office = make_office()
    for source in (WAIT_V1, WAIT_V2, HUMAN_V1, HUMAN_V2, HUMAN_V3):
        e.engine.apply(source)
    e.accounts.create_user("default", "max", password="correct horse battery", grants=["approver"], actor="t")
    return e


def test_a_wait_moved_onto_a_wait_for_another_signal_waits_for_the_new_signal(office: Office) -> None:
    run = office.engine.start("approvals", {}, version=1)
    assert waiting_signals(office, run.id) == [("approval", "approval")]
    dry = office.engine.migrate(run.id, 2, {"approval": "mgr"}, dry_run=True)
    assert dry.moves == [("wait", "approval", "mgr"), ("signal", "approval", "approval2")]
    assert waiting_signals(office, run.id) == [("approval", "approval")]  # a dry run changes nothing
    plan = office.engine.migrate(run.id, 2, {"approval": "mgr"}, actor="ops")
    assert plan.applied
    assert plan.moves == dry.moves
    assert waiting_signals(office, run.id) == [("mgr", "approval2")]
    assert office.engine.signal(run.id, "approval", {"ok": False}) is False  # the old name is kept, not taken
    assert office.engine.signal(run.id, "approval2", {"ok": True}) is True
    office.engine.run_until_idle()
    finished = office.engine.get_run(run.id)
    assert (finished.status, finished.output) == (RunStatus.COMPLETED, {"ok": True})


def test_a_waiting_task_is_not_moved_onto_a_step_that_lost_its_outcomes(office: Office) -> None:
    run = office.engine.start("purchase", {}, version=1)
    with pytest.raises(MigrationRefused) as refused:
        office.engine.migrate(run.id, 2)
    (reason,) = refused.value.reasons
    assert "offers the outcome(s) approve, reject, which 'decide' in version 2 does not have" in reason
    assert "(it has accept, decline)" in reason
    assert office.engine.get_run(run.id).version == 1
    (task,) = office.tasks.of_run("default", run.id)
    assert task.version == 1
    office.tasks.decide(office.tasks.viewer("default", "max"), task.id, Decision(outcome="approve"))
    assert office.engine.get_run(run.id).output == "approved"


def test_a_waiting_task_moves_onto_a_step_that_keeps_its_outcomes(office: Office) -> None:
    run = office.engine.start("purchase", {}, version=1)
    plan = office.engine.migrate(run.id, 3)
    assert plan.applied
    assert plan.moves == []
    (task,) = office.tasks.of_run("default", run.id)
    assert (task.step_id, task.version) == ("decide", 3)
    office.tasks.decide(office.tasks.viewer("default", "max"), task.id, Decision(outcome="reject"))
    assert office.engine.get_run(run.id).output == "rejected"


def force_onto_version_2(office: Office, run_id: str) -> None:
    """What a migration did before it checked outcomes: the run and its task on version 2."""
    with office.store.transaction() as tx:
        tx.set_run_version(run_id, 2, office.now())
        tx.move_task(run_id, "decide", 0, "decide", (), 2)


def test_deciding_an_outcome_that_vanished_is_a_conflict_with_the_reason(office: Office) -> None:
    run = office.engine.start("purchase", {}, version=1)
    force_onto_version_2(office, run.id)
    (task,) = office.tasks.of_run("default", run.id)
    with pytest.raises(TaskConflict) as conflict:
        office.tasks.decide(office.tasks.viewer("default", "max"), task.id, Decision(outcome="approve"))
    assert "'approve' is not an outcome of step 'decide' in version 2 of 'purchase'" in conflict.value.message
    assert office.tasks.get("default", task.id).status == "active"


def test_migrate_through_the_cli_moves_the_signal_and_refuses_the_lost_outcomes(
    office: Office, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    waiting = office.engine.start("approvals", {}, version=1)
    deciding = office.engine.start("purchase", {}, version=1)
    runner = CliRunner()
    env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "tester"}

    def cli(*args: str) -> Any:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    moved = cli("runs", "migrate", waiting.id, "--to-version", "2", "--map", "approval=mgr")
    assert moved.exit_code == 0, moved.output
    assert "wait approval→mgr, signal approval→approval2" in moved.output
    signalled = cli("runs", "signal", waiting.id, "approval2", "--payload", '{"ok": true}')
    assert signalled.exit_code == 0, signalled.output
    assert "delivered" in signalled.output
    refused = cli("runs", "migrate", deciding.id, "--to-version", "2")
    assert refused.exit_code == 1
    assert "offers the outcome(s) approve, reject" in refused.output
    assert office.engine.get_run(deciding.id).version == 1


@pytest.fixture
def api(office: Office) -> Any:
    made = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    with made.client:
        yield made


def test_migrate_through_the_api_moves_the_signal_and_refuses_the_lost_outcomes(office: Office, api: Api) -> None:
    waiting = office.engine.start("approvals", {}, version=1)
    moved = api.post(f"/v1/runs/{waiting.id}/migrate", "operator", json={"to_version": 2, "map": {"approval": "mgr"}})
    assert moved.status_code == 200, moved.text
    assert moved.json()["moves"] == [["wait", "approval", "mgr"], ["signal", "approval", "approval2"]]
    signalled = api.post(f"/v1/runs/{waiting.id}/signals/approval2", "operator", json={"payload": 1})
    assert signalled.json() == {"delivered": True}
    deciding = office.engine.start("purchase", {}, version=1)
    refused = api.post(f"/v1/runs/{deciding.id}/migrate", "operator", json={"to_version": 2})
    assert refused.status_code == 409, refused.text
    assert "offers the outcome(s) approve, reject" in refused.text
    assert office.engine.get_run(deciding.id).version == 1


def test_deciding_a_vanished_outcome_through_the_api_is_a_409(office: Office, api: Api) -> None:
    run = office.engine.start("purchase", {}, version=1)
    force_onto_version_2(office, run.id)
    (task,) = office.tasks.of_run("default", run.id)
    token = api.client.post(
        "/v1/auth/login", json={"tenant": "default", "username": "max", "password": "correct horse battery"}
    ).json()["token"]
    answer = api.client.post(
        f"/v1/tasks/{task.id}/decision", json={"outcome": "approve"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 409, answer.text
    assert "is not an outcome of step 'decide' in version 2" in answer.json()["detail"]

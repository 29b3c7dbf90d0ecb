"""Feedback and retraining on both backends: a person's correction of a model step's output in the
inbox, or a decision whose outcome means another label, becomes a labelled example of that model
version (input, output, the model's value and the person's, who, when, task); agreeing with the
model gives none; ``officeflow models retrain`` trains a candidate on the base data plus that
feedback, compares it with production on the held-out part and registers it as a candidate."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from click.testing import CliRunner

from officeflow import FakeClock, Office, RunStatus
from officeflow.cli import main
from officeflow.learning.retraining import RetrainRefused, feedback_examples, next_version, retrain_registered
from officeflow.models import load_builtin
from officeflow.store.tx_model_feedback import CORRECTION, OVERRIDE
from officeflow.store.tx_models import ModelStage
from officeflow.tasks import Decision
from tests.integration.learning_support import TENANT, credit_inputs, credit_risk

CREDIT = textwrap.dedent("""
    name: credit-check
    version: 1
    input: {type: object, required: [applicant]}
    steps:
      score:
        kind: model
        model: credit-risk
        input: input.applicant
        next: review
      review:
        kind: human
        assign: {user: "'mia'"}
        form:
          schema: {type: object}
          values: steps.score.output.output
        explain: steps.score.output.explanation
        feedback: {step: score, outcomes: {approve: good, reject: bad}}
        outcomes:
          approve: {next: done}
          reject: {next: done}
      done: {kind: end}
""")


@pytest.fixture
def office(make_office: Any) -> Office:
    o: Office = make_office(clock=FakeClock())
    o.directory.put_person(TENANT, "mia", actor="t", email="mia@example.com")
    o.engine.apply(CREDIT)
    return o


def applicant(label: str) -> dict[str, Any]:
    """An applicant the credit-risk model labels ``label``."""
    model = load_builtin("credit-risk")
    inputs = credit_inputs()[:60]
    for item, p in zip(inputs, model.predict(inputs), strict=True):
        if p.label == label:
            return item
    raise AssertionError(f"no applicant labelled {label}")


def review(office: Office, label: str) -> tuple[str, Any]:
    run = office.engine.start("credit-check", {"applicant": applicant(label)}, actor="user:emma")
    office.engine.run_until_idle()
    (task,) = [t for t in office.tasks.of_run(TENANT, run.id) if t.status == "active"]
    assert task.data is not None
    assert task.data["label"] == label
    return run.id, task


def test_a_corrected_label_becomes_a_labelled_example_of_the_model_version(office: Office) -> None:
    run_id, task = review(office, "bad")
    mia = office.tasks.viewer(TENANT, "mia")
    office.tasks.decide(mia, task.id, Decision(outcome="approve", values={**task.data, "label": "good"}))
    assert office.engine.get_run(run_id).status == RunStatus.COMPLETED
    with office.store.read() as tx:
        (row,) = tx.model_feedback(TENANT, "credit-risk")
        prediction = tx.predictions_of_run(TENANT, run_id)[0]
        events = [e.type for e in tx.task_events(task.id)]
    assert row.kind == CORRECTION
    assert (row.model, row.version, row.field) == ("credit-risk", "1", "/label")
    assert (row.model_value, row.label, row.actor) == ("bad", "good", "mia")
    assert row.input == applicant("bad")
    assert row.output == prediction.output
    assert row.prediction_id == prediction.id
    assert (row.task_id, row.run_id, row.step_id, row.workflow) == (task.id, run_id, "score", "credit-check")
    assert row.at == office.now()
    assert "model_feedback" in events


def test_a_decision_meaning_another_label_is_an_override(office: Office) -> None:
    _, task = review(office, "good")
    office.tasks.decide(office.tasks.viewer(TENANT, "mia"), task.id, Decision(outcome="reject"))
    with office.store.read() as tx:
        (row,) = tx.model_feedback(TENANT, "credit-risk")
    assert (row.kind, row.field, row.model_value, row.label) == (OVERRIDE, "/label", "good", "bad")


def test_agreeing_with_the_model_gives_no_feedback(office: Office) -> None:
    _, task = review(office, "good")
    office.tasks.decide(office.tasks.viewer(TENANT, "mia"), task.id, Decision(outcome="approve"))
    _, other = review(office, "bad")
    office.tasks.decide(office.tasks.viewer(TENANT, "mia"), other.id, Decision(outcome="reject"))
    with office.store.read() as tx:
        assert tx.model_feedback(TENANT, "credit-risk") == []
        assert tx.feedback_counts(TENANT, "credit-risk") == {}


def test_retrain_registers_a_candidate_with_its_comparison(office: Office, db_url: str) -> None:
    mia = office.tasks.viewer(TENANT, "mia")
    for label, outcome in (("bad", "approve"), ("good", "reject")):
        _, task = review(office, label)
        office.tasks.decide(mia, task.id, Decision(outcome=outcome))
    with office.store.read() as tx:
        rows = tx.model_feedback(TENANT, "credit-risk")
    assert [e.label for e in feedback_examples(rows)] == ["good", "bad"]

    runner = CliRunner()
    env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "cli:tester"}
    result = runner.invoke(main, ["models", "retrain", "credit-risk", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["model"], printed["version"], printed["stage"]) == ("credit-risk", "2", "candidate")
    assert (printed["production_version"], printed["feedback_used"], printed["feedback_rows"]) == ("1", 2, 2)
    assert printed["test_rows"] == 200
    auc = next(c for c in printed["comparisons"] if c["metric"] == "auc")
    assert auc["production"] == pytest.approx(0.79, abs=0.001)
    assert 0.7 < auc["candidate"] < 0.9

    versions = {v.version: v for v in office.models.versions(TENANT, "credit-risk")}
    assert versions["1"].stage is ModelStage.PRODUCTION
    assert versions["2"].stage is ModelStage.CANDIDATE
    assert versions["2"].config["comparison"]["comparisons"] == printed["comparisons"]
    assert versions["2"].config["retrained_from"] == "1"
    assert versions["2"].metrics["auc"] == pytest.approx(auc["candidate"], abs=1e-6)
    (change, *_) = office.models.history(TENANT, "credit-risk")
    assert (change.version, change.action, change.actor) == ("2", "register", "cli:tester")
    assert change.reason is not None
    assert change.reason.startswith("retrained on 2 feedback examples; auc 0.7900 (production 1)")

    table = runner.invoke(main, ["models", "retrain", "credit-risk"], env=env, catch_exceptions=False)
    assert table.exit_code == 0, table.output
    assert "registered credit-risk version 3 as a candidate" in table.output
    assert "auc (primary)" in table.output


def test_retrain_needs_a_production_version(office: Office) -> None:
    office.models.register(TENANT, credit_risk(), actor="t")  # a candidate only
    with pytest.raises(RetrainRefused, match="no production version"):
        retrain_registered(office.store, office.models, TENANT, "credit-risk", actor="t")


def test_next_version_counts_on_from_the_highest_number() -> None:
    assert next_version(["1", "2", "10"]) == "11"
    assert next_version(["2024-a"]) == "2024-a.1"
    assert next_version(["a", "a.1"]) == "a.2"


def test_feedback_a_version_cannot_learn_from_is_left_out_and_said(office: Office) -> None:
    """A label the model does not know (a person's typing) does not block retraining: the example
    is left out, and the result says which and why."""
    mia = office.tasks.viewer(TENANT, "mia")
    _, typed = review(office, "bad")
    office.tasks.decide(mia, typed.id, Decision(outcome="approve", values={**typed.data, "label": "GOOD?"}))
    _, overridden = review(office, "good")
    office.tasks.decide(mia, overridden.id, Decision(outcome="reject"))
    done = retrain_registered(office.store, office.models, TENANT, "credit-risk", actor="t")
    assert done.candidate.feedback_used == 1
    assert done.feedback_rows == 2
    (left_out,) = done.skipped
    assert left_out["label"] == "GOOD?"
    assert left_out["why"] == "label 'GOOD?' is not one of good, bad"
    assert done.as_dict()["feedback_skipped"] == [left_out]

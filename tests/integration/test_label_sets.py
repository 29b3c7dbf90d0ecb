"""Language models in the ``model`` step on both backends: ticket triage called by name (registered
on first use); a user label set registered as a model version, called by name, corrected by a
person in the inbox, and retrained on its examples plus that correction with ``officeflow models
retrain``."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from click.testing import CliRunner

from officeflow import FakeClock, Office, RunStatus
from officeflow.cli import main
from officeflow.language.labelsets import examples_of, train_label_set
from officeflow.models import Example, load_builtin
from officeflow.store.tx_models import ModelStage
from officeflow.tasks import Decision
from tests.integration.learning_support import TENANT

REQUESTS = textwrap.dedent("""
    name: facilities-request
    version: 1
    input: {type: object, required: [request]}
    steps:
      classify:
        kind: model
        model: facilities
        input: input.request
        next: review
      review:
        kind: human
        assign: {user: "'mia'"}
        form:
          schema: {type: object}
          values: steps.classify.output.output
        feedback: {step: classify, outcomes: {heating: heating, cleaning: cleaning, furniture: furniture}}
        outcomes:
          heating: {next: done}
          cleaning: {next: done}
          furniture: {next: done}
      done: {kind: end}
""")

TRIAGE = textwrap.dedent("""
    name: it-ticket
    version: 1
    input: {type: object, required: [ticket]}
    steps:
      triage:
        kind: model
        model: ticket-triage
        input: input.ticket
        output: prediction.output
        next: done
      done: {kind: end}
""")

FACILITIES = {
    "heating": ["radiator is cold", "it's freezing in the office", "heating is off", "thermostat stuck at 15"],
    "cleaning": ["kitchen is dirty", "bins are overflowing", "coffee spilled on the carpet", "toilets not cleaned"],
    "furniture": ["my chair is broken", "need another desk", "desk won't go up", "shelf fell off the wall"],
}


@pytest.fixture
def office(make_office: Any) -> Office:
    o: Office = make_office(clock=FakeClock())
    o.directory.put_person(TENANT, "mia", actor="t", email="mia@example.com")
    examples = [Example(input={"text": t}, label=label) for label, texts in FACILITIES.items() for t in texts]
    o.models.register(TENANT, train_label_set("facilities", examples, seed=2), actor="t", stage=ModelStage.PRODUCTION)
    o.engine.apply(REQUESTS)
    return o


def test_a_label_set_is_called_by_the_model_step_corrected_and_retrained(office: Office, db_url: str) -> None:
    request = {"text": "the window sill in room 12 is thick with dust"}
    run = office.engine.start("facilities-request", {"request": request}, actor="user:emma")
    office.engine.run_until_idle()
    (task,) = [t for t in office.tasks.of_run(TENANT, run.id) if t.status == "active"]
    assert task.data is not None
    predicted = task.data["label"]
    assert predicted in FACILITIES
    assert 0 < task.data["label_confidence"] <= 1
    corrected = next(label for label in ("cleaning", "furniture") if label != predicted)
    office.tasks.decide(office.tasks.viewer(TENANT, "mia"), task.id, Decision(outcome=corrected))
    with office.store.read() as tx:
        (feedback,) = tx.model_feedback(TENANT, "facilities")
    assert (feedback.input, feedback.label) == (request, corrected)

    env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "cli:tester"}
    result = CliRunner().invoke(main, ["models", "retrain", "facilities", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["model"], printed["version"], printed["stage"]) == ("facilities", "2", "candidate")
    assert printed["feedback_used"] == 1
    assert printed["test_rows"] == 3  # the same held-out examples as version 1's, one per label
    assert printed["comparisons"][0]["metric"] == "label_accuracy"

    candidate = office.models.artifact(TENANT, office.models.version(TENANT, "facilities", "2"))
    kept = examples_of(candidate)
    assert len(kept) == 13
    assert (kept[-1].input, kept[-1].label) == (request, corrected)
    [before] = office.models.predict(TENANT, "facilities", "1", [request])
    [after] = office.models.predict(TENANT, "facilities", "2", [request])
    assert (
        dict(after.output["alternatives"]["label"])[corrected] > dict(before.output["alternatives"]["label"])[corrected]
    )


def test_ticket_triage_is_called_by_name_by_the_model_step(office: Office) -> None:
    office.engine.apply(TRIAGE)
    ticket = {"text": "whole sales floor can't print, customer contracts due at 3"}
    started = office.engine.start("it-ticket", {"ticket": ticket})
    office.engine.run_until_idle()
    assert office.engine.get_run(started.id).status == RunStatus.COMPLETED
    (event,) = [e for e in office.engine.history(started.id) if e.type == "step_completed" and e.step_id == "triage"]
    expected = load_builtin("ticket-triage").predict([ticket])[0]
    out = event.output
    assert (out["model"], out["version"], out["stage"], out["path"]) == ("ticket-triage", "1", "production", "model")
    assert out["label"] == expected.label == "printer"
    assert out["confidence"] == pytest.approx(expected.confidence)
    assert out["value"]["priority"] == expected.output["priority"]
    (row,) = office.models.predictions(TENANT, "ticket-triage", run_id=started.id)
    assert row.input == ticket

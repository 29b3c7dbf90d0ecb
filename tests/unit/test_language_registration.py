"""Ticket triage and e-mail intent as built-in models of the model layer, user label sets as model
versions, and retraining both through ``officeflow.models.retrain``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from officeflow.language import ExamplesInvalid
from officeflow.language.builtin import BuiltinTextModel, SpecTrainer
from officeflow.language.labelsets import MIN_PER_LABEL, examples_of, read_examples, train_label_set
from officeflow.language.training import SPECS
from officeflow.models import (
    BUILTINS,
    Artifact,
    Example,
    Flavour,
    Model,
    ModelArtifactInvalid,
    ModelInputInvalid,
    load_builtin,
    load_model,
    retrain,
)

REPORTS = Path(__file__).resolve().parents[2] / "docs" / "reports"


@pytest.mark.parametrize(("name", "main"), [("ticket-triage", "category"), ("email-intent", "intent")])
def test_the_language_models_are_registered_built_ins_with_their_metadata(name: str, main: str) -> None:
    assert name in BUILTINS
    model = load_builtin(name)
    assert isinstance(model, Model)
    meta = model.metadata
    assert meta.name == name
    assert meta.flavour is Flavour.PYTHON
    assert meta.labels == SPECS[name].heads[main]
    assert meta.input_schema["type"] == "object"
    assert set(SPECS[name].heads) | {"alternatives"} <= set(meta.output_schema["properties"])
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", meta.training_data_digest)
    assert meta.reference is not None
    assert meta.reference.confidence is not None
    # the metrics are the report's figures
    report = (REPORTS / f"{name}.md").read_text(encoding="utf-8")
    generated = meta.metrics[f"{main}_accuracy_generated"]
    assert f"| {main} | {generated:.1%} " in report


def test_a_registered_language_model_predicts_like_the_classifier() -> None:
    model = load_builtin("ticket-triage")
    assert isinstance(model, BuiltinTextModel)
    tickets = [{"text": "printer jammed on 3rd floor"}, {"text": "vpn down for the whole office, clients waiting"}]
    predictions = model.predict(tickets)
    assert [p.label for p in predictions] == ["printer", "network"]
    for p in predictions:
        assert p.confidence == p.output["category_confidence"]
        assert p.output["priority"] in SPECS["ticket-triage"].heads["priority"]
        assert p.prediction_set is not None
    with pytest.raises(ModelInputInvalid) as caught:
        model.predict([{"text": 3}])
    assert caught.value.problems[0].pointer == "/0/text"


def test_an_artifact_round_trips_through_a_folder_and_load_model(tmp_path: Path) -> None:
    committed = BUILTINS["email-intent"].artifact()
    committed.write(tmp_path / "copy")
    again = load_model(Artifact.read(tmp_path / "copy"))
    assert again.metadata == committed.metadata
    email = {"subject": "Rechnung 45521", "body": "anbei unsere Rechnung", "attachments": ["RE_45521.pdf"]}
    assert again.predict([email])[0].label == "invoice"
    tampered = Artifact(metadata=committed.metadata, config=committed.config, files={"classifier.skops": b"junk"})
    with pytest.raises(ModelArtifactInvalid, match="not a skops model file"):
        load_model(tampered)


def test_ticket_triage_retrains_on_base_data_plus_corrections() -> None:
    trainer = SpecTrainer(SPECS["ticket-triage"])
    base = [
        Example(input={"text": row["text"]}, label={f: row[f] for f in SPECS["ticket-triage"].heads})
        for row in SPECS["ticket-triage"].generate(400, 3)
    ]
    corrections = [
        Example(input={"text": "the label printer in the warehouse prints blank labels"}, label="printer", source="x"),
        Example(input={"text": "sap wont start, whole finance team idle"}, label={"priority": "critical"}, source="x"),
    ]
    assert trainer.name == "ticket-triage"
    candidate = retrain("ticket-triage", base, corrections, seed=3, version="2")
    assert candidate.feedback_used == 2
    assert candidate.primary == "category_accuracy"
    assert candidate.test_rows == 60
    comparison = candidate.comparison("category_accuracy")
    assert 0.5 < comparison.candidate <= 1
    model = load_model(candidate.artifact)
    assert model.metadata.version == "2"
    assert model.predict([{"text": "printer jammed"}])[0].label == "printer"
    with pytest.raises(ModelInputInvalid, match="urgent"):
        retrain("ticket-triage", base, [Example(input={"text": "x"}, label={"priority": "urgent"})], seed=3)


FACILITIES = {
    "heating": ["radiator is cold", "it's freezing in the office", "heating is off", "thermostat stuck at 15"],
    "cleaning": ["kitchen is dirty", "bins are overflowing", "coffee spilled on the carpet", "toilets not cleaned"],
    "furniture": ["my chair is broken", "need another desk", "desk won't go up", "shelf fell off the wall"],
}


def _examples() -> list[Example]:
    return [Example(input={"text": t}, label=label) for label, texts in FACILITIES.items() for t in texts]


def test_a_label_set_is_a_model_version_that_loads_and_retrains_with_corrections() -> None:
    artifact = train_label_set("facilities", _examples(), seed=1)
    assert artifact.config["builtin"] == "label-set"
    assert artifact.metadata.labels == ("cleaning", "furniture", "heating")
    assert artifact.metadata.metrics["test_examples"] == 3  # one of each label held out
    assert len(examples_of(artifact)) == 12
    model = load_model(artifact)
    assert model.predict([{"text": "the heater in my room is off"}])[0].label == "heating"
    corrections = [
        Example(input={"text": "the air conditioning blows warm air"}, label="heating", source="feedback"),
        Example(input={"text": "the window sill is dusty"}, label="cleaning", source="feedback"),
    ]
    candidate = retrain("facilities", feedback_examples=corrections, production=artifact, version="2")
    assert candidate.name == "facilities"
    assert candidate.feedback_used == 2
    assert candidate.test_rows == 3  # the same held-out examples production was measured on
    assert candidate.artifact.metadata.name == "facilities"
    kept = examples_of(candidate.artifact)
    assert len(kept) == 14
    assert [e.source for e in kept[-2:]] == ["feedback", "feedback"]
    assert load_model(candidate.artifact).predict([{"text": "the window sill is dusty"}])[0].label == "cleaning"
    with pytest.raises(ModelInputInvalid, match="not one of the model's labels"):
        retrain("facilities", feedback_examples=[Example(input={"text": "x"}, label="parking")], production=artifact)


def test_a_label_set_with_too_few_examples_is_refused_with_every_reason() -> None:
    few = [Example(input={"text": t}, label="heating") for t in ("cold", "freezing", "heater off")]
    few += [Example(input={"text": "dirty"}, label="cleaning"), Example(input={"text": 4}, label="cleaning")]
    with pytest.raises(ExamplesInvalid) as caught:
        train_label_set("facilities", few)
    messages = [str(p) for p in caught.value.problems]
    assert f"/labels: label 'cleaning' has 2 examples (expected at least {MIN_PER_LABEL} per label)" in messages
    with pytest.raises(ExamplesInvalid, match="not a model name"):
        train_label_set("Facilities!", _examples())
    with pytest.raises(ModelArtifactInvalid, match="no version is committed"):
        load_builtin("label-set")


def test_examples_are_read_from_json_lines_and_csv_with_the_line_of_each_problem(tmp_path: Path) -> None:
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text('{"text": "radiator cold", "label": "heating"}\n\n{"text": "bins", "label": ""}\n{bad\n')
    with pytest.raises(ExamplesInvalid) as caught:
        read_examples(jsonl)
    assert [str(p) for p in caught.value.problems] == [
        f"{jsonl}:3: label: '' is not a label (expected a non-empty string)",
        f"{jsonl}:4:2: not JSON: Expecting property name enclosed in double quotes "
        '(expected one JSON object per line, {"text": ..., "label": ...})',
    ]
    csv = tmp_path / "x.csv"
    csv.write_text('text,label\n"radiator cold, again",heating\nbins full,cleaning\n', encoding="utf-8")
    assert [(e.input["text"], e.label) for e in read_examples(csv)] == [
        ("radiator cold, again", "heating"),
        ("bins full", "cleaning"),
    ]

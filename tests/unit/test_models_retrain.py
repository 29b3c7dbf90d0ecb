"""Retraining a built-in on base data plus feedback, compared with production on the same held-out part."""

from __future__ import annotations

import pytest

from officeflow.models import Candidate, Example, ModelInputInvalid, retrain
from officeflow.models.builtin.registry import BUILTINS
from officeflow.models.errors import TrainingFailed
from tests.unit.test_models_credit_risk import BAD, GOOD


def test_a_candidate_is_compared_with_production_on_the_same_test_rows() -> None:
    phases: list[str] = []
    feedback = [Example(input=GOOD, label="good", source="inbox"), Example(input=BAD, label="bad", source="inbox")]
    candidate = retrain("credit-risk", feedback_examples=feedback, progress=lambda phase, done: phases.append(phase))
    assert isinstance(candidate, Candidate)
    production = BUILTINS["credit-risk"].artifact()
    assert candidate.seed == production.config["seed"]
    assert candidate.feedback_used == 2
    assert candidate.test_rows == 200
    auc = candidate.comparison("auc")
    assert auc.production == pytest.approx(production.metadata.metrics["auc"], abs=1e-6)
    assert auc.higher_is_better
    assert not candidate.comparison("brier").higher_is_better
    assert candidate.primary == "auc"
    assert candidate.better == (auc.candidate >= auc.production)
    assert candidate.artifact.metadata.version == "candidate"
    assert candidate.artifact.config["feedback_examples"] == 2
    assert phases == ["split", "fit", "evaluate production", "evaluate candidate", "done"]
    assert candidate.as_dict()["comparisons"][0]["metric"] == "auc"


def test_feedback_that_flips_labels_makes_a_worse_candidate() -> None:
    """Hundreds of wrong corrections (labels flipped) must show as a worse AUC; all-noise labels fail to train."""
    trainer = BUILTINS["credit-risk"].trainer()
    base = trainer.base_examples()
    wrong = [Example(input=e.input, label="bad" if e.label == "good" else "good", source="inbox") for e in base[:300]]
    candidate = retrain("credit-risk", feedback_examples=wrong)
    assert candidate.comparison("auc").candidate < candidate.comparison("auc").production
    assert not candidate.better
    noise = [Example(input=e.input, label="bad" if e.label == "good" else "good", source="inbox") for e in base[:600]]
    with pytest.raises(TrainingFailed, match="no characteristic has an information value"):
        retrain("credit-risk", feedback_examples=noise)


def test_invalid_feedback_is_refused_with_where_and_what() -> None:
    bad_input = Example(input={**GOOD, "duration_in_month": -1}, label="good")
    bad_label = Example(input=GOOD, label="maybe")
    with pytest.raises(ModelInputInvalid) as caught:
        retrain("credit-risk", feedback_examples=[bad_input, bad_label])
    pointers = [p.pointer for p in caught.value.problems]
    assert pointers == ["/feedback/0/input/duration_in_month", "/feedback/1/label"]
    assert "expected good, bad" in str(caught.value)


def test_an_unknown_model_name_is_refused() -> None:
    from officeflow.models import ModelArtifactInvalid

    with pytest.raises(
        ModelArtifactInvalid,
        match="built-in models: credit-risk, email-intent, expense-anomaly, sensor-anomaly, ticket-triage",
    ):
        retrain("fraud")


def test_the_sensor_detector_retrains_on_labelled_streams() -> None:
    """Feedback for the detector is a labelled stream (the incidents a technician confirmed)."""
    from officeflow.models.builtin.sensor_anomaly import generator

    stream = generator.generate_stream(77, n=3000)
    candidate = retrain("sensor-anomaly", feedback_examples=[Example(input={"stream": stream}, label=stream.incidents)])
    assert candidate.primary == "generated_f1"
    assert candidate.feedback_used == 1
    assert {c.metric for c in candidate.comparisons} >= {"generated_precision", "generated_recall", "waterflow_recall"}
    assert not candidate.comparison("generated_delay_median").higher_is_better

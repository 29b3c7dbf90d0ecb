"""The model contract: predictions, metadata, artifacts, input checks and training ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from officeflow.models import (
    Artifact,
    FeatureKind,
    Flavour,
    InputChecker,
    InputRange,
    ModelArtifactInvalid,
    ModelInputInvalid,
    ModelMetadata,
    Prediction,
    Reason,
    build_reference,
    data_digest,
    explanation,
    outside_training_range,
    training_ranges,
)

SCHEMA = {
    "type": "object",
    "required": ["amount", "kind"],
    "properties": {"amount": {"type": "number", "minimum": 0}, "kind": {"enum": ["a", "b"]}},
}


def metadata() -> ModelMetadata:
    rows = [{"amount": float(i), "kind": "a" if i % 3 else "b"} for i in range(100)]
    return ModelMetadata(
        name="m",
        version="3",
        flavour=Flavour.ONNX,
        input_schema=SCHEMA,
        output_schema={"type": "object"},
        metrics={"auc": 0.9},
        training_data_digest=data_digest(rows),
        labels=("no", "yes"),
        reference=build_reference(rows, {"amount": FeatureKind.NUMERIC, "kind": FeatureKind.CATEGORICAL}, [0.5] * 100),
        input_ranges=training_ranges(
            {"amount": [r["amount"] for r in rows], "kind": [r["kind"] for r in rows]}, ["kind"]
        ),
    )


def test_a_prediction_decides_alone_only_with_a_one_label_set() -> None:
    alone = Prediction(output={}, confidence=0.9, label="yes", prediction_set=("yes",))
    unsure = Prediction(output={}, confidence=0.6, label="yes", prediction_set=("no", "yes"))
    empty = Prediction(output={}, confidence=0.6, label="yes", prediction_set=())
    uncalibrated = Prediction(output={}, confidence=None, label="yes")
    assert alone.decides_alone
    assert not unsure.decides_alone
    assert not empty.decides_alone
    assert not uncalibrated.decides_alone
    assert unsure.as_dict()["prediction_set"] == ["no", "yes"]
    assert uncalibrated.as_dict()["prediction_set"] is None


def test_explanation_has_one_shape() -> None:
    out = explanation({"amount": -3.0}, [Reason(code="amount", text="Amount: high", contribution=-3.0)], unit="points")
    assert out == {
        "contributions": {"amount": -3.0},
        "reasons": [{"code": "amount", "text": "Amount: high", "contribution": -3.0}],
        "unit": "points",
    }


def test_metadata_round_trips_through_json_including_the_training_reference() -> None:
    meta = metadata()
    again = ModelMetadata.from_dict(meta.as_dict())
    assert again == meta
    assert again.reference is not None
    assert again.reference.features["kind"].levels == ("a", "b")


def test_bad_metadata_is_a_precise_artifact_error() -> None:
    with pytest.raises(ModelArtifactInvalid, match="flavour"):
        ModelMetadata.from_dict({"name": "m", "version": "1", "flavour": "pickle"})


def test_artifact_writes_reads_and_digests_its_content(tmp_path: Path) -> None:
    art = Artifact(
        metadata=metadata(), config={"tabular": {"features": ["amount"]}}, files={"model.onnx": b"\x00graph"}
    )
    art.write(tmp_path / "v3")
    again = Artifact.read(tmp_path / "v3")
    assert again == art
    assert again.digest() == art.digest()
    changed = Artifact(metadata=art.metadata, config=art.config, files={"model.onnx": b"\x00other"})
    assert changed.digest() != art.digest()
    with pytest.raises(ModelArtifactInvalid, match=r"no file 'model\.skops'"):
        again.file("model.skops")


def test_reading_a_folder_without_model_json_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactInvalid, match=r"no model\.json"):
        Artifact.read(tmp_path)


def test_input_checker_names_every_bad_field_of_every_bad_item() -> None:
    checker = InputChecker(SCHEMA)
    checker.check([{"amount": 1, "kind": "a"}, {"amount": 2.5, "kind": "b"}])
    with pytest.raises(ModelInputInvalid) as caught:
        checker.check([{"amount": 1, "kind": "a"}, {"amount": -5, "kind": "c"}, {"kind": "a"}])
    pointers = sorted(p.pointer or "" for p in caught.value.problems)
    assert pointers == ["/1/amount", "/1/kind", "/2"]
    assert "-5 is less than the minimum of 0" in str(caught.value)


def test_an_invalid_input_schema_is_an_artifact_error() -> None:
    with pytest.raises(ModelArtifactInvalid, match="not a valid JSON Schema"):
        InputChecker({"type": "nonsense"})


def test_inputs_outside_the_training_range_are_found() -> None:
    ranges = metadata().input_ranges
    assert outside_training_range(ranges, {"amount": 50, "kind": "a"}) == []
    findings = outside_training_range(ranges, {"amount": 500, "kind": "z"})
    assert {f.feature for f in findings} == {"amount", "kind"}
    assert "0 to 99" in str(next(f for f in findings if f.feature == "amount"))
    assert (
        outside_training_range({"amount": InputRange(minimum=0, maximum=1)}, {"amount": "x"})[0].expected == "a number"
    )
    assert outside_training_range(ranges, {}) == []


def test_the_public_names_of_the_model_layer_are_pinned() -> None:
    """The registry, the step and the CLI call these; a change here is a change of the public API."""
    import officeflow.models as models

    assert sorted(models.__all__) == sorted(
        [
            "BUILTINS",
            "Artifact",
            "BatcherClosed",
            "BatcherStats",
            "CalibrationMethod",
            "CallableModel",
            "Candidate",
            "Comparison",
            "ConformalSets",
            "Coverage",
            "DriftFinding",
            "Example",
            "FeatureKind",
            "FeatureReference",
            "Flavour",
            "InputChecker",
            "InputRange",
            "Item",
            "MicroBatcher",
            "Model",
            "ModelArtifactInvalid",
            "ModelInputInvalid",
            "ModelMetadata",
            "ModelRejected",
            "ModelTimeout",
            "ModelUnavailable",
            "OipClient",
            "OipEndpoint",
            "OipModel",
            "OnnxModel",
            "Prediction",
            "PredictFunction",
            "ProbabilityCalibrator",
            "RangeFinding",
            "Reason",
            "Severity",
            "SkopsModel",
            "TabularSpec",
            "Task",
            "Thresholds",
            "TrainResult",
            "TrainingFailed",
            "TrainingReference",
            "UntrustedTypes",
            "build_reference",
            "conformalize",
            "data_digest",
            "expected_calibration_error",
            "explanation",
            "fit_calibrator",
            "load_builtin",
            "load_model",
            "measure_coverage",
            "measure_drift",
            "oip_artifact",
            "onnx_artifact",
            "outside_training_range",
            "override_rate",
            "psi",
            "retrain",
            "skops_artifact",
            "training_ranges",
            "worst",
        ]
    )
    assert all(hasattr(models, name) for name in models.__all__)

"""The committed sensor-anomaly detector: spikes and stuck sensors found fast, state that survives JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from officeflow.models import load_builtin
from officeflow.models.builtin.registry import BUILTINS
from officeflow.models.builtin.sensor_anomaly import generator, waterflow
from officeflow.models.builtin.sensor_anomaly.detector import Detector, step
from officeflow.models.builtin.sensor_anomaly.model import SensorAnomalyModel
from officeflow.models.builtin.sensor_anomaly.scoring import flags, score_flags
from officeflow.models.builtin.sensor_anomaly.train import train


@pytest.fixture(scope="module")
def model() -> SensorAnomalyModel:
    loaded = load_builtin("sensor-anomaly")
    assert isinstance(loaded, SensorAnomalyModel)
    return loaded


def calm(n: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [
        {"temperature": round(60 + rng.normal(0, 0.4), 3), "vibration": round(2 + rng.normal(0, 0.08), 3)}
        for _ in range(n)
    ]


def run(model: SensorAnomalyModel, readings: list[dict[str, float]]) -> list[bool]:
    state = None
    out = []
    for reading in readings:
        p = model.predict([{"reading": reading, "state": state}])[0]
        state = p.output["state"]
        out.append(bool(p.output["anomalous"]))
    return out


def test_an_injected_spike_is_detected_within_two_readings(model: SensorAnomalyModel) -> None:
    readings = calm(400)
    readings[300] = {**readings[300], "vibration": 2 + 10 * 0.08}
    flagged = run(model, readings)
    assert any(flagged[300:302])
    assert sum(flagged[:300]) <= 2


def test_a_stuck_sensor_is_detected_after_its_run_length(model: SensorAnomalyModel) -> None:
    readings = calm(400)
    for i in range(300, 360):
        readings[i] = {**readings[i], "temperature": readings[299]["temperature"]}
    flagged = run(model, readings)
    first = next(i for i in range(300, 400) if flagged[i])
    assert first - 300 <= model.params.stuck_run + 1


def test_the_explanation_names_the_sensor_and_there_is_no_confidence(model: SensorAnomalyModel) -> None:
    readings = calm(100)
    state = None
    for reading in readings:
        state = model.predict([{"reading": reading, "state": state}])[0].output["state"]
    p = model.predict([{"reading": {"temperature": 75.0, "vibration": 2.0}, "state": state}])[0]
    assert p.label == "anomaly"
    assert p.confidence is None
    assert p.explanation["reasons"][0]["code"] == "spike:temperature"
    assert "temperature is" in p.explanation["reasons"][0]["text"]


def test_state_survives_json_and_continuing_from_it_changes_nothing() -> None:
    model = load_builtin("sensor-anomaly")
    assert isinstance(model, SensorAnomalyModel)
    params = model.params
    stream = generator.generate_stream(11, n=1500)
    whole = Detector(params)
    expected = [whole.update(r).anomalous for r in stream.readings]
    state = None
    got = []
    for reading in stream.readings:
        state, verdict = step(params, json.loads(json.dumps(state)), reading)
        got.append(verdict.anomalous)
    assert got == expected


def test_waterflow_anomalies_are_all_found(model: SensorAnomalyModel) -> None:
    series = waterflow.load()
    assert len(series.readings) == 1268
    score = score_flags(flags(model.params, series.readings), series.incidents, grace=6, merge_gap=6)
    assert score.recall == 1.0
    assert max(score.delays) <= 1


def test_retraining_with_the_committed_seed_reproduces_the_committed_metrics() -> None:
    committed = BUILTINS["sensor-anomaly"].artifact()
    result = train(int(committed.config["seed"]))
    assert result.artifact.config["params"] == committed.config["params"]
    for key in ("generated_precision", "generated_recall", "waterflow_recall"):
        assert result.metrics[key] == pytest.approx(committed.metadata.metrics[key], abs=1e-6)

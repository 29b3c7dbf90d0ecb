"""Tune the sensor-anomaly detector with seed 0, commit its artifact, and write docs/models/sensor-anomaly.md.

.venv/bin/python -m officeflow.models.builtin.sensor_anomaly.evaluate
"""

from __future__ import annotations

import time

from river import anomaly, preprocessing

from officeflow.models.builtin.report import commit_artifact, table, write_report
from officeflow.models.builtin.sensor_anomaly import generator, waterflow
from officeflow.models.builtin.sensor_anomaly.detector import Detector, Params
from officeflow.models.builtin.sensor_anomaly.scoring import score_flags
from officeflow.models.builtin.sensor_anomaly.train import (
    GRACE,
    GRID,
    MERGE_GAP,
    WATERFLOW_GRACE,
    WATERFLOW_MERGE_GAP,
    SensorAnomalyTrainer,
    train,
)


def half_space_trees(streams: list[generator.Stream], quantile: float, grace: int, gap: int) -> dict[str, float]:
    """River's HalfSpaceTrees on the same streams: flag scores above the training quantile (first 500 readings)."""
    total = None
    for stream in streams:
        model = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(n_trees=10, height=8, window_size=250, seed=0)
        scores = []
        for reading in stream.readings:
            scores.append(model.score_one(reading))
            model.learn_one(reading)
        warm = sorted(scores[50:500])
        cut = warm[int(quantile * (len(warm) - 1))]
        flagged = [i >= 500 and s > cut for i, s in enumerate(scores)]
        score = score_flags(flagged, stream.incidents, grace, gap)
        total = score if total is None else total + score
    assert total is not None
    return total.as_dict()


def main() -> None:
    result = train(0)
    commit_artifact(result)
    m = result.metrics
    params = Params.from_dict(result.artifact.config["params"])
    trainer = SensorAnomalyTrainer()
    test = [e.input["stream"] for e in trainer.split(trainer.examples(0), 0).test]
    flow = waterflow.load()
    detector = Detector(params)
    started = time.perf_counter()
    readings = sum(len(s.readings) for s in test)
    for s in test:
        detector = Detector(params)
        for r in s.readings:
            detector.update(r)
    per_reading = (time.perf_counter() - started) / readings * 1e6
    hst_gen = half_space_trees(test, 0.995, GRACE, MERGE_GAP)
    hst_flow = half_space_trees([flow], 0.995, WATERFLOW_GRACE, WATERFLOW_MERGE_GAP)
    kinds = result.details["by_kind"]
    sections = {
        "Data": f"""
**Generated** (committed seeded generator `officeflow/models/builtin/sensor_anomaly/generator.py`): machines
reporting temperature, vibration, pressure and current once a minute, with injected spikes, drifts, stuck
sensors and correlated failures (temperature, vibration and current 2-3 standard deviations up together:
none alarming alone). Tuning: 2 streams of 5,000 readings; test: 4 other streams of 6,000 readings with
{int(m["generated_incidents"])} incidents.

**WaterFlow** (`river.datasets.WaterFlow`, shipped inside the `river` package): 1,268 hourly readings of
water flow through a pipeline branch with four anomalous segments the dataset describes (three drops, one
small peak); `waterflow.py` marks them by reading index.
""",
        "Method": f"""
Per sensor, an exponentially weighted mean and variance; each reading gets a z-score (spike), a two-sided
CUSUM of z-scores (drift), a count of unchanged readings (stuck), and across sensors the root mean square of
the z-scores (joint). Far-off readings teach the level at a hundredth of the rate. The grid
{", ".join(f"{k} {list(v)}" for k, v in GRID.items())} is searched on the tuning streams for the best
incident F1; chosen: {", ".join(f"{k} {v:g}" for k, v in params.as_dict().items())}. The state is a JSON
object (a few numbers per sensor). Alarms: flags less than {MERGE_GAP} readings apart ({WATERFLOW_MERGE_GAP} for
WaterFlow) are one alarm; an incident is detected up to {GRACE} readings ({WATERFLOW_GRACE} for WaterFlow) after
its end; delay in readings from the incident's start. Scoring costs {per_reading:.0f} µs a reading (4 sensors,
one core, state kept in memory by `Detector`); through `predict`, which reads and writes the JSON state
with every reading, see bench/models.py.
""",
        "Results": table(
            ["data", "incidents", "detected", "alarms", "precision", "recall", "median delay", "max delay"],
            [
                (
                    "generated test streams",
                    int(m["generated_incidents"]),
                    int(m["generated_detected"]),
                    int(m["generated_alarms"]),
                    m["generated_precision"],
                    m["generated_recall"],
                    m["generated_delay_median"],
                    m["generated_delay_max"],
                ),
                (
                    "WaterFlow",
                    int(m["waterflow_incidents"]),
                    int(m["waterflow_detected"]),
                    int(m["waterflow_alarms"]),
                    m["waterflow_precision"],
                    m["waterflow_recall"],
                    m["waterflow_delay_median"],
                    m["waterflow_delay_max"],
                ),
            ],
        ),
        "Recall per fault kind (generated test streams)": table(
            ["kind", "incidents", "detected", "recall", "median delay", "max delay"],
            [
                (k, int(v["incidents"]), int(v["detected"]), v["recall"], v["delay_median"], v["delay_max"])
                for k, v in kinds.items()
            ],
        )
        + "\n\nSlow drifts are the hard case: the learned level follows part of the drift before the CUSUM "
        "reaches its threshold, and a lower threshold raises false alarms from the daily temperature cycle.",
        "Compared with river's HalfSpaceTrees": table(
            ["data", "precision", "recall", "median delay"],
            [
                (
                    "generated, this detector",
                    m["generated_precision"],
                    m["generated_recall"],
                    m["generated_delay_median"],
                ),
                ("generated, HalfSpaceTrees", hst_gen["precision"], hst_gen["recall"], hst_gen["delay_median"]),
                (
                    "WaterFlow, this detector",
                    m["waterflow_precision"],
                    m["waterflow_recall"],
                    m["waterflow_delay_median"],
                ),
                ("WaterFlow, HalfSpaceTrees", hst_flow["precision"], hst_flow["recall"], hst_flow["delay_median"]),
            ],
        )
        + "\n\nHalfSpaceTrees (10 trees, height 8, window 250, inputs min-max scaled) flags a reading when its score "
        "is above the 99.5th percentile of the scores of readings 50-500. It has no notion of a stuck sensor or "
        "a slow drift; the detector above evaluates better on both data sets and is the one shipped.",
    }
    path = write_report(
        result,
        "Sensor anomaly detection (`sensor-anomaly`)",
        sections,
        "officeflow.models.builtin.sensor_anomaly.evaluate",
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

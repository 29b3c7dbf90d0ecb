"""bench/models.py runs end to end (small sizes) against a real MLServer and ends with its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_models_benchmark_prints_its_figures_as_one_json_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "models.py"),
            "--items",
            "256",
            "--oip-calls",
            "20",
            "--repeat",
            "1",
            "--step-runs",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    models = {row["model"] for row in result["throughput"]}
    assert models == {"credit-risk", "expense-anomaly", "sensor-anomaly", "tabular-onnx"}
    for row in result["throughput"]:
        assert row["items"] == 256
        assert row["one_at_a_time_per_s"] > 0
        assert row["batched_per_s"] > 0
        assert row["micro_batched_per_s"] > 0
    remote = result["remote_oip"]
    assert 0 < remote["one_item_p50_ms"] <= remote["one_item_p95_ms"]
    step = result["model_step"]
    assert 0 < step["run_p50_ms"] <= step["run_p95_ms"]
    assert isinstance(step["p50_ms"], float)

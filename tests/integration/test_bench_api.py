"""The API benchmark (bench/api.py) at a low rate, on both backends: the server starts with two
processes, the load generator's events are all accepted, every accepted event has its run, and
it prints the figures it promises. Its speed is not checked here: that is the benchmark's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_ADMIN

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_benchmark_runs_and_loses_nothing(backend: str) -> None:
    name = "sqlite" if backend == "sqlite" else "postgresql"
    done = subprocess.run(
        [sys.executable, "bench/api.py", "--backend", name, "--rate", "40", "--duration", "2"],
        cwd=ROOT,
        env={**os.environ, "OFFICEFLOW_BENCH_PG": PG_ADMIN},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["backend"] == name
    assert result["api_processes"] == 2
    assert result["sent"] == 160  # 2 s of warm-up and 2 measured, at 40/s
    assert result["statuses"] == {"202": 160}
    assert result["accepted"] == result["events_stored"] == result["runs"] == 160
    assert result["lost"] == 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert "lost 0" in done.stderr

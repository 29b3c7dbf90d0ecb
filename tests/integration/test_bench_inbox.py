"""The console benchmark (bench/inbox.py) at a tiny scale, on both backends: its generated rows
still look like the engine's (it refuses to load otherwise), every page it measures answers 200,
and it prints the figures it promises. Its times are not checked here: they are the benchmark's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_ADMIN

ROOT = Path(__file__).resolve().parents[2]


def test_the_console_benchmark_runs_and_reports_every_page(backend: str) -> None:
    name = "sqlite" if backend == "sqlite" else "postgresql"
    done = subprocess.run(
        [sys.executable, "bench/inbox.py", "--backend", name, "--scale", "0.002", "--samples", "30"],
        cwd=ROOT,
        env={**os.environ, "OFFICEFLOW_BENCH_PG": PG_ADMIN},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["backend"] == name
    sizes = result["sizes"]
    assert sizes["open_tasks"] == 200
    assert sizes["completed_runs"] == 2000
    assert sizes["workflows"] == 20
    assert sizes["decided_tasks"] > 0
    assert set(result["pages"]) == {"inbox", "task", "runs"}
    for page in result["pages"].values():
        assert page["n"] == 30
        assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["p99_ms"] <= page["max_ms"]
    measured = {key.split(":")[0] for key in result["variants"]}
    assert measured == {"inbox", "task", "runs"}
    assert "open tasks" in done.stderr
    assert "completed runs" in done.stderr

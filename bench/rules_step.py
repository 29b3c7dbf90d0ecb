"""The in-workflow part of bench/rules.py: what a ``rules`` step adds to a run's latency, on
SQLite, with worker processes (see the docstring of bench/rules.py)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.engine import Database, Workers, percentile, wait_all
from officeflow import Office
from officeflow.security import keys

ROOT = Path(__file__).resolve().parents[1]
WITH_RULES = """\
name: bench3-rules
version: 1
description: bench3 with a rules step between its first and second steps.
input: {type: object, required: [n], properties: {n: {type: integer}}}
output: {a: steps.s1.output.a, b: steps.s2.output.b, c: steps.s3.output.c}
steps:
  s1: {kind: task, handler: bench.step1, next: policy}
  policy:
    kind: rules
    table: bench-3
    decision: decision
    input:
      amount: input.n % 1000
      age: 16 + input.n % 64
      score: (input.n * 7) % 1000
      category: "['travel', 'meals', 'office', 'training', 'software'][input.n % 5]"
      region: "['EU', 'US', 'APAC', 'LATAM'][input.n % 4]"
      vip: input.n % 5 == 0
    next: s2
  s2: {kind: task, handler: bench.step2, input: steps.s1.output, next: s3}
  s3: {kind: task, handler: bench.step3, input: steps.s2.output}
"""


def alternate(office: Office, runs: int, rate: float, timeout: float) -> dict[str, list[float]]:
    """Submit ``runs`` of each workflow, alternately, at ``rate`` arrivals per second in all;
    the submit-to-completion latencies (ms) of each."""
    submitted: dict[str, tuple[str, float]] = {}
    start = time.time()
    for i in range(2 * runs):
        due = start + i / rate
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        workflow = "bench3-rules" if i % 2 else "bench3"
        t0 = time.time()
        submitted[office.engine.start(workflow, {"n": i // 2}, version=1).id] = (workflow, t0)
    completed = wait_all(office.engine, {r: t for r, (_, t) in submitted.items()}, timeout)
    found: dict[str, list[float]] = {"bench3": [], "bench3-rules": []}
    for run_id, (workflow, t0) in submitted.items():
        found[workflow].append((completed[run_id] - t0) * 1000)
    return found


def measure_step(table_yaml: str, args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault(keys.ENV, keys.generate())  # shared with the worker processes
    db = Database("sqlite", "")
    workers = None
    try:
        with Office.open(db.url) as office:
            office.decision_tables.push(table_yaml, tenant="default", actor="bench")
            office.engine.apply(ROOT / "bench" / "bench3.yaml")
            office.engine.apply(WITH_RULES)
            logs = Path(tempfile.mkdtemp(prefix="of_rules_logs_"))
            workers = Workers(db.url, args.workers, args.concurrency, logs)
            workers.wait_ready(office.engine)
            alternate(office, min(20, args.workflow_runs), args.rate, args.timeout)  # warm-up
            found = alternate(office, args.workflow_runs, args.rate, args.timeout)
            (run,) = office.engine.list_runs(limit=1, statuses=["completed"], workflow="bench3-rules")
            n = run.input["n"]
            assert run.output == {"a": n + 1, "b": (n + 1) * 2, "c": (n + 1) * 2 + 3}, run.output
            hits = office.queries.decision_tables.hits("default", "bench-3", 1)
    finally:
        if workers is not None:
            workers.stop()
        db.drop()
    plain, ruled = found["bench3"], found["bench3-rules"]
    result = {
        "backend": "sqlite",
        "workers": args.workers,
        "rate": args.rate,
        "runs_each": args.workflow_runs,
        "without_p50_ms": round(percentile(plain, 50), 2),
        "without_p95_ms": round(percentile(plain, 95), 2),
        "with_p50_ms": round(percentile(ruled, 50), 2),
        "with_p95_ms": round(percentile(ruled, 95), 2),
        "step_evaluations_counted": hits.evaluations,
    }
    result["added_p50_ms"] = round(result["with_p50_ms"] - result["without_p50_ms"], 2)
    result["added_p95_ms"] = round(result["with_p95_ms"] - result["without_p95_ms"], 2)
    print(
        f"rules step in a workflow (SQLite, {args.workers} workers, {args.rate}/s, {args.workflow_runs} runs each): "
        f"p50 {result['without_p50_ms']} -> {result['with_p50_ms']} ms (+{result['added_p50_ms']}), "
        f"p95 {result['without_p95_ms']} -> {result['with_p95_ms']} ms (+{result['added_p95_ms']})",
        file=sys.stderr,
    )
    return result

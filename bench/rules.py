"""Decision table benchmark: decisions per second through the evaluator alone, per hit policy.

The table: 50 rows over 6 inputs (three numbers, two strings, a boolean) with comparisons, ranges,
lists of values, negations and ``-`` cells, as people write them; one string output with output
values (PRIORITY and OUTPUT ORDER order by them; C+, C<, C> and C# get a number output instead).
UNIQUE and ANY use rows that split the amount into 50 disjoint ranges (a valid UNIQUE table);
the other policies use rows whose amount ranges overlap, so an input matches several rows.
Seeded: the same table and inputs every run.

Measurement: each table is compiled once (``load_yaml``), then ``DecisionModel.evaluate`` is
called on 1,000 different inputs, round after round, for ``--evaluations`` evaluations after a
warm-up; the figure is evaluations per second in this one process (one core). Each evaluation
returns the full ``Evaluation`` (outputs, matched rows, errors), as the ``rules`` step will use it.

Then a ``rules`` step in a workflow, on SQLite, in the harness of bench/engine.py (worker
processes running ``officeflow worker``, runs submitted at a fixed rate, latency from the moment
before ``engine.start()`` to the run's ``completed_at`` stamped by the worker): the three-step
workflow of bench/engine.py (``bench3``), and the same workflow with a ``rules`` step between
its first and second steps that evaluates the FIRST table above (stored with ``push``) on inputs
computed from the run. Both are submitted alternately in one phase, so they share the load; the
figures are their p50/p95 and the difference, what the step adds. ``--workflow-runs 0`` skips it.

Prints a table for people, then one JSON object.

    python bench/rules.py
    python bench/rules.py --evaluations 5000 --workflow-runs 100    # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from officeflow.rules import DecisionModel, load_yaml  # noqa: E402

POLICIES = ["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"]
CATEGORIES = ["travel", "meals", "office", "training", "software"]
REGIONS = ["EU", "US", "APAC", "LATAM"]
BANDS = ["reject", "review", "manager", "auto"]


def _rows(rng: random.Random, *, disjoint: bool, numeric_output: bool) -> list[dict[str, Any]]:
    rows = []
    for i in range(50):
        amount = f"[{i * 20}..{i * 20 + 20})" if disjoint else f"[{i * 10}..{i * 10 + rng.choice([40, 80, 120])}]"
        when = [
            amount,
            rng.choice(["-", "< 30", ">= 30", "[18..65]", "> 25"]),
            rng.choice(["-", "> 500", "<= 700", "[300..800)", "not(0)"]),
            rng.choice(["-", rng.sample(CATEGORIES, 2), [rng.choice(CATEGORIES)], f'not("{rng.choice(CATEGORIES)}")']),
            rng.choice(["-", "-", [rng.choice(REGIONS)], rng.sample(REGIONS, 3)]),
            rng.choice(["-", True, False]),
        ]
        then = [rng.choice([5, 10, 20, 50])] if numeric_output else [rng.choice(BANDS)]
        rows.append({"when": when, "then": then, "note": f"row {i + 1}"})
    return rows


def table(code: str, seed: int) -> DecisionModel:
    return load_yaml(table_source(code, seed), f"bench-{code}.yaml")


def table_source(code: str, seed: int) -> str:
    """The YAML form of the benchmark's table under hit policy ``code``."""
    rng = random.Random(seed)
    numeric = code in ("C+", "C<", "C>", "C#")
    output: dict[str, Any] = (
        {"name": "points", "type": "number"}
        if numeric
        else {
            "name": "band",
            "type": "string",
            "values": BANDS,
        }
    )
    spec = {
        "name": f"bench-{POLICIES.index(code)}",
        "version": 1,
        "inputs": {
            "amount": "number",
            "age": "number",
            "score": "number",
            "category": {"type": "string", "values": CATEGORIES},
            "region": {"type": "string", "values": REGIONS},
            "vip": "boolean",
        },
        "decisions": [
            {
                "name": "decision",
                "hit_policy": code,
                "inputs": ["amount", "age", "score", "category", "region", "vip"],
                "outputs": [output],
                "rules": _rows(rng, disjoint=code in ("U", "A"), numeric_output=numeric),
            }
        ],
    }
    return yaml.safe_dump(spec, sort_keys=False)


def inputs(seed: int, count: int = 1000) -> list[dict[str, Any]]:
    rng = random.Random(seed + 1)
    return [
        {
            "amount": rng.choice([rng.randint(0, 999), round(rng.uniform(0, 1000), 2)]),
            "age": rng.randint(16, 80),
            "score": rng.randint(0, 1000),
            "category": rng.choice(CATEGORIES),
            "region": rng.choice(REGIONS),
            "vip": rng.random() < 0.2,
        }
        for _ in range(count)
    ]


def measure(model: DecisionModel, data: list[dict[str, Any]], evaluations: int) -> dict[str, Any]:
    for item in data[:200]:
        model.evaluate(item)
    matched: list[int] = []
    errors = 0
    for item in data:
        result = model.evaluate(item)
        matched.append(len(result.matched()))
        errors += bool(result.errors)
    rounds, rest = divmod(evaluations, len(data))
    batch = data * rounds + data[:rest]
    evaluate = model.evaluate
    started = time.perf_counter()
    for item in batch:
        evaluate(item)
    elapsed = time.perf_counter() - started
    return {
        "decisions_per_second": round(len(batch) / elapsed),
        "microseconds_per_decision": round(elapsed / len(batch) * 1e6, 2),
        "mean_rows_matched": round(statistics.fmean(matched), 2),
        "share_with_errors": round(errors / len(data), 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="decisions per second of a 50-row, 6-input table per hit policy")
    parser.add_argument("--evaluations", type=int, default=50_000, help="evaluations per hit policy")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workflow-runs", type=int, default=300, help="runs of each workflow (0: skip)")
    parser.add_argument("--rate", type=float, default=20.0, help="arrivals per second of both workflows together")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="steps per worker at once")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    data = inputs(args.seed)
    results: dict[str, Any] = {}
    print(f"{'policy':<7} {'decisions/s':>12} {'us/decision':>12} {'rows matched':>13} {'errors':>7}", file=sys.stderr)
    for code in POLICIES:
        figures = measure(table(code, args.seed), data, args.evaluations)
        results[code] = figures
        print(
            f"{code:<7} {figures['decisions_per_second']:>12,} {figures['microseconds_per_decision']:>12} "
            f"{figures['mean_rows_matched']:>13} {figures['share_with_errors']:>7}",
            file=sys.stderr,
        )
    slowest = min(r["decisions_per_second"] for r in results.values())
    print(f"slowest policy: {slowest:,} decisions/s (target: over 20,000)", file=sys.stderr)
    step = None
    if args.workflow_runs > 0:
        from bench.rules_step import measure_step

        step = measure_step(table_source("F", args.seed), args)
    print(
        json.dumps(
            {
                "benchmark": "rules",
                "rows": 50,
                "inputs": 6,
                "evaluations_per_policy": args.evaluations,
                "evaluator": results,
                "slowest_decisions_per_second": slowest,
                "target_decisions_per_second": 20_000,
                "workflow_step": step,
            }
        )
    )


if __name__ == "__main__":
    main()

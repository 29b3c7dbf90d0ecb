"""The ``model`` step's overhead in a workflow: what calling a model through the registry costs a
run beyond calling the same model from a plain ``task`` step.

Two workflows on one office (a SQLite file, or ``--database-url``), each a single step then the
end, run one after the other in this thread (start, then ``run_until_idle``), for the same
credit-risk applicants:

- ``model``: ``kind: model, model: credit-risk`` with a fallback (min_confidence 0.5, table, then a
  person): routing (one read of the live versions), the input range check, the micro-batcher, the
  prediction rows written in their own transaction, the step's output;
- ``task``: ``kind: task`` whose handler calls the same loaded model's ``predict`` directly.

Per run: the wall time from start to completed. Overhead = model p50 (p95) - task p50 (p95). The
prediction alone (``predict([item])``) is measured too.

    .venv/bin/python bench/model_step.py --runs 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from officeflow import Office, RunStatus, SystemClock, handler  # noqa: E402
from officeflow.models import load_builtin  # noqa: E402
from officeflow.models.builtin.credit_risk import data  # noqa: E402

TABLE = textwrap.dedent("""
    name: credit-fallback
    version: 1
    decisions:
      - name: decision
        hit_policy: FIRST
        inputs: [credit_amount]
        outputs: [{name: decision, type: string}]
        rules:
          - when: ["< 2000"]
            then: [approve]
""")

MODEL_FLOW = """
name: scored-by-model
version: 1
steps:
  score:
    kind: model
    model: credit-risk
    input: ${{ input }}
    fallback: {{"on": [error, timeout, low_confidence, outside_training_range], min_confidence: 0.5,
                table: "{table}", then: review}}
    next: done
  review:
    kind: human
    assign: {{group: risk}}
    outcomes: {{approve: {{next: done}}}}
  done: {{kind: end}}
"""

TASK_FLOW = """
name: scored-by-task
version: 1
steps:
  score: {kind: task, handler: score-directly, input: "${ input }", next: done}
  done: {kind: end}
"""

_MODEL = load_builtin("credit-risk")


@handler("score-directly")
def score_directly(item: Any, ctx: Any) -> Any:
    return _MODEL.predict([item])[0].as_dict()


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _runs(office: Office, workflow: str, items: Sequence[Any]) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        run = office.engine.start(workflow, item)
        office.engine.run_until_idle()
        times.append((time.perf_counter() - started) * 1000)
        assert office.engine.get_run(run.id).status in (RunStatus.COMPLETED, RunStatus.WAITING)
    return times


def measure(runs: int, database_url: str | None = None) -> dict[str, Any]:
    items = [dict(e.input) for e in data.load_examples()]
    items = (items * (runs // len(items) + 1))[:runs]
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "credit-fallback.yaml"
        table.write_text(TABLE)
        url = database_url or f"sqlite:///{tmp}/bench.db"
        with Office.open(url, handlers=[score_directly], clock=SystemClock(), migrate=True) as office:
            office.engine.apply(MODEL_FLOW.format(table=table))
            office.engine.apply(TASK_FLOW)
            office.directory.put_group("default", "risk", ["rita"], actor="bench")
            _runs(office, "scored-by-model", items[:20])  # load the model, warm the caches
            _runs(office, "scored-by-task", items[:20])
            model_ms: list[float] = []
            task_ms: list[float] = []
            for start in range(0, runs, 50):  # interleaved: the machine is shared
                model_ms += _runs(office, "scored-by-model", items[start : start + 50])
                task_ms += _runs(office, "scored-by-task", items[start : start + 50])
            paths = {(c.version, c.path.value): c.count for c in office.models.path_counts("default", "credit-risk")}
    predict_ms = []
    for item in items[:200]:
        started = time.perf_counter()
        _MODEL.predict([item])
        predict_ms.append((time.perf_counter() - started) * 1000)
    model_p50, model_p95 = statistics.median(model_ms), percentile(model_ms, 0.95)
    task_p50, task_p95 = statistics.median(task_ms), percentile(task_ms, 0.95)
    return {
        "database": "postgresql" if database_url and database_url.startswith("postgres") else "sqlite",
        "runs": runs,
        "run_p50_ms": round(model_p50, 2),
        "run_p95_ms": round(model_p95, 2),
        "task_run_p50_ms": round(task_p50, 2),
        "task_run_p95_ms": round(task_p95, 2),
        "p50_ms": round(model_p50 - task_p50, 2),
        "p95_ms": round(model_p95 - task_p95, 2),
        "predict_p50_ms": round(statistics.median(predict_ms), 3),
        "paths": {f"{v}/{p}": n for (v, p), n in sorted(paths.items())},
        "note": "p50_ms/p95_ms: a run through a model step minus a run through a task step calling the same model",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300, help="runs per workflow")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.runs, args.database_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

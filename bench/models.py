"""Model benchmark: scoring throughput of the built-in models, one at a time and batched, and the
latency of a remote model over the Open Inference Protocol (a real local MLServer).

For each built-in model and for a generic ONNX tabular model (a scikit-learn pipeline exported with
skl2onnx), on one core:

1. one at a time: ``model.predict([item])`` for each item, back to back;
2. batched: ``model.predict(items[k:k + 64])``;
3. micro-batched: ``--threads`` threads each submit single items to one ``MicroBatcher``
   (up to 64 items, ``max_wait`` 0: what is queued when the model is free), as workers will.

Items/s for each (the best of ``--repeat`` interleaved runs: the machine is shared) and the
speed-ups over one at a time. The sensor detector keeps one state per
machine, so its items are readings of 64 machines, each carrying its machine's state.

Then the remote model: MLServer (``.venv-mlserver``, made by scripts/mlserver_env.sh when
missing) serving a scikit-learn model on a free loopback port; the p50/p95 latency of one-item
calls and of 64-item calls, measured by the client (``OipModel.predict``).

Then the ``model`` step's overhead in a workflow (bench/model_step.py): runs through a
``model`` step calling credit-risk against runs through a ``task`` step calling the same model,
p50 and p95 of each and of the difference.

Last line: one JSON object.

    .venv/bin/python bench/models.py
    .venv/bin/python bench/models.py --items 1000 --oip-calls 100   # a quick look
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mlserver_local import FEATURES, serve_sklearn_model  # noqa: E402
from bench.model_step import measure as model_step_overhead  # noqa: E402
from officeflow.models import (  # noqa: E402
    Flavour,
    MicroBatcher,
    Model,
    ModelMetadata,
    OipEndpoint,
    OipModel,
    TabularSpec,
    load_builtin,
    load_model,
    oip_artifact,
)
from officeflow.models.builtin.credit_risk.train import CreditRiskTrainer  # noqa: E402
from officeflow.models.builtin.expense_anomaly.train import ExpenseAnomalyTrainer  # noqa: E402
from officeflow.models.builtin.sensor_anomaly import generator  # noqa: E402
from officeflow.models.builtin.sensor_anomaly.detector import Detector  # noqa: E402

BATCH = 64


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def one_at_a_time(model: Model, items: Sequence[Mapping[str, Any]]) -> float:
    def run() -> None:
        for item in items:
            model.predict([item])

    return len(items) / timed(run)


def batched(model: Model, items: Sequence[Mapping[str, Any]]) -> float:
    def run() -> None:
        for k in range(0, len(items), BATCH):
            model.predict(items[k : k + BATCH])

    return len(items) / timed(run)


def micro_batched(model: Model, items: Sequence[Mapping[str, Any]], threads: int) -> tuple[float, float]:
    """Items/s with ``threads`` submitters each waiting for its item's answer, and the mean batch size."""
    with MicroBatcher(model, max_items=BATCH, max_wait=0.0) as batcher:
        share = [items[k::threads] for k in range(threads)]

        def submitter(mine: Sequence[Mapping[str, Any]]) -> None:
            for item in mine:
                batcher.predict(item, timeout=60)

        workers = [threading.Thread(target=submitter, args=(part,)) for part in share]

        def run() -> None:
            for w in workers:
                w.start()
            for w in workers:
                w.join()

        seconds = timed(run)
        return len(items) / seconds, batcher.stats().mean_batch


def sensor_items(count: int) -> list[dict[str, Any]]:
    """Readings of 64 machines, each with its machine's state after 300 readings."""
    machine = load_builtin("sensor-anomaly")
    params = machine.params  # type: ignore[attr-defined]
    streams = [generator.generate_stream(500 + k, n=300 + count // BATCH + 1) for k in range(BATCH)]
    states = []
    for s in streams:
        d = Detector(params)
        for r in s.readings[:300]:
            d.update(r)
        states.append(d.state())
    return [
        {"reading": streams[k % BATCH].readings[300 + k // BATCH], "state": states[k % BATCH]} for k in range(count)
    ]


def toy_onnx() -> tuple[Model, list[dict[str, float]]]:
    from skl2onnx import to_onnx
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    from officeflow.models import CalibrationMethod, fit_calibrator, onnx_artifact

    x, y = make_classification(6000, n_features=10, n_informative=6, random_state=0)
    x = x.astype(np.float32)
    est = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(x[:3000], y[:3000])
    calibrator = fit_calibrator(est.predict_proba(x[3000:4000]), y[3000:4000], CalibrationMethod.ISOTONIC)
    names = tuple(f"x{k}" for k in range(10))
    meta = ModelMetadata(
        name="tabular-onnx",
        version="1",
        flavour=Flavour.ONNX,
        input_schema={"type": "object", "required": list(names), "properties": {n: {"type": "number"} for n in names}},
        output_schema={"type": "object"},
    )
    graph = to_onnx(est, x[:1], options={"zipmap": False}, target_opset=17).SerializeToString()
    spec = TabularSpec(features=names, labels=("0", "1"), calibrator=calibrator)
    items = [dict(zip(names, map(float, row), strict=True)) for row in x[4000:]]
    return load_model(onnx_artifact(meta, graph, spec)), items


def throughput(name: str, model: Model, items: list[Any], threads: int, onnx: bool, repeat: int) -> dict[str, Any]:
    model.predict(items[:BATCH])  # warm up
    single = batch = micro = mean_batch = 0.0
    for _ in range(repeat):  # interleaved, so a busy moment of the machine hits every path alike
        single = max(single, one_at_a_time(model, items))
        batch = max(batch, batched(model, items))
        micro, mean_batch = max((micro, mean_batch), micro_batched(model, items, threads))
    row = {
        "model": name,
        "onnx": onnx,
        "items": len(items),
        "one_at_a_time_per_s": round(single, 1),
        "batched_per_s": round(batch, 1),
        "micro_batched_per_s": round(micro, 1),
        "batched_speedup": round(batch / single, 2),
        "micro_batched_speedup": round(micro / single, 2),
        "micro_batch_mean_size": round(mean_batch, 1),
    }
    say(
        f"{name:18} one at a time {single:9.0f}/s   batched {batch:9.0f}/s ({batch / single:4.1f}x)   "
        f"micro-batched {micro:9.0f}/s ({micro / single:4.1f}x, mean batch {mean_batch:.1f})"
    )
    return row


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def oip_latency(calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, serve_sklearn_model(Path(tmp), name="bench") as server:
        names = tuple(f"x{k}" for k in range(FEATURES))
        meta = ModelMetadata(
            name="remote",
            version="1",
            flavour=Flavour.OIP,
            input_schema={"type": "object", "properties": {n: {"type": "number"} for n in names}},
            output_schema={"type": "object"},
        )
        art = oip_artifact(
            meta,
            OipEndpoint(base_url=server.base_url, model=server.model),
            TabularSpec(features=names, labels=("0", "1")),
        )
        model = load_model(art)
        assert isinstance(model, OipModel)
        with model:
            rows = [dict(zip(names, row, strict=True)) for row in server.x]
            for _ in range(20):
                model.predict(rows[:1])
            one: list[float] = []
            many: list[float] = []
            big = (rows * (BATCH // len(rows) + 1))[:BATCH]
            for k in range(calls):
                one.append(timed(lambda k=k: model.predict([rows[k % len(rows)]])) * 1000)
            for _ in range(max(10, calls // 4)):
                many.append(timed(lambda: model.predict(big)) * 1000)
    result = {
        "server": "MLServer 1.7.1 (mlserver-sklearn), loopback",
        "calls": calls,
        "one_item_p50_ms": round(statistics.median(one), 2),
        "one_item_p95_ms": round(percentile(one, 0.95), 2),
        f"batch_{BATCH}_p50_ms": round(statistics.median(many), 2),
        f"batch_{BATCH}_p95_ms": round(percentile(many, 0.95), 2),
        f"batch_{BATCH}_items_per_s": round(BATCH / (statistics.median(many) / 1000), 1),
    }
    say(
        f"remote OIP         one item p50 {result['one_item_p50_ms']} ms, p95 {result['one_item_p95_ms']} ms; "
        f"{BATCH} items p50 {result[f'batch_{BATCH}_p50_ms']} ms, p95 {result[f'batch_{BATCH}_p95_ms']} ms"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=4000, help="items scored per model and path")
    parser.add_argument("--threads", type=int, default=32, help="submitting threads in the micro-batched path")
    parser.add_argument("--oip-calls", type=int, default=400, help="one-item calls to the remote model")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the best counts")
    parser.add_argument("--step-runs", type=int, default=300, help="workflow runs per step kind (model step overhead)")
    args = parser.parse_args(argv)

    rows = []
    credit = [e.input for e in CreditRiskTrainer().base_examples()]
    credit = (credit * (args.items // len(credit) + 1))[: args.items]
    rows.append(
        throughput("credit-risk", load_builtin("credit-risk"), credit, args.threads, onnx=False, repeat=args.repeat)
    )
    claims = [e.input for e in ExpenseAnomalyTrainer().base_examples()][: args.items]
    rows.append(
        throughput(
            "expense-anomaly", load_builtin("expense-anomaly"), claims, args.threads, onnx=True, repeat=args.repeat
        )
    )
    rows.append(
        throughput(
            "sensor-anomaly",
            load_builtin("sensor-anomaly"),
            sensor_items(args.items),
            args.threads,
            onnx=False,
            repeat=args.repeat,
        )
    )
    toy, toy_items = toy_onnx()
    rows.append(
        throughput("tabular-onnx", toy, (toy_items * 2)[: args.items], args.threads, onnx=True, repeat=args.repeat)
    )
    remote = oip_latency(args.oip_calls)
    step = model_step_overhead(args.step_runs)
    say(
        f"model step         run p50 {step['run_p50_ms']} ms, p95 {step['run_p95_ms']} ms; over a task step "
        f"p50 {step['p50_ms']} ms, p95 {step['p95_ms']} ms"
    )
    result = {
        "benchmark": "models",
        "batch": BATCH,
        "threads": args.threads,
        "throughput": rows,
        "onnx_batched_at_least_3x": all(r["batched_speedup"] >= 3 for r in rows if r["onnx"]),
        "onnx_micro_batched_at_least_3x": all(r["micro_batched_speedup"] >= 3 for r in rows if r["onnx"]),
        "remote_oip": remote,
        "model_step": step,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Language models: embedding latency and classifications per second, one at a time and batched.

    .venv/bin/python bench/language.py [--items 512] [--precision int8|float]

Items are the hand-written tickets (both holdouts and the development set) and e-mails, then
generated ones (seed 1) up to ``--items``, every text different: the embedder runs without its
cache, so every item is embedded. One more figure shows a batch whose texts were all seen before
(served by the cache). Besides items per second (wall clock) it reports the CPU milliseconds each
batched item costs the process (all its threads) and the load average when it started and
ended: on a machine shared with other work the wall-clock figures fall, the CPU cost does not.
Prints a table; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from officeflow.language import LanguageModels, SentenceEmbedder
from officeflow.language.training import CLASSIFIER_TOKENS, SPECS, load_held_out


def _items(name: str, count: int) -> list[dict[str, Any]]:
    """``count`` different items: the hand-written ones first, then generated ones."""
    spec = SPECS[name]
    rows = [row for held in spec.held_out for row in load_held_out(held)]
    rows += spec.generate(max(0, count - len(rows)) * 2, 1)
    items: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = {k: v for k, v in row.items() if k not in spec.heads}
        items.setdefault(json.dumps(item, sort_keys=True), item)
    return list(items.values())[:count]


def _latency_ms(fn: Any, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def measure(items_count: int = 512, precision: str = "int8") -> dict[str, Any]:
    """The figures of this benchmark (also the ``classification`` section of bench/documents.py)."""
    embedder = SentenceEmbedder(precision=precision, max_tokens=CLASSIFIER_TOKENS, cache_size=0)
    models = LanguageModels(embedder)
    figures: dict[str, Any] = {
        "precision": precision,
        "items": items_count,
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }

    short = "printer on the 2nd floor is jammed again"
    embedder.embed([short])
    p50, p95 = _latency_ms(lambda: embedder.embed([short]), 100)
    figures["embed_one_ms_p50"], figures["embed_one_ms_p95"] = round(p50, 2), round(p95, 2)
    batch = [row["text"] for row in _items("ticket-triage", 64)]
    p50, _ = _latency_ms(lambda: embedder.embed(batch), 5)
    figures["embed_batch64_ms_p50"] = round(p50, 1)
    print(
        f"embedding: one short text p50 {figures['embed_one_ms_p50']} ms, p95 {figures['embed_one_ms_p95']} ms; "
        f"batch of 64 tickets p50 {p50:.1f} ms"
    )

    for name in ("ticket-triage", "email-intent"):
        model = models.get(name)
        items = _items(name, items_count)
        model.predict_batch(items[:8])
        one_count = min(200, len(items))
        start = time.perf_counter()
        for item in items[:one_count]:
            model.predict_batch([item])
        one = one_count / (time.perf_counter() - start)
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(items), 64):
            model.predict_batch(items[i : i + 64])
        batched = len(items) / (time.perf_counter() - start)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(items)
        figures[f"{name}_one_per_s"] = round(one, 1)
        figures[f"{name}_batched_per_s"] = round(batched, 1)
        figures[f"{name}_batched_cpu_ms_per_item"] = round(cpu_ms, 2)
        print(
            f"{name}: one at a time {one:.1f} items/s, batches of 64 {batched:.1f} items/s ({cpu_ms:.2f} CPU ms/item)"
        )
    cached = LanguageModels(SentenceEmbedder(precision=precision, max_tokens=CLASSIFIER_TOKENS)).get("ticket-triage")
    seen = _items("ticket-triage", 64)
    cached.predict_batch(seen)
    p50, _ = _latency_ms(lambda: cached.predict_batch(seen), 20)
    figures["ticket-triage_seen_batch64_per_s"] = round(64 / (p50 / 1000), 1)
    figures["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    print(
        "ticket-triage, a batch of 64 texts seen before (cache): "
        f"{figures['ticket-triage_seen_batch64_per_s']} items/s; "
        f"load average {figures['load_average_1m']} at the start, {figures['load_average_1m_end']} at the end"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=512)
    parser.add_argument("--precision", choices=("int8", "float"), default="int8")
    args = parser.parse_args()
    print(json.dumps(measure(args.items, args.precision)))


if __name__ == "__main__":
    main()

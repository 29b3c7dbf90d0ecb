"""The expense-claim example end to end with OCR, for ``bench/documents.py`` (section
``expense_workflow``).

An office on a fresh SQLite file with a worker thread (as ``make demo`` runs it) and the
expense-claim definition of ``examples/expense_claims``; ``--claims`` claims, one after another,
each with a receipt from the seeded generator (till receipts as scans and phone photos, invoices
as born-digital PDFs and scans, in French, German and English). Each claim is timed from
``start`` to the run's first rest: paid or refused at once (receipt read, policy, ledger or not,
notice) or waiting at the manager's task (receipt read, policy, task opened); the document
step's own reading time (``latency_ms``, in the limited child process) is reported beside it.
The first claim (which starts the reading child and loads the OCR models) is not counted.

    python bench/expense_workflow.py [--claims 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the examples package sits at the top
    sys.path.insert(0, str(ROOT))

from examples import receipts  # noqa: E402
from examples.expense_claims import handlers  # noqa: E402
from officeflow import Office, RunStatus  # noqa: E402
from officeflow.ingest.files import MAX_SIZE  # noqa: E402

DEFINITION = ROOT / "examples" / "expense_claims" / "definition.yaml"
MEDIA = (
    ("receipt", "FR", "scan"),
    ("receipt", "DE", "photo"),
    ("receipt", "GB", "scan"),
    ("invoice", "DE", "pdf"),
    ("receipt", "FR", "photo"),
    ("invoice", "FR", "scan"),
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def expense_workflow(args: argparse.Namespace) -> dict[str, Any]:
    claims = int(getattr(args, "claims", 30))
    with tempfile.TemporaryDirectory() as tmp:
        office = Office.open(f"sqlite:///{tmp}/bench.db", handlers=[handlers], migrate=True)
        worker = office.engine.worker(concurrency=4, poll=0.02)
        thread = threading.Thread(target=worker.run, name="bench-worker", daemon=True)
        thread.start()
        try:
            office.directory.put_person("default", "mark", actor="bench")
            office.directory.put_person("default", "emma", actor="bench", manager="mark")
            office.engine.apply(DEFINITION, actor="bench")
            seconds: list[float] = []
            rests: Counter[str] = Counter()
            reading: list[float] = []
            right = 0
            for n in range(claims + 1):
                kind, country, medium = MEDIA[n % len(MEDIA)]
                sample = receipts.document(1000 + n, kind=kind, country=country, medium=medium)
                row = office.events.save_file(
                    "default", sample.filename, receipts.content_type(sample), sample.data, source="bench",
                    max_size=MAX_SIZE,
                )  # fmt: skip
                data = {
                    "amount": sample.truth["total"],
                    "category": "meals" if kind == "receipt" else "equipment",
                    "description": f"bench claim {n}",
                    "receipt": row.id,
                }
                started = time.perf_counter()
                run = office.engine.start("expense-claim", data, actor="user:emma")
                while True:
                    status = office.engine.get_run(run.id).status
                    if status in (RunStatus.COMPLETED, RunStatus.WAITING, RunStatus.FAILED):
                        break
                    time.sleep(0.005)
                elapsed = time.perf_counter() - started
                if n == 0:
                    continue  # the reading child's start and the OCR models' loading
                seconds.append(elapsed)
                done = office.engine.get_run(run.id)
                rests[(done.output or {}).get("outcome", "") if status == RunStatus.COMPLETED else str(status)] += 1
                read = next(
                    (h.output for h in office.engine.history(run.id) if h.step_id == "read_receipt" and h.output),
                    None,
                )
                if read is not None:
                    reading.append(read["latency_ms"] / 1000.0)
                    right += read["values"]["total"] == sample.truth["total"]
        finally:
            worker.stop()
            thread.join(timeout=30)
            office.close()
    figures = {
        "claims": len(seconds),
        "p50_s": round(statistics.median(seconds), 3),
        "p95_s": round(_percentile(seconds, 0.95), 3),
        "max_s": round(max(seconds), 3),
        "reading_p50_s": round(statistics.median(reading), 3),
        "reading_p95_s": round(_percentile(reading, 0.95), 3),
        "paid_at_once": rests.get("paid", 0),
        "refused_at_once": rests.get("refused", 0),
        "at_the_manager": rests.get(str(RunStatus.WAITING), 0),
        "failed": rests.get(str(RunStatus.FAILED), 0),
        "receipt_total_read_right": right,
    }
    print(
        f"expense claim, start to first rest, {figures['claims']} claims: p50 {figures['p50_s']:.3f} s, "
        f"p95 {figures['p95_s']:.3f} s; reading the receipt p50 {figures['reading_p50_s']:.3f} s, "
        f"p95 {figures['reading_p95_s']:.3f} s ({figures['paid_at_once']} paid and {figures['refused_at_once']} "
        f"refused at once, {figures['at_the_manager']} at the manager, {figures['failed']} failed; "
        f"total read right on {right})"
    )
    return {"figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=30)
    figures = expense_workflow(parser.parse_args())["figures"]
    print(json.dumps({"expense_workflow": figures}, sort_keys=True))


if __name__ == "__main__":
    main()

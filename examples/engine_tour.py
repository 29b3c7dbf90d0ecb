"""A tour of the engine: the expense-approval example (signals, no inbox), end to end, on SQLite.

Applies the definition, starts a few claims (idempotently, so running the demo again keeps the
data and adds nothing twice), runs a worker, plays the manager for the claims that wait, and
prints the runs and the history of one of them.

    python -m examples.engine_tour [--database-url sqlite:///var/tour.db]
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from examples.expense_approval import handlers
from officeflow import Office, RunStatus
from officeflow.clock import iso
from officeflow.logs import configure

HERE = Path(__file__).parent
CLAIMS = [
    ("claim-1001", {"employee_id": "e-ada", "amount": 42.5, "category": "meals", "note": "team lunch"}, None),
    ("claim-1002", {"employee_id": "e-bob", "amount": 780.0, "category": "travel", "note": "train to Lyon"}, True),
    ("claim-1003", {"employee_id": "e-cyd", "amount": 1450.0, "category": "equipment", "note": "laptop"}, False),
    ("claim-1004", {"employee_id": "e-dan", "amount": 9000.0, "category": "travel", "note": "first class"}, None),
    ("claim-1005", {"employee_id": "e-eve", "amount": 95.0, "category": "other", "note": "books"}, True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite:///var/tour.db")
    args = parser.parse_args()
    configure("warning")
    console = Console()
    Path("var").mkdir(exist_ok=True)
    with Office.open(args.database_url, handlers=[handlers], migrate=True) as office:
        engine = office.engine
        applied = engine.apply(HERE / "expense_approval" / "definition.yaml", actor="demo")
        console.print(
            f"definition {applied.definition.name} version {applied.definition.version}: "
            + ("stored" if applied.created else "already stored")
        )
        worker = engine.worker(concurrency=8, poll=0.2)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        runs = {}
        for key, claim, _ in CLAIMS:
            runs[key] = engine.start("expense-approval", claim, idempotency_key=key, actor=claim["employee_id"])
        for key, _, approve in CLAIMS:
            run = engine.wait_for(
                runs[key].id, timeout=30, statuses=(RunStatus.WAITING, RunStatus.COMPLETED, RunStatus.FAILED)
            )
            if run.status == RunStatus.WAITING and approve is not None:
                engine.signal(run.id, "approval", {"approved": approve, "by": "m-maria"}, actor="m-maria")
        final = {key: engine.wait_for(run.id, timeout=30) for key, run in runs.items()}
        worker.stop()
        thread.join(timeout=10)

        table = Table(title="expense claims", header_style="bold")
        for column in ("claim", "run", "status", "verdict", "approved", "ended"):
            table.add_column(column)
        for key, run in final.items():
            output = run.output or {}
            table.add_row(
                key,
                run.id,
                str(run.status),
                str(output.get("verdict", "")),
                str(output.get("approved", "")),
                iso(run.completed_at) or "",
            )
        console.print(table)

        shown = final["claim-1002"]
        history = Table(title=f"history of claim-1002 ({shown.id})", header_style="bold")
        for column in ("at", "event", "step", "actor", "detail"):
            history.add_column(column, overflow="fold")
        for event in engine.history(shown.id):
            detail = event.output if event.output is not None else (event.data or "")
            history.add_row(
                iso(event.at) or "",
                event.type,
                event.step_id or "",
                event.actor or "",
                orjson.dumps(detail).decode()[:100] if detail != "" else "",
            )
        console.print(history)
        console.print(
            f"database: {args.database_url}  (try: officeflow --database-url {args.database_url} runs show {shown.id})"
        )


if __name__ == "__main__":
    main()

"""The demo: officeflow's API, console and a worker on SQLite, with expense claims waiting in
the inbox.

One process serves http://127.0.0.1:8080 (the API under /v1, the console everywhere else) and
runs a worker thread. The first run creates the demo users, the directory (who manages whom,
the finance group), the expense-claim workflow and a handful of claims with receipts (generated,
seeded: examples/receipts.py), which the worker reads with the document step; running it again
keeps everything and adds nothing twice. Ctrl-C stops it cleanly.

    python -m examples.demo [--database-url sqlite:///var/demo.db] [--port 8080]
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console
from rich.table import Table

from examples import receipts
from examples.expense_claims import handlers
from officeflow import NotFound, Office, RunStatus
from officeflow.asgi import create_app
from officeflow.ingest.files import MAX_SIZE
from officeflow.logs import configure
from officeflow.settings import load_settings
from officeflow.tasks import Decision

HERE = Path(__file__).parent
PASSWORD = "officeflow-demo"  # noqa: S105 (the demo's published password)
USERS = [
    # username, display name, grants, what they do in the demo
    ("emma", "Emma Ek", ["submitter"], "files expense claims"),
    ("erik", "Erik Berg", ["submitter"], "files expense claims"),
    ("mark", "Mark Lind", ["approver", "submitter"], "approves his team's claims (Emma, Erik)"),
    ("fiona", "Fiona Holm", ["approver"], "finance: checks claims above 1,000 EUR"),
    ("felix", "Felix Nord", ["approver"], "finance: checks claims above 1,000 EUR"),
    ("carla", "Carla Dahl", ["approver"], "Mark's manager"),
    ("oscar", "Oscar Vik", ["operator"], "operates runs: retry, skip, cancel, migrate"),
    ("aude", "Aude Roux", ["auditor"], "reads everything and verifies the audit log"),
    ("ada", "Ada Sand", ["admin"], "administers the tenant"),
]
MANAGERS = {"emma": "mark", "erik": "mark", "mark": "carla", "fiona": "carla", "felix": "carla"}
TODAY = date.today()
CLAIMS: list[dict[str, Any]] = [
    # Each receipt is a seeded document of officeflow.documents.synth (examples/receipts.py): the
    # claim states what the receipt says (its total and date); the document step reads it.
    {
        "key": "demo-claim-1",
        "by": "emma",
        "input": {"category": "equipment", "description": "USB-C cables and a mouse for the new desk"},
        "receipt": {"seed": 1, "kind": "receipt", "country": "FR", "medium": "scan"},
    },
    {
        "key": "demo-claim-2",
        "by": "erik",
        "input": {"category": "meals", "description": "Dinner with the London team"},
        "receipt": {"seed": 0, "kind": "receipt", "country": "GB", "medium": "scan"},
    },
    {
        "key": "demo-claim-3",
        "by": "emma",
        "input": {"category": "equipment", "description": "Docks and monitors for the analyst team"},
        "receipt": {"seed": 54, "kind": "invoice", "country": "DE", "medium": "pdf"},
    },
    {
        "key": "demo-claim-4",
        "by": "erik",
        "input": {"amount": 18.0, "category": "other", "description": "Parking at the client site"},
        "receipt": None,
    },
    {
        "key": "demo-claim-5",
        "by": "emma",
        "input": {"category": "meals", "description": "Lunch on the road"},
        "receipt": {"seed": 12, "kind": "receipt", "country": "FR", "medium": "photo"},
    },
    {
        "key": "demo-claim-6",
        "by": "erik",
        "input": {"amount": 9800.0, "category": "travel", "description": "Business class to Singapore"},
        "receipt": None,
    },
    {
        "key": "demo-claim-7",
        "by": "emma",
        "input": {"category": "travel", "description": "Hotel for the Lyon conference (3 nights)"},
        "receipt": {"seed": 30, "kind": "invoice", "country": "FR", "medium": "scan"},
        "mark_approves": True,
    },
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:///var/demo.db")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    configure("warning")
    console = Console()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    office = Office.open(args.database_url, handlers=[handlers], migrate=True)
    try:
        worker = office.engine.worker(concurrency=8, poll=0.5)
        thread = threading.Thread(target=worker.run, name="demo-worker", daemon=True)
        thread.start()
        seed_people(office)
        settings = load_settings(api_host=args.host, api_port=args.port)
        app = create_app(office, settings)
        url = f"http://{args.host}:{args.port}"
        # The claims' receipts are generated and read (OCR) while the server is already up.
        threading.Thread(target=_claims, args=(office, console, url), name="demo-claims", daemon=True).start()
        server = uvicorn.Server(
            uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
        )
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once it has stopped
            server.run()  # until Ctrl-C (or SIGTERM)
        console.print("stopping: the worker finishes its steps")
        worker.stop()
        thread.join(timeout=30)
    finally:
        office.close()


def _claims(office: Office, console: Console, url: str) -> None:
    seeded = seed_claims(office)
    show(console, office, url, seeded)
    if seeded:
        _play_mark(office)


def seed(office: Office) -> bool:
    """Users, directory, definition and claims, each created only if missing; True when the
    claims were created now (a first run)."""
    seed_people(office)
    return seed_claims(office)


def seed_people(office: Office) -> None:
    """Users, directory and the definition, each created only if missing."""
    tenant = "default"
    for username, display, grants, _ in USERS:
        if office.accounts.user_named(tenant, username) is None:
            office.accounts.create_user(
                tenant, username, password=PASSWORD, display_name=display, grants=grants, actor="demo"
            )
        if not _in_directory(office, tenant, username):
            office.directory.put_person(
                tenant, username, actor="demo", display_name=display, manager=MANAGERS.get(username)
            )
    if not any(g.name == "finance" for g in office.directory.groups(tenant)):
        office.directory.put_group(tenant, "finance", ["fiona", "felix"], actor="demo", description="Finance team")
    office.engine.apply(HERE / "expense_claims" / "definition.yaml", actor="demo")


def seed_claims(office: Office) -> bool:
    """The claims, each started only if missing; True when they were started now (a first run)."""
    tenant = "default"
    created = False
    for claim in CLAIMS:
        if office.queries.runs.keyed(tenant, claim["key"]) is not None:
            continue
        created = True
        data = dict(claim["input"])
        data["spent_on"] = (TODAY - timedelta(days=3)).isoformat()
        if claim["receipt"]:
            sample = receipts.document(**claim["receipt"])
            data["amount"] = sample.truth["total"]
            data["spent_on"] = sample.truth["date"]
            row = office.events.save_file(
                tenant, sample.filename, receipts.content_type(sample), sample.data, source="demo", max_size=MAX_SIZE
            )
            data["receipt"] = row.id
        office.engine.start("expense-claim", data, idempotency_key=claim["key"], actor=f"user:{claim['by']}")
    return created


def _in_directory(office: Office, tenant: str, username: str) -> bool:
    try:
        office.directory.person(tenant, username)
    except NotFound:
        return False
    return True


def _play_mark(office: Office) -> None:
    """Mark approves one claim as soon as its receipt is read, so finance has something in its
    inbox too."""
    mark = office.tasks.viewer("default", "mark")
    for claim in CLAIMS:
        if not claim.get("mark_approves"):
            continue
        run = office.queries.runs.keyed("default", claim["key"])
        assert run is not None, "the claim's run was started above"
        deadline = time.monotonic() + 300
        while True:
            tasks = [t for t in office.tasks.of_run("default", run.id) if t.status == "active"]
            if tasks or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for task in tasks:
            office.tasks.decide(
                mark,
                task.id,
                Decision(outcome="approve", values={**(task.data or {}), "cost_centre": "CC-EVENTS"}),
            )


def show(console: Console, office: Office, url: str, seeded: bool) -> None:
    time.sleep(1.0)  # let the worker take the claims towards their first decision
    console.print()
    console.print(f"[bold]officeflow demo[/] on {url}   (API: {url}/v1, API docs: {url}/docs)")
    console.print("claims " + ("created" if seeded else "kept from the last run") + "; sign in as:")
    table = Table(header_style="bold", show_edge=False)
    for column in ("user", "password", "role", "in the demo"):
        table.add_column(column)
    for username, _, grants, what in USERS:
        table.add_row(username, PASSWORD, ", ".join(grants), what)
    console.print(table)
    waiting = office.engine.list_runs(statuses=[RunStatus.WAITING], workflow="expense-claim", limit=100)
    console.print(
        f"{len(waiting)} claim(s) wait for a person so far (receipts still being read join them): "
        "sign in as [bold]mark[/] for his inbox, "
        "[bold]fiona[/] for finance's, [bold]emma[/] to file a new claim. Ctrl-C stops the demo."
    )


if __name__ == "__main__":
    main()

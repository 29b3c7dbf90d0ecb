"""API benchmark: events ingested through ``POST /v1/events/{type}``, each starting a workflow.

``officeflow serve`` runs with ``--api-processes`` processes; a load generator in another process
(bench/loadgen.py) posts events with unique ids at a fixed rate, open loop, over keep-alive
connections, and measures each request from its scheduled send time. Afterwards the benchmark
checks that every accepted event has its run (nothing lost) and prints one JSON line.

    python bench/api.py --backend postgresql --rate 1000 --duration 20
    python bench/api.py --backend sqlite --rate 500 --duration 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from officeflow import Office  # noqa: E402
from officeflow.security import keys  # noqa: E402
from officeflow.store import migrate, open_store  # noqa: E402

WORKFLOW = """
name: bench-intake
version: 1
input: {type: object, required: [amount]}
steps:
  review: {kind: task, handler: bench.step1, input: "{'n': 1}"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second, open loop")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured (after 2 s of warm-up)")
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--pg-admin", default=os.environ.get("OFFICEFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="of_api_bench_"))
    secret = os.environ.get(keys.ENV) or keys.generate()
    if args.backend == "sqlite":
        url, dbname = f"sqlite:///{tmp}/bench.db", None
    else:
        dbname = f"of_apibench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = args.pg_admin.rsplit("/", 1)[0] + "/" + dbname
    store = open_store(url)
    migrate.upgrade(store)
    store.close()
    office = Office.open(url, secret_key=secret)
    office.engine.apply(WORKFLOW)
    office.events.register_type("default", "bench.event", {"type": "object", "required": ["amount"]}, actor="bench")
    office.events.save_trigger(
        "default", {"name": "intake", "event_type": "bench.event", "workflow": "bench-intake"}, actor="bench"
    )
    token = office.accounts.create_api_key("default", "loadgen", grants=["submitter"], actor="bench").token
    port = free_port()
    env = {
        **os.environ,
        "OFFICEFLOW_DATABASE_URL": url,
        "OFFICEFLOW_SECRET_KEY": secret,
        "OFFICEFLOW_LOG_LEVEL": "warning",
        "OFFICEFLOW_RATE_LIMIT_KEY": "100000/s:100000",
        "OFFICEFLOW_RATE_LIMIT_TENANT": "100000/s:100000",
        "PYTHONPATH": str(ROOT),
    }
    with (tmp / "api.log").open("wb") as log:
        api = subprocess.Popen(
            [sys.executable, "-m", "officeflow", "serve", "--port", str(port), "--workers", str(args.api_processes)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or api.poll() is not None:
                raise RuntimeError(f"the API did not start; see {tmp / 'api.log'}")
            time.sleep(0.3)
        time.sleep(1.0)  # every process up
        load = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "loadgen.py"),
                "--url",
                f"http://127.0.0.1:{port}",
                "--token",
                token,
                "--type",
                "bench.event",
                "--rate",
                str(args.rate),
                "--duration",
                str(args.duration),
                "--connections",
                str(args.connections),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration * 10 + 120,
        )
        result = json.loads(load.stdout.strip().splitlines()[-1])
        accepted = result.pop("accepted")
        with office.store.read() as tx:
            runs = (
                sum(1 for _ in accepted if tx.run_by_key("default", f"trigger:intake:{_}") is not None)
                if len(accepted) <= 5000
                else None
            )
            total_runs = sum(tx.count_runs_by_status("default").values())
            stored = tx.count_events("default", "bench.event", None, None)
        result.update(
            backend=args.backend,
            api_processes=args.api_processes,
            rate_target=args.rate,
            accepted=len(accepted),
            events_stored=stored,
            runs=total_runs,
            lost=len(accepted) - total_runs if runs is None else len(accepted) - runs,
        )
    finally:
        api.send_signal(signal.SIGTERM)
        try:
            api.wait(timeout=30)
        except subprocess.TimeoutExpired:
            api.kill()
        office.close()
        if dbname:
            with psycopg.connect(args.pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{args.backend}, {args.api_processes} API process(es): {result['achieved_per_s']:.0f} events/s offered "
        f"at {args.rate:.0f}/s; p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms; statuses {result['statuses']}; accepted {result['accepted']}, "
        f"runs {result['runs']}, lost {result['lost']}",
        file=sys.stderr,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Peer benchmark: the officeflow workload run on DBOS Transact (PyPI ``dbos``).

Workload (identical to officeflow's bench): each workflow runs three trivial,
checkpointed steps -- step1 -> {"a": n+1}, step2 -> {"b": a*2}, step3 -> {"c": b+3}
-- and returns the merged dict.

Method:
* K worker processes (``--workers``) are started by this script; each runs
  ``DBOS.launch()`` and dequeues from one DBOS queue, registered with
  ``DBOS.register_queue(worker_concurrency=16, polling_interval_sec=0.1)``.
* The parent never executes workflows: it submits with ``DBOSClient.enqueue``
  (the client only writes the system database).
* throughput mode: enqueue N workflows back to back; latency mode: enqueue at a
  fixed arrival rate ``--rate`` R/s.
* Latency of a workflow = (time the workflow body finished) - (time just before
  its enqueue call). Wall = last finish - first enqueue.

Completion time: the workflow records ``time.time()`` after its third step is
checkpointed and returns it in its result. DBOS's own ``updated_at`` /
``completed_at`` columns are not usable: on SQLite with Python < 3.12 DBOS
stamps them with ``strftime('%s','now')*1000``, i.e. second precision. The
in-body stamp omits only the final outcome write (one statement; median
gap to DBOS's completed_at measured at 0.4 ms on PostgreSQL).
All processes share this host's clock.

Prints one JSON line on stdout (last line) and a human summary on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSClient, EnqueueOptions

APP_NAME = "officeflow_bench"
APP_VERSION = "bench-1"  # fixed, so every worker is the "latest" version
QUEUE = "bench_q"
WORKFLOW = "bench_wf"


# --- workload ----------------------------------------------------------------
@DBOS.step()
def step1(n: int) -> dict[str, int]:
    return {"a": n + 1}


@DBOS.step()
def step2(a: int) -> dict[str, int]:
    return {"b": a * 2}


@DBOS.step()
def step3(b: int) -> dict[str, int]:
    return {"c": b + 3}


@DBOS.workflow(name=WORKFLOW)
def bench_wf(n: int) -> dict[str, Any]:
    r1 = step1(n)
    r2 = step2(r1["a"])
    r3 = step3(r2["b"])
    # Completion stamp (see module docstring for why not DBOS's own columns).
    return {**r1, **r2, **r3, "t_end": time.time()}


# --- worker process ----------------------------------------------------------
def run_worker(index: int, db_url: str, ready_file: str, concurrency: int, poll: float) -> None:
    """Launch DBOS, listen to the bench queue, signal readiness, run until SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()
    DBOS(
        config={
            "name": APP_NAME,
            "system_database_url": db_url,
            "executor_id": f"bench-worker-{index}",  # must be unique per process
            "application_version": APP_VERSION,
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    DBOS.register_queue(QUEUE, worker_concurrency=concurrency, polling_interval_sec=poll, on_conflict="always_update")
    # The queue manager discovers registered queues once per second; wait for
    # this queue's poller thread so no start-up delay leaks into the figures.
    while not any(t.name == f"queue-worker-{QUEUE}" for t in threading.enumerate()):
        time.sleep(0.05)
    Path(ready_file).touch()
    while not stop.wait(0.5):
        if os.getppid() != parent:  # orphaned: the submitter died
            break
    DBOS.destroy()


# --- submitter side ----------------------------------------------------------
def start_workers(args: argparse.Namespace, db_url: str, tmp: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Start K workers into ``procs`` (the caller's list, so a failed start-up is
    still cleaned up); the first alone, as it creates/migrates the system database."""

    def spawn(i: int) -> Path:
        ready = Path(tmp, f"ready-{i}")
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--_worker",
            str(i),
            "--_ready",
            str(ready),
            "--db-url",
            db_url,
            "--worker-concurrency",
            str(args.worker_concurrency),
            "--poll-interval",
            str(args.poll_interval),
        ]
        procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
        return ready

    def wait_ready(files: list[Path]) -> None:
        deadline = time.monotonic() + 120
        while not all(f.exists() for f in files):
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a DBOS worker exited during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("DBOS workers did not become ready")
            time.sleep(0.05)

    wait_ready([spawn(0)])
    wait_ready([spawn(i) for i in range(1, args.workers)])


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def submit_and_wait(client: DBOSClient, args: argparse.Namespace, db_url: str) -> dict[str, float]:
    """Enqueue N workflows (back to back from --submitters threads, or at --rate), wait for all,
    return t_enqueue by id."""
    enqueued: dict[str, float] = {}
    start = time.time()

    def submit(indexes: range, own: DBOSClient) -> None:
        for i in indexes:
            if args.mode == "latency":
                delay = start + i / args.rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            wf_id = f"bench-{i}"
            options: EnqueueOptions = {"workflow_name": WORKFLOW, "queue_name": QUEUE, "workflow_id": wf_id}
            enqueued[wf_id] = time.time()
            own.enqueue(options, i)

    threads = 1 if args.mode == "latency" else max(1, args.submitters)
    if threads == 1:
        submit(range(args.workflows), client)
    else:
        clients = [DBOSClient(system_database_url=db_url, application_name=APP_NAME) for _ in range(threads)]
        workers = [
            threading.Thread(target=submit, args=(range(k, args.workflows, threads), clients[k]))
            for k in range(threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        for c in clients:
            c.destroy()
    t_submitted = time.time()
    print(
        f"[dbos_peer] enqueued {args.workflows} in {t_submitted - start:.2f}s "
        f"({args.workflows / max(t_submitted - start, 1e-9):.0f}/s)",
        file=sys.stderr,
    )
    # Completion check only; the figures come from the in-workflow stamps, so
    # this poll interval does not affect them (it adds one cheap read per 0.2s).
    deadline = time.monotonic() + args.timeout
    while client.list_workflows(
        status=["ENQUEUED", "PENDING"], queue_name=QUEUE, limit=1, load_input=False, load_output=False
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("workflows did not finish in time")
        time.sleep(0.2)
    return enqueued


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(db_url: str, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    procs: list[subprocess.Popen[bytes]] = []
    client: DBOSClient | None = None
    try:
        start_workers(args, db_url, tmp, procs)
        client = DBOSClient(system_database_url=db_url, application_name=APP_NAME)
        enqueued = submit_and_wait(client, args, db_url)
        rows = client.list_workflows(queue_name=QUEUE, load_input=False, load_output=True)
    finally:
        if client is not None:
            client.destroy()
        stop_workers(procs)
    done = {r.workflow_id: r for r in rows if r.status == "SUCCESS"}
    if len(done) != args.workflows:
        raise RuntimeError(f"only {len(done)}/{args.workflows} workflows succeeded")
    out: dict[str, Any] = {w: r.output for w, r in done.items()}
    assert {k: out["bench-0"][k] for k in "abc"} == {"a": 1, "b": 2, "c": 5}, out["bench-0"]
    latencies = [(out[w]["t_end"] - t0) * 1000 for w, t0 in enqueued.items()]
    wall = max(o["t_end"] for o in out.values()) - min(enqueued.values())
    per_worker = {
        e: sum(r.executor_id == e for r in done.values()) for e in sorted({r.executor_id or "?" for r in done.values()})
    }
    print(f"[dbos_peer] workflows per worker: {per_worker}", file=sys.stderr)
    return {"wall_s": wall, "latencies": latencies}


def create_pg_database(server_url: str) -> tuple[str, str]:
    """Create a scratch database on the server of ``server_url``; return (name, url)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"dbos_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(server_url)
    with psycopg.connect(url.set(database="postgres").render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(server_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(server_url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def remove_sqlite(path: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument(
        "--db-url",
        help="sqlite: scratch file URL (recreated, then deleted); "
        "postgresql: server URL, a scratch database dbos_bench_<hex> is created "
        "on it and dropped at the end [default: temp file / "
        "postgresql://postgres@127.0.0.1:5432/postgres]",
    )
    p.add_argument("--workflows", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--mode", choices=["throughput", "latency"], default="throughput")
    p.add_argument("--rate", type=float, default=20.0, help="arrivals per second (latency mode)")
    p.add_argument(
        "--worker-concurrency",
        type=int,
        default=16,
        help="DBOS queue worker_concurrency, as officeflow's default worker concurrency",
    )
    p.add_argument(
        "--poll-interval", type=float, default=0.1, help="DBOS queue polling_interval_sec (DBOS default 1.0)"
    )
    p.add_argument("--submitters", type=int, default=1, help="enqueuing threads in throughput mode")
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--_worker", type=int, help=argparse.SUPPRESS)
    p.add_argument("--_ready", help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args._worker is not None:
        run_worker(args._worker, args.db_url, args._ready, args.worker_concurrency, args.poll_interval)
        return
    # SIGTERM becomes SystemExit so every `finally` (workers, scratch DB) runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="dbos_peer_")
    pg_name: str | None = None
    sqlite_path: str | None = None
    try:
        if args.backend == "postgresql":
            server = args.db_url or "postgresql://postgres@127.0.0.1:5432/postgres"
            pg_name, db_url = create_pg_database(server)
        else:
            db_url = args.db_url or f"sqlite:///{tmp}/dbos_sys.sqlite"
            if not db_url.startswith("sqlite:///"):
                raise SystemExit("--backend sqlite needs a sqlite:/// URL")
            sqlite_path = db_url[len("sqlite:///") :]
            remove_sqlite(sqlite_path)
        result = measure(db_url, args, tmp)
    finally:
        if pg_name is not None:
            drop_pg_database(server, pg_name)
        if sqlite_path is not None:
            remove_sqlite(sqlite_path)
        shutil.rmtree(tmp, ignore_errors=True)

    n, wall, lat = args.workflows, result["wall_s"], result["latencies"]
    notes = (
        f"DBOS queue via DBOS.register_queue(worker_concurrency={args.worker_concurrency}, "
        f"polling_interval_sec={args.poll_interval}; DBOS default 1.0); {args.workers} worker "
        f"processes, submitter uses DBOSClient.enqueue; latency = in-workflow time.time() "
        f"after step 3 minus time before enqueue" + (f"; arrival rate {args.rate}/s" if args.mode == "latency" else "")
    )
    out = {
        "backend": args.backend,
        "workflows": n,
        "workers": args.workers,
        "mode": args.mode,
        "workflows_per_s": round(n / wall, 2),
        "steps_per_s": round(3 * n / wall, 2),
        "p50_ms": round(pct(lat, 50), 2),
        "p95_ms": round(pct(lat, 95), 2),
        "wall_s": round(wall, 3),
        "dbos_version": version("dbos"),
        "notes": notes,
    }
    print(
        f"[dbos_peer] {args.backend} {args.mode}: {n} workflows, {args.workers} workers: "
        f"{out['workflows_per_s']} wf/s, p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, "
        f"wall {out['wall_s']} s",
        file=sys.stderr,
    )
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""Engine benchmark: three-step workflows, workers in separate processes, SQLite or PostgreSQL.

Workload: each workflow runs three trivial steps (s1 -> {"a": n+1}, s2 -> {"b": a*2},
s3 -> {"c": b+3}) and returns their combination. The same workload runs on DBOS Transact with
``--vs dbos`` (bench/peers/dbos_peer.py), in the same invocation, on the same backend.

Phases:
1. store limit: small committed transactions per second through officeflow's own store layer,
   one process (the ceiling a step-per-transaction design would hit);
2. throughput: N workflows submitted back to back by this process (one thread), executed by K
   worker processes (``officeflow worker``); wall = first submit to last completion;
3. latency: M workflows at a fixed arrival rate R; p50/p95/p99 of submit-to-completion, where
   submit is the moment before ``engine.start()`` and completion is the run's ``completed_at``,
   stamped by the worker inside the transaction that completes the run.

The last line printed is one JSON object (backend, workflows_per_s, steps_per_s, p50_ms, p95_ms
and, with --vs, peer_workflows_per_s, peer_p50_ms, ratio).

    python bench/engine.py --backend sqlite --vs dbos
    python bench/engine.py --backend postgresql --vs dbos
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
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # this checkout's officeflow, also in a git worktree

from officeflow import Engine, RunStatus  # noqa: E402
from officeflow.security import keys  # noqa: E402
from officeflow.store import migrate, open_store  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Database:
    """A scratch database on the chosen backend, removed afterwards."""

    def __init__(self, backend: str, pg_admin: str) -> None:
        self.backend = backend
        self.pg_admin = pg_admin
        self.tmp = Path(tempfile.mkdtemp(prefix="of_bench_"))
        if backend == "sqlite":
            self.url = f"sqlite:///{self.tmp}/bench.db"
        else:
            self.name = f"of_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = pg_admin.rsplit("/", 1)[0] + "/" + self.name
        store = open_store(self.url)
        migrate.upgrade(store)
        store.close()

    def commits(self) -> int | None:
        if self.backend != "postgresql":
            return None
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (self.name,)).fetchone()
        return int(row[0]) if row else None

    def drop(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.backend == "postgresql":
            with psycopg.connect(self.pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def store_limit(url: str, seconds: float = 2.0) -> float:
    """Committed single-row transactions per second through the store layer, one process."""
    store = open_store(url)
    try:
        with store.transaction() as tx:
            tx._exec("CREATE TABLE bench_commits (id INTEGER, note TEXT)")
        count, end = 0, time.perf_counter() + seconds
        start = time.perf_counter()
        while time.perf_counter() < end:
            with store.transaction() as tx:
                tx._exec("INSERT INTO bench_commits (id, note) VALUES (:i, 'x')", {"i": count})
            count += 1
        return count / (time.perf_counter() - start)
    finally:
        store.close()


class Workers:
    def __init__(self, url: str, count: int, concurrency: int, logs: Path) -> None:
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "OFFICEFLOW_LOG_LEVEL": "warning"}
        self.procs = []
        for i in range(count):
            log = open(logs / f"worker-{i}.log", "wb")  # noqa: SIM115 - the child owns it
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "officeflow",
                        "--database-url",
                        url,
                        "--app",
                        "bench.bench_app",
                        "worker",
                        "--concurrency",
                        str(concurrency),
                    ],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                )
            )
            log.close()

    def wait_ready(self, engine: Engine, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with engine.store.read() as tx:
                ready = len(tx.list_workers(since=0))
            if ready >= len(self.procs):
                return
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                raise RuntimeError("workers did not start; see their logs")
            time.sleep(0.1)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_all(engine: Engine, submitted: dict[str, float], timeout: float) -> dict[str, float]:
    """Poll (every 50 ms) until every submitted run completed; returns run id -> completed_at."""
    deadline = time.monotonic() + timeout
    pending = set(submitted)
    completed: dict[str, float] = {}
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} runs did not complete in {timeout} s")
        time.sleep(0.05)
        with engine.store.read() as tx:
            for run_id in list(pending)[:2000]:
                run = tx.get_run(run_id)
                if run is not None and run.status == RunStatus.COMPLETED:
                    assert run.completed_at is not None
                    completed[run_id] = run.completed_at
                    pending.discard(run_id)
                elif run is not None and run.status == RunStatus.FAILED:
                    raise RuntimeError(f"run {run_id} failed: {run.error}")
    return completed


def throughput(engine: Engine, n: int, timeout: float, submitters: int = 1) -> dict[str, Any]:
    submitted: dict[str, float] = {}
    first = time.time()

    def submit(indexes: range) -> None:
        for i in indexes:
            t0 = time.time()
            submitted[engine.start("bench3", {"n": i}, version=1).id] = t0

    threads = [threading.Thread(target=submit, args=(range(k, n, submitters),)) for k in range(submitters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    submit_s = time.time() - first
    completed = wait_all(engine, submitted, timeout)
    wall = max(completed.values()) - first
    latencies = [(completed[r] - submitted[r]) * 1000 for r in submitted]
    return {
        "workflows_per_s": n / wall,
        "steps_per_s": 3 * n / wall,
        "submit_per_s": n / submit_s,
        "wall_s": wall,
        "backlog_p50_ms": percentile(latencies, 50),
    }


def latency(engine: Engine, n: int, rate: float, timeout: float) -> dict[str, Any]:
    submitted: dict[str, float] = {}
    start = time.time()
    for i in range(n):
        due = start + i / rate
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        t0 = time.time()
        submitted[engine.start("bench3", {"n": i}, version=1).id] = t0
    completed = wait_all(engine, submitted, timeout)
    latencies = [(completed[r] - submitted[r]) * 1000 for r in submitted]
    return {
        "rate": rate,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": statistics.fmean(latencies),
    }


def check_result(engine: Engine) -> None:
    (run,) = engine.list_runs(limit=1, statuses=["completed"])
    n = run.input["n"]
    expected = {"a": n + 1, "b": (n + 1) * 2, "c": (n + 1) * 2 + 3}
    assert run.output == expected, (run.output, expected)


def run_peer(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    command = [
        sys.executable,
        str(ROOT / "bench" / "peers" / "dbos_peer.py"),
        "--backend",
        args.backend,
        "--workers",
        str(args.workers),
        "--mode",
        mode,
        "--submitters",
        str(args.submitters),
        "--worker-concurrency",
        str(args.concurrency),
    ]
    if mode == "throughput":
        command += ["--workflows", str(args.workflows)]
    else:
        command += ["--workflows", str(args.latency_workflows), "--rate", str(args.rate)]
    if args.backend == "postgresql":
        command += ["--db-url", args.pg_admin]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout * 2, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"DBOS peer failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workflows", type=int, default=3000, help="throughput phase size")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="steps per worker at once (the peer gets the same)")
    parser.add_argument(
        "--submitters", type=int, default=4, help="threads submitting in the throughput phase (the peer gets the same)"
    )
    parser.add_argument("--rate", type=float, default=20.0, help="arrivals per second in the latency phase")
    parser.add_argument("--latency-workflows", type=int, default=300)
    parser.add_argument("--vs", choices=["dbos"], help="run the same workload on a peer and compare")
    parser.add_argument(
        "--pg-admin", default=os.environ.get("OFFICEFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--logs", type=Path, help="keep the worker logs in this folder")
    args = parser.parse_args()
    os.environ.setdefault(keys.ENV, keys.generate())  # shared with the worker processes

    db = Database(args.backend, args.pg_admin)
    workers = None
    try:
        limit = store_limit(db.url)
        engine = Engine.open(db.url)
        engine.apply(ROOT / "bench" / "bench3.yaml")
        logs = args.logs or db.tmp
        logs.mkdir(parents=True, exist_ok=True)
        workers = Workers(db.url, args.workers, args.concurrency, logs)
        workers.wait_ready(engine)
        throughput(engine, 100, args.timeout)  # warm-up: connections, prepared statements, caches
        commits_before = db.commits()
        tput = throughput(engine, args.workflows, args.timeout, args.submitters)
        commits_after = db.commits()
        lat = latency(engine, args.latency_workflows, args.rate, args.timeout)
        check_result(engine)
        engine.close()
    finally:
        if workers is not None:
            workers.stop()
        db.drop()

    result: dict[str, Any] = {
        "backend": args.backend,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "workflows": args.workflows,
        "workflows_per_s": round(tput["workflows_per_s"], 1),
        "steps_per_s": round(tput["steps_per_s"], 1),
        "submit_per_s": round(tput["submit_per_s"], 1),
        "submitters": args.submitters,
        "p50_ms": round(lat["p50_ms"], 2),
        "p95_ms": round(lat["p95_ms"], 2),
        "p99_ms": round(lat["p99_ms"], 2),
        "latency_rate": args.rate,
        "store_commits_per_s": round(limit, 1),
    }
    if commits_before is not None and commits_after is not None:
        result["transactions_per_workflow"] = round((commits_after - commits_before) / args.workflows, 2)
    print(
        f"officeflow on {args.backend}: {result['workflows_per_s']} workflows/s, {result['steps_per_s']} steps/s "
        f"({args.workers} worker processes x {args.concurrency}); {args.submitters} submitter thread(s) "
        f"at {result['submit_per_s']}/s",
        file=sys.stderr,
    )
    print(
        f"  latency at {args.rate}/s: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms",
        file=sys.stderr,
    )
    print(f"  store limit: {result['store_commits_per_s']} committed transactions/s (one process)", file=sys.stderr)
    if args.vs:
        peer_t = run_peer(args, "throughput")
        peer_l = run_peer(args, "latency")
        result.update(
            peer=f"dbos {peer_t.get('dbos_version')}",
            peer_workflows_per_s=round(peer_t["workflows_per_s"], 1),
            peer_p50_ms=round(peer_l["p50_ms"], 2),
            peer_p95_ms=round(peer_l["p95_ms"], 2),
            ratio=round(result["workflows_per_s"] / peer_t["workflows_per_s"], 2),
            peer_notes=peer_t.get("notes"),
        )
        print(
            f"  DBOS on {args.backend}: {result['peer_workflows_per_s']} workflows/s, p50 {result['peer_p50_ms']} ms, "
            f"p95 {result['peer_p95_ms']} ms; officeflow/DBOS throughput ratio {result['ratio']}",
            file=sys.stderr,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

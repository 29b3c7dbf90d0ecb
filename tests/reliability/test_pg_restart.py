"""PostgreSQL restarts under load: workers and the API ride them out.

A private cluster (tests/reliability/pgcluster.py) serves two worker processes and ``officeflow
serve --workers 2`` (a supervisor with its audit sealer, scheduler and outbox, and two API
processes) while runs are started through the API (with Idempotency-Keys) and through the
engine. The cluster restarts ten times, ``-m fast`` and ``-m immediate`` in turn. Afterwards:

- every process is alive, with the PID it started with;
- every run whose start was acknowledged (2xx, or ``start_or_get`` returned) exists and completed,
  and nothing else started;
- every step ran exactly once (the handlers' side-effect log) and completed once (history);
- no job is left, and the API never answered 500;
- each process said in its log when the database went away and when it came back, never more
  than once per restart, and logged no traceback.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from officeflow import Office, RunStatus
from officeflow.errors import StoreUnavailable
from officeflow.store import migrate, open_store

from .harness import ApiServer, WorkerFleet, alive
from .pgcluster import PrivateCluster
from .test_crash import read_effects

HERE = Path(__file__).parent
RESTARTS = 10
WORKERS = 2
API_PROCESSES = 2

pytestmark = pytest.mark.slow


GIVE_UP = 30.0
"""Seconds a client retries one start before it gives up on it (none should need that long)."""


class Starts:
    """Starts runs until stopped, from a thread, retrying each start (same key) until it is
    acknowledged; records what was acknowledged and every answer."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, str] = {}
        """run id -> the key it was started with"""
        self.answers: Counter[int | str] = Counter()
        self.refused: list[str] = []
        self.unanswered: list[str] = []
        """keys still without an acknowledgement after GIVE_UP seconds of retries"""
        self.transport_errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def ack(self, run_id: str, key: str) -> None:
        with self.lock:
            self.acknowledged[run_id] = key


def start_through_api(api: ApiServer, token: str, starts: Starts) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api.base, headers=headers, timeout=30) as client:
        n = 0
        while not starts.stop.is_set():
            n += 1
            key = f"api-{n}"
            give_up = time.monotonic() + GIVE_UP
            while True:
                if time.monotonic() > give_up:
                    starts.unanswered.append(key)
                    break
                try:
                    answer = client.post(
                        "/v1/runs", json={"workflow": "crashy", "input": {"n": n}}, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError as exc:
                    starts.answers[type(exc).__name__] += 1
                    starts.transport_errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.1)
                    continue
                starts.answers[answer.status_code] += 1
                if answer.status_code in (200, 201):
                    starts.ack(answer.json()["id"], key)
                    break
                if answer.status_code in (503, 409):  # the store is away, or the key's first try is in flight
                    time.sleep(0.1)
                    continue
                starts.refused.append(f"{key}: {answer.status_code} {answer.text}")
                break
            time.sleep(0.04)


def start_through_engine(office: Office, starts: Starts) -> None:
    n = 0
    while not starts.stop.is_set():
        n += 1
        key = f"engine-{n}"
        while True:
            try:
                run, _ = office.engine.start_or_get("crashy", {"n": n}, idempotency_key=key)
            except StoreUnavailable:
                starts.answers["StoreUnavailable"] += 1
                time.sleep(0.1)
                continue
            starts.ack(run.id, key)
            break
        time.sleep(0.04)


def test_workers_and_the_api_ride_out_ten_postgresql_restarts(cluster: PrivateCluster, tmp_path: Path) -> None:
    url = cluster.create_database("restarts")
    store = open_store(url)
    migrate.upgrade(store)
    store.close()
    office = Office.open(url)
    office.engine.apply(HERE / "crash.yaml")
    token = office.accounts.create_api_key("default", "loader", grants=["admin"], actor="system").token
    fleet = WorkerFleet(
        url,
        tmp_path,
        app="tests.reliability.crash_app",
        env={"CRASH_LOG_DIR": str(tmp_path), "CRASH_STEP_DELAY": "0.02"},
        args=("--lease", "15s", "--concurrency", "8"),
    )
    api = ApiServer(url, tmp_path, workers=API_PROCESSES)
    starts = Starts()
    loaders = [
        threading.Thread(target=start_through_api, args=(api, token, starts), daemon=True),
        threading.Thread(target=start_through_engine, args=(office, starts), daemon=True),
    ]
    rng = random.Random(20261204)
    try:
        workers = [fleet.spawn() for _ in range(WORKERS)]
        api.wait_ready(API_PROCESSES)
        api_processes = api.children()
        for loader in loaders:
            loader.start()
        time.sleep(1.5)
        before = len(starts.acknowledged)
        assert before > 0, f"nothing was started before the restarts: {starts.answers}"
        for i in range(RESTARTS):
            cluster.restart("fast" if i % 2 == 0 else "immediate")
            time.sleep(rng.uniform(1.5, 2.5))
        after_restarts = len(starts.acknowledged)
        time.sleep(1.0)
        starts.stop.set()
        for loader in loaders:
            loader.join(timeout=60)
        assert len(starts.acknowledged) > after_restarts, "nothing was started after the last restart"
        acknowledged = dict(starts.acknowledged)
        wait_drained(office, acknowledged, fleet, timeout=90)

        # Every process rode the restarts out: alive, the same processes as at the start.
        assert [p.poll() for p in workers] == [None] * WORKERS
        assert len(fleet.procs) == WORKERS
        assert api.proc.poll() is None
        assert api.children() == api_processes
        assert all(alive(pid) for pid in api_processes)
    finally:
        starts.stop.set()
        fleet.stop()
        api.stop()
    print(f"\nstarts acknowledged: {len(acknowledged)}; answers: {dict(starts.answers)}")
    print(f"transport errors: {Counter(starts.transport_errors)}")

    assert not starts.refused, starts.refused[:5]
    assert not starts.unanswered, f"starts that got no answer in {GIVE_UP} s: {starts.unanswered}"
    assert not [a for a in starts.answers if isinstance(a, int) and a >= 500 and a != 503], starts.answers

    # Nothing acknowledged was lost, nothing else started, each step ran and completed once.
    with office.store.read() as tx:
        counts = tx.count_runs_by_status("default")
        depths = tx.queue_depths()
    assert counts == {"completed": len(acknowledged)}, counts
    assert depths == {}, f"jobs left: {depths}"
    effects, _ = read_effects(tmp_path)
    executed = Counter(e["key"] for e in effects)
    expected = {f"{run_id}:{step}:0" for run_id in acknowledged for step in "abcd"}
    assert set(executed) == expected
    twice = {key: n for key, n in executed.items() if n > 1}
    assert not twice, f"steps that ran more than once: {list(twice.items())[:10]}"
    for run_id in rng.sample(sorted(acknowledged), 50):
        history = office.engine.history(run_id)
        assert [h.type for h in history].count("run_completed") == 1
        assert sorted(h.step_id or "" for h in history if h.type == "step_completed") == ["a", "b", "c", "d", "fork"]
        assert office.engine.get_run(run_id).status == RunStatus.COMPLETED

    # Each process said when the database went away and came back: at most once per restart.
    logs = sorted(tmp_path.glob("*.log"))
    for log in logs:
        if log.name.startswith("effects-"):
            continue
        text = log.read_text()
        assert "Traceback" not in text, f"{log.name}:\n{text[-3000:]}"
        lost, back = text.count("database unavailable"), text.count("database available again")
        assert 1 <= lost <= RESTARTS * (API_PROCESSES + 1 if log.name == "serve.log" else 1), (log.name, lost)
        assert back == lost, (log.name, lost, back)
    office.close()


def wait_drained(office: Office, acknowledged: dict[str, str], fleet: WorkerFleet, timeout: float) -> None:
    """Until every acknowledged run completed and no job is left."""
    deadline = time.monotonic() + timeout
    while True:
        with office.store.read() as tx:
            counts: dict[str, Any] = tx.count_runs_by_status("default")
            depths = tx.queue_depths()
        if counts.get("completed", 0) >= len(acknowledged) and not depths:
            return
        assert len(fleet.alive()) == WORKERS, "a worker died"
        assert time.monotonic() < deadline, f"the backlog did not drain: runs {counts}, jobs {depths}"
        time.sleep(0.25)

"""Scale-out: four worker processes sharing one PostgreSQL database complete a batch together,
each step executed exactly once (read from the handlers' side-effect log)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from officeflow import Engine, RunStatus

from .harness import WorkerFleet
from .test_crash import read_effects

HERE = Path(__file__).parent
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_four_worker_processes_share_a_batch(db_url: str, tmp_path: Path) -> None:
    engine = Engine.open(db_url)
    engine.apply(HERE / "crash.yaml")
    fleet = WorkerFleet(
        db_url,
        tmp_path,
        app="tests.reliability.crash_app",
        env={"CRASH_LOG_DIR": str(tmp_path), "CRASH_STEP_DELAY": "0.01"},
        args=("--concurrency", "4"),
    )
    try:
        for _ in range(4):
            fleet.spawn()
        wait_registered(engine, 4, fleet)  # a registered worker listens for wake-ups already
        run_ids = [engine.start("crashy", {"n": i}).id for i in range(400)]
        deadline = time.monotonic() + 180
        while engine.store.run(lambda tx: tx.count_runs_by_status("default")).get("completed", 0) < 400:
            assert time.monotonic() < deadline
            assert len(fleet.alive()) == 4
            time.sleep(0.2)
    finally:
        fleet.stop()
    by_worker: Counter[str] = Counter()
    for run_id in run_ids:
        assert engine.get_run(run_id).status == RunStatus.COMPLETED
        for h in engine.history(run_id):
            if h.type == "step_completed" and h.data and "worker" in h.data:
                by_worker[h.data["worker"]] += 1
    print(f"\nsteps per worker: {sorted(by_worker.values())}")
    assert sum(by_worker.values()) == 400 * 4
    assert len(by_worker) == 4, f"not every worker took part: {dict(by_worker)}"
    assert min(by_worker.values()) > 400 * 4 / 4 / 5  # no worker starved
    with engine.store.read() as tx:
        workers = tx.list_workers(since=0)
    assert len(workers) == 4
    assert all(w.stopped_at is not None for w in workers)
    effects, self_killed = read_effects(tmp_path)
    assert not self_killed
    executions = Counter(e["key"] for e in effects)
    expected = {f"{run_id}:{step}:0" for run_id in run_ids for step in "abcd"}
    assert set(executions) == expected, "a step ran that should not have, or one never ran"
    repeated = {key: n for key, n in executions.items() if n > 1}
    assert not repeated, f"steps executed more than once with no worker dying: {repeated}"
    assert {e["pid"] for e in effects} == {p.pid for p in fleet.procs}
    engine.close()


def wait_registered(engine: Engine, count: int, fleet: WorkerFleet, timeout: float = 60) -> None:
    """Until ``count`` workers have registered (and none has exited)."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.store.read() as tx:
            running = [w for w in tx.list_workers(since=0) if w.stopped_at is None]
        if len(running) >= count:
            return
        assert len(fleet.alive()) == len(fleet.procs), "a worker exited while starting"
        assert time.monotonic() < deadline, f"{len(running)} of {count} workers registered"
        time.sleep(0.05)

"""Crash tests, for real: worker processes are SIGKILLed at random moments, including between
a step's side effect and its commit, while hundreds of workflows run.

Afterwards every run has completed exactly once, no completed step ran again, and the side-effect
log shows a step twice only where its first execution died before committing (with the same
idempotency key both times): its process died after that execution and before the next one began.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from officeflow import Engine, RunStatus

from .harness import WorkerFleet

RUNS = 240
WORKERS = 3
HERE = Path(__file__).parent

pytestmark = pytest.mark.slow


def read_effects(logs: Path) -> tuple[list[dict[str, Any]], dict[int, float]]:
    """The side effects, and the processes that killed themselves (pid -> when)."""
    effects: list[dict[str, Any]] = []
    self_killed: dict[int, float] = {}
    for path in logs.glob("effects-*.log"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "self_kill" in record:
                self_killed[record["self_kill"]] = record["at"]
            else:
                effects.append(record)
    return effects, self_killed


def test_sigkilled_workers_lose_nothing_and_repeat_no_completed_step(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(20261125)
    engine = Engine.open(db_url)
    engine.apply(HERE / "crash.yaml")
    run_ids = [engine.start("crashy", {"n": i}).id for i in range(RUNS)]
    fleet = WorkerFleet(
        db_url,
        tmp_path,
        app="tests.reliability.crash_app",
        env={"CRASH_LOG_DIR": str(tmp_path), "CRASH_SELF_KILL_RATE": "0.015", "CRASH_STEP_DELAY": "0.03"},
        args=("--lease", "3s", "--concurrency", "4", "--poll", "0.5s", "--grace", "5s"),
    )
    deadline = time.monotonic() + 300
    try:
        for _ in range(WORKERS):
            fleet.spawn()
        while True:
            counts = engine.store.run(lambda tx: tx.count_runs_by_status("default"))
            if counts.get("completed", 0) == RUNS:
                break
            assert time.monotonic() < deadline, f"runs did not complete: {counts}"
            time.sleep(rng.uniform(0.2, 1.0))
            alive = fleet.alive()
            if alive and len(fleet.killed) < 25:
                fleet.kill(rng.choice(alive))
            while len(fleet.alive()) < WORKERS:
                fleet.spawn()
    finally:
        fleet.stop()
    effects, self_killed = read_effects(tmp_path)
    died = {**fleet.killed, **self_killed}  # pid -> when it died

    runs = [engine.get_run(r) for r in run_ids]
    assert {r.status for r in runs} == {RunStatus.COMPLETED}
    committed: dict[str, int] = {}
    for run_id in run_ids:
        history = engine.history(run_id)
        assert [h.type for h in history].count("run_completed") == 1
        steps = [h for h in history if h.type == "step_completed" and h.step_id != "fork"]
        assert sorted(str(h.step_id) for h in steps) == ["a", "b", "c", "d"]  # each once
        for h in steps:
            committed[f"{run_id}:{h.step_id}:{h.iteration}"] = h.attempt or 0
        out = engine.get_run(run_id).output
        assert out["fork"] == {"b": {"step": "b", "n": out["a"]["n"]}, "c": {"step": "c", "n": out["a"]["n"]}}

    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in effects:
        by_key[e["key"]].append(e)
    assert set(by_key) == set(committed)  # no effect for a step that never completed
    duplicates = 0
    for key, seen in by_key.items():
        attempt = committed[key]
        final = [e for e in seen if e["attempt"] == attempt]
        assert len(final) == 1, f"{key}: the committed attempt {attempt} ran {len(final)} times"
        later = [e for e in seen if e["attempt"] > attempt]
        assert not later, f"{key}: ran again after its completion was committed: {later}"
        for earlier in (e for e in seen if e["attempt"] < attempt):
            duplicates += 1
            # Excused only by its process dying after it ran and before the step ran again.
            again = min(e["at"] for e in seen if e["attempt"] > earlier["attempt"])
            death = died.get(earlier["pid"])
            assert death is not None, (
                f"{key}: attempt {earlier['attempt']} ran in pid {earlier['pid']}, which did not die"
            )
            assert earlier["at"] <= death <= again, (
                f"{key}: attempt {earlier['attempt']} ran at {earlier['at']:.3f} in pid {earlier['pid']}, which died "
                f"at {death:.3f}, not between that run and the next one at {again:.3f}"
            )
    print(
        f"\n{len(fleet.killed)} workers killed from outside, {len(self_killed)} killed themselves "
        f"after a side effect; {duplicates} step executions repeated after a death, none after a commit"
    )
    assert len(fleet.killed) >= 3
    assert duplicates >= 1, "no kill fell between a side effect and its commit: the test proved nothing"
    engine.close()

"""Group commit of starts: concurrent starts share transactions, and each caller still gets its
own run, or its own error."""

from __future__ import annotations

import textwrap
import threading
from typing import Any

import pytest

from officeflow import Engine, IdempotencyConflict, RunStatus

WF = textwrap.dedent("""
    name: quick
    version: 1
    steps:
      done: {kind: end, output: input}
""")


def test_many_concurrent_starts_each_get_their_own_run(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.apply(WF)
    results: dict[int, str] = {}

    def start(k: int) -> None:
        for i in range(k * 50, k * 50 + 50):
            results[i] = engine.start("quick", {"i": i}).id

    threads = [threading.Thread(target=start, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results.values())) == 400
    for i in (0, 199, 399):
        run = engine.get_run(results[i])
        assert (run.status, run.output) == (RunStatus.COMPLETED, {"i": i})


def test_a_failing_start_in_a_batch_fails_alone(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.apply(WF)
    engine.apply(WF.replace("name: quick", "name: other"))
    engine.start("quick", {}, idempotency_key="taken")
    outcomes: dict[int, Any] = {}
    barrier = threading.Barrier(10)

    def start(i: int) -> None:
        barrier.wait()
        try:
            workflow, key = ("other", "taken") if i == 0 else ("quick", f"k{i}")
            outcomes[i] = engine.start(workflow, {"i": i}, idempotency_key=key)
        except IdempotencyConflict as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=start, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(outcomes[0], IdempotencyConflict)
    assert all(outcomes[i].status == RunStatus.COMPLETED for i in range(1, 10))


def test_starting_on_a_closed_engine_is_refused(make_engine: Any) -> None:
    engine: Engine = make_engine()
    engine.apply(WF)
    engine.start("quick", {})
    engine.batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.start("quick", {})

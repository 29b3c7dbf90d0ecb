"""Workers sleep when there is nothing to do and wake when work arrives: PostgreSQL LISTEN/NOTIFY,
or on SQLite a datagram socket beside the database file. No busy polling at idle."""

from __future__ import annotations

import textwrap
import threading
import time
from typing import Any

from officeflow import Engine, RunStatus, SystemClock
from officeflow.store.base import SqlStore

WF = textwrap.dedent("""
    name: nap
    version: 1
    steps:
      wait: {kind: timer, duration: 300ms, next: done}
      done: {kind: end, output: "'woke'"}
""")


class CountingStore:
    """Counts the transactions a worker runs (wraps the real store)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.transactions = 0

    def run(self, fn: Any, **kw: Any) -> Any:
        self.transactions += 1
        return self._store.run(fn, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_an_idle_worker_does_not_poll_and_wakes_at_once_for_new_work_and_timers(make_engine: Any) -> None:
    engine: Engine = make_engine(clock=SystemClock())
    engine.apply(WF)
    worker = engine.worker(poll=60.0, lease=60.0)
    counting = CountingStore(engine.store)  # type: ignore[arg-type]
    worker.store = counting
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        time.sleep(1.0)
        idle = counting.transactions
        time.sleep(2.0)
        assert counting.transactions == idle, "the worker ran transactions while idle"
        started = time.monotonic()
        run = engine.start("nap", {})
        done = engine.wait_for(run.id, timeout=10)
        elapsed = time.monotonic() - started
        assert done.status == RunStatus.COMPLETED
        assert done.output == "woke"
        # Woken by the start (not the 60 s poll), slept until the timer was due, woken again.
        assert 0.3 <= elapsed < 2.0, elapsed
    finally:
        worker.stop()
        thread.join(timeout=10)

"""Waiting for a run to reach a status, woken by the store's notifications (not by polling)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from officeflow.store import Store
from officeflow.store.records import Run, RunStatus

FALLBACK_POLL = 2.0
"""Seconds between checks should a notification be lost (a reconnecting listener)."""


class RunWatcher:
    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, list[threading.Event]] = {}
        self._listener = store.listen(["runs"], self._on_notify)

    def _on_notify(self, channel: str, payload: str) -> None:
        with self._lock:
            if payload:
                events = [e for run_id in payload.split(",") for e in self._events.get(run_id, [])]
            else:  # a reconnect: wake everyone
                events = [e for es in self._events.values() for e in es]
        for event in events:
            event.set()

    def wait(self, fetch: Callable[[], Run], run_id: str, statuses: set[RunStatus], timeout: float | None) -> Run:
        event = threading.Event()
        with self._lock:
            self._events.setdefault(run_id, []).append(event)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                event.clear()
                run = fetch()
                if run.status in statuses:
                    return run
                remaining = FALLBACK_POLL if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"run {run_id} is still {run.status} after {timeout} s")
                event.wait(min(remaining, FALLBACK_POLL))
        finally:
            with self._lock:
                waiting = self._events.get(run_id, [])
                if event in waiting:
                    waiting.remove(event)
                if not waiting:
                    self._events.pop(run_id, None)

    def close(self) -> None:
        self._listener.close()

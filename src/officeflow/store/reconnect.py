"""Riding out a database that went away: what every long-running loop shares.

When PostgreSQL restarts or a connection drops, the store raises
:class:`~officeflow.errors.StoreUnavailable` (see ``Dialect.is_unavailable``). Each loop
(the worker, the audit sealer, the scheduler, the notification outbox, the LISTEN connection)
then waits and tries again:

- :class:`Backoff`: the waits, doubling from ``initial`` up to ``cap``, each drawn from the upper
  half of its step (jitter), so processes that lost the database together do not come back in
  step;
- :class:`Availability`: the store's view of the database, shared by every loop of a process;
  it logs once when the database stops answering and once when it answers again, however many
  loops and connections notice;
- :func:`retry_until_available`: call something again after each backoff wait until the
  database answers (or the caller stops);
- :func:`run_loop`: the loop of a background thread: call a step, wait what it asks, and while the
  database is unavailable wait with backoff instead. (The worker, which never blocks, schedules its
  retries with a :class:`Backoff` of its own.)
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import structlog

from officeflow.errors import StoreUnavailable

T = TypeVar("T")
log = structlog.get_logger("officeflow.store")

INITIAL = 0.05
"""Seconds before the first retry."""
CAP = 2.0
"""The longest wait between two retries: the most a loop lags behind a database that is back."""


class Backoff:
    """Waits between retries: ``initial``, doubling to ``cap``; each wait drawn at random from
    the upper half of its step. ``reset()`` after a success starts again from ``initial``."""

    def __init__(
        self, initial: float = INITIAL, cap: float = CAP, *, rand: Callable[[], float] = random.random
    ) -> None:
        if not 0 < initial <= cap:
            raise ValueError(f"expected 0 < initial <= cap, got initial={initial}, cap={cap}")
        self.initial = initial
        self.cap = cap
        self._rand = rand
        self._step = initial

    def next_delay(self) -> float:
        """The wait before the next retry (and the step after it doubles)."""
        step = self._step
        self._step = min(step * 2, self.cap)
        return step * (0.5 + 0.5 * self._rand())

    def reset(self) -> None:
        self._step = self.initial


class Availability:
    """Whether the database answers, as one process sees it; says so in the log on each change.

    Thread-safe. ``lost()`` is called by every connection and loop that finds the database gone,
    ``back()`` by the first that reaches it again: one line each per outage."""

    def __init__(
        self,
        what: str = "database",
        *,
        on_lost: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self._on_lost = on_lost
        """Called when an outage starts (e.g. to drop the connections made before it)."""
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last_start = float("-inf")
        self.outages = 0
        """How many times the database went away while this process watched."""

    @property
    def down(self) -> bool:
        return self._since is not None

    def lost(self, error: BaseException, *, since: float | None = None) -> bool:
        """The database did not answer; True if this starts an outage (it answered until now).
        ``since``: when the connection that failed was opened or taken (``monotonic``); one
        older than the start of the last outage failed in that outage, already reported (it is
        found broken only when used, maybe after the database is back)."""
        with self._lock:
            if self._since is not None or (since is not None and since <= self._last_start):
                return False
            self._since = self._last_start = self.monotonic()
            self.outages += 1
        log.warning(f"{self.what} unavailable; retrying with backoff until it answers", error=_first_line(error))
        if self._on_lost is not None:
            self._on_lost()
        return True

    def back(self) -> None:
        """The database answered: the end of an outage, if there was one."""
        if self._since is None:
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.warning(f"{self.what} available again", after_s=round(self.monotonic() - since, 3))


def retry_until_available(fn: Callable[[], T], *, wait: Callable[[float], bool], backoff: Backoff | None = None) -> T:
    """``fn()``; called again, after a ``backoff`` wait, each time it raises StoreUnavailable.
    ``wait(seconds)`` sleeps and returns True when the caller is stopping: then the last
    StoreUnavailable is raised."""
    backoff = backoff or Backoff()
    while True:
        try:
            return fn()
        except StoreUnavailable:
            if wait(backoff.next_delay()):
                raise


def run_loop(
    step: Callable[[], float],
    *,
    wait: Callable[[float], bool],
    name: str,
    backoff: Backoff | None = None,
    error_pause: float = 1.0,
) -> None:
    """Call ``step`` until ``wait`` says to stop (returns True); ``step`` returns how many seconds
    to wait before its next call. While the database is unavailable, ``step`` is called again
    after each ``backoff`` wait instead (the store has logged the outage). Any other error is
    logged, with ``name``, and ``step`` is called again after ``error_pause`` seconds."""
    backoff = backoff or Backoff()
    while True:
        try:
            pause = retry_until_available(step, wait=wait, backoff=backoff)
        except StoreUnavailable:
            return  # stopped while the database was away
        except Exception:
            log.exception(f"{name} failed; trying again", retry_in=error_pause)
            pause = error_pause
        backoff.reset()
        if wait(max(0.0, pause)):
            return


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]

"""Riding out an unavailable database: which errors mean it, the backoff, the once-per-outage log,
and the loop every background thread runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import PoolClosed, PoolTimeout
from structlog.testing import capture_logs

from officeflow.errors import OfficeflowError, StoreUnavailable
from officeflow.store.dialect import PostgresDialect, SqliteDialect
from officeflow.store.reconnect import Availability, Backoff, retry_until_available, run_loop


@pytest.mark.parametrize(
    ("error", "closed", "unavailable"),
    [
        (errors.AdminShutdown("terminating connection due to administrator command"), None, True),
        (errors.CrashShutdown("another server process exited abnormally"), None, True),
        (errors.CannotConnectNow("the database system is starting up"), None, True),
        (errors.TooManyConnections("sorry, too many clients already"), None, True),
        (errors.ConnectionFailure("connection failure"), None, True),
        (psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"), True, True),
        (psycopg.OperationalError("connection refused"), None, True),
        (PoolTimeout("couldn't get a connection after 1.00 sec"), None, True),
        (psycopg.OperationalError("cannot exit pipeline mode while busy"), False, False),
        (errors.QueryCanceled("canceling statement due to statement timeout"), False, False),
        (errors.PipelineAborted("pipeline aborted"), True, False),
        (PoolClosed("the pool 'officeflow' is already closed"), None, False),
        (errors.UniqueViolation("duplicate key"), False, False),
        (errors.DeadlockDetected("deadlock detected"), False, False),
        (ValueError("not a database error"), None, False),
    ],
)
def test_postgresql_connection_loss_is_told_from_refused_statements(
    error: Exception, closed: bool | None, unavailable: bool
) -> None:
    assert PostgresDialect().is_unavailable(error, connection_closed=closed) is unavailable


def test_sqlite_errors_are_never_connection_loss_and_a_locked_file_is_still_retried() -> None:
    dialect = SqliteDialect()
    locked = sqlite3.OperationalError("database is locked")
    missing = sqlite3.OperationalError("unable to open database file")
    assert dialect.is_retryable(locked)
    assert not dialect.is_unavailable(locked)
    assert not dialect.is_unavailable(missing, connection_closed=True)
    assert not dialect.is_retryable(missing)


def test_store_unavailable_is_an_officeflow_error_that_says_retry() -> None:
    error = StoreUnavailable()
    assert isinstance(error, OfficeflowError)
    assert error.retryable is True
    assert error.message.startswith("The database is unavailable")


@pytest.mark.parametrize(
    ("rand", "expected"),
    [
        (1.0, [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]),  # doubling, capped
        (0.0, [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]),  # the jitter takes at most half off
    ],
)
def test_backoff_doubles_to_its_cap_with_jitter_in_the_upper_half(rand: float, expected: list[float]) -> None:
    backoff = Backoff(0.05, 2.0, rand=lambda: rand)
    assert [round(backoff.next_delay(), 6) for _ in expected] == expected
    backoff.reset()
    assert backoff.next_delay() == pytest.approx(expected[0])


def test_a_backoff_needs_a_positive_start_below_its_cap() -> None:
    with pytest.raises(ValueError, match="0 < initial <= cap"):
        Backoff(0.0, 1.0)
    with pytest.raises(ValueError, match="0 < initial <= cap"):
        Backoff(3.0, 1.0)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends() -> None:
    ticks = Ticks()
    drained: list[float] = []
    availability = Availability(on_lost=lambda: drained.append(ticks.now), monotonic=ticks)
    with capture_logs() as logs:
        assert availability.lost(OSError("connection refused\nmore")) is True
        ticks.now += 1
        assert availability.lost(OSError("connection refused")) is False  # another loop, same outage
        assert availability.down
        ticks.now += 2
        availability.back()
        availability.back()  # every later success says nothing
        # A connection taken before the outage began fails only now that the database is back:
        # the outage already reported, not a new one.
        assert availability.lost(OSError("server closed the connection"), since=99.0) is False
        assert not availability.down
        assert availability.lost(OSError("terminating connection"), since=104.0) is True
    assert [(e["log_level"], e["event"]) for e in logs] == [
        ("warning", "database unavailable; retrying with backoff until it answers"),
        ("warning", "database available again"),
        ("warning", "database unavailable; retrying with backoff until it answers"),
    ]
    assert logs[0]["error"] == "connection refused"
    assert logs[1]["after_s"] == 3.0
    assert drained == [100.0, 103.0]
    assert availability.outages == 2


def waits(stop_after: int) -> tuple[list[float], Callable[[float], bool]]:
    """A wait that records its delays and asks to stop at the ``stop_after``-th."""
    seen: list[float] = []

    def wait(seconds: float) -> bool:
        seen.append(seconds)
        return len(seen) >= stop_after

    return seen, wait


def test_a_loop_waits_with_backoff_while_the_database_is_away_and_resumes_its_pace() -> None:
    outcomes: list[float | Exception] = [StoreUnavailable(), StoreUnavailable(), StoreUnavailable(), 5.0, 7.0]
    calls = 0

    def step() -> float:
        nonlocal calls
        calls += 1
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    seen, wait = waits(stop_after=5)
    with capture_logs() as logs:
        run_loop(step, wait=wait, name="sealing", backoff=Backoff(0.1, 1.0, rand=lambda: 1.0))
    assert seen == [0.1, 0.2, 0.4, 5.0, 7.0]
    assert calls == 5
    assert logs == []  # the store logs the outage, not each loop


def test_a_loop_logs_any_other_error_and_carries_on_after_a_pause() -> None:
    results: list[float | Exception] = [RuntimeError("a bug"), 3.0]

    def step() -> float:
        outcome = results.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    seen, wait = waits(stop_after=2)
    with capture_logs() as logs:
        run_loop(step, wait=wait, name="sending notifications", error_pause=9.0)
    assert seen == [9.0, 3.0]
    assert [e["event"] for e in logs] == ["sending notifications failed; trying again"]


def test_a_loop_stopped_while_the_database_is_away_returns() -> None:
    def step() -> float:
        raise StoreUnavailable()

    seen, wait = waits(stop_after=3)
    run_loop(step, wait=wait, name="x", backoff=Backoff(0.1, 0.1, rand=lambda: 1.0))
    assert seen == [0.1, 0.1, 0.1]


def test_retrying_gives_up_with_the_error_when_told_to_stop() -> None:
    def never() -> int:
        raise StoreUnavailable("still away")

    seen, wait = waits(stop_after=2)
    with pytest.raises(StoreUnavailable, match="still away"):
        retry_until_available(never, wait=wait)
    assert len(seen) == 2
    assert retry_until_available(lambda: 42, wait=wait) == 42

"""Durations, retry decisions, ids, settings and the public surface."""

from __future__ import annotations

import re
import uuid

import pytest

import officeflow
from officeflow.durations import format_duration, parse_duration
from officeflow.errors import ConfigurationError
from officeflow.ids import uuid7
from officeflow.retry import GiveUp, Retry, RetryPolicy
from officeflow.settings import load_settings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("10m", 600),
        ("1h30m", 5400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("PT10M", 600),
        ("P1DT2H", 93600),
        (45, 45),
        (1.5, 1.5),
        ("1w", 604800),
    ],
)
def test_durations_parse(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "", "10x", "-5", -1, True, "m10", None, "nan", "inf"])
def test_bad_durations_say_what_is_expected(bad: object) -> None:
    with pytest.raises(ValueError, match="30s, 10m, 1h30m"):
        parse_duration(bad)


def test_durations_format_back() -> None:
    assert format_duration(5400) == "1h30m"
    assert format_duration(0.25) == "250ms"


@pytest.mark.parametrize(
    ("policy", "attempt", "types", "retryable", "expected"),
    [
        (RetryPolicy(jitter=0), 1, ["E"], True, Retry(delay=1.0)),
        (RetryPolicy(jitter=0), 2, ["E"], True, Retry(delay=2.0)),
        (RetryPolicy(jitter=0), 3, ["E"], True, GiveUp(reason="attempts exhausted (3 of 3)")),
        (RetryPolicy(jitter=0, max_attempts=10, max_delay=5), 8, ["E"], True, Retry(delay=5.0)),
        (RetryPolicy(jitter=0, backoff="fixed", initial_delay=7, max_attempts=5), 4, ["E"], True, Retry(delay=7.0)),
        (RetryPolicy(jitter=0), 1, ["E"], False, GiveUp(reason="E is not retryable")),
        (
            RetryPolicy(jitter=0, non_retryable=("ValueError",)),
            1,
            ["ValueError", "Exception"],
            True,
            GiveUp(reason="ValueError is listed as non-retryable"),
        ),
        (
            RetryPolicy(jitter=0, non_retryable=("Exception",)),
            1,
            ["acme.Boom", "Exception"],
            True,
            GiveUp(reason="Exception is listed as non-retryable"),
        ),
        (RetryPolicy(max_attempts=1), 1, ["E"], True, GiveUp(reason="attempts exhausted (1 of 1)")),
    ],
)
def test_retry_decisions(
    policy: RetryPolicy, attempt: int, types: list[str], retryable: bool, expected: object
) -> None:
    assert policy.decide(attempt=attempt, error_types=types, retryable=retryable) == expected


def test_jitter_spreads_delays_within_bounds() -> None:
    policy = RetryPolicy(initial_delay=10, jitter=0.2)
    assert policy.delay(1, rand=0.0) == 8.0
    assert policy.delay(1, rand=1.0) == 12.0
    assert policy.delay(1, rand=0.5) == 10.0


def test_uuid7_is_time_ordered_and_versioned() -> None:
    ids = [uuid7() for _ in range(100)]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7 for i in ids)
    assert all(uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)


def test_settings_fail_loudly_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFICEFLOW_WORKER_CONCURRENCY", "lots")
    with pytest.raises(ConfigurationError, match="OFFICEFLOW_WORKER_CONCURRENCY='lots'"):
        load_settings()
    monkeypatch.setenv("OFFICEFLOW_WORKER_CONCURRENCY", "4")
    monkeypatch.setenv("OFFICEFLOW_WORKER_LEASE", "2m")
    settings = load_settings()
    assert (settings.worker_concurrency, settings.worker_lease) == (4, 120.0)


def test_the_public_surface_is_pinned() -> None:
    assert sorted(officeflow.__all__) == sorted(
        [
            "DEFAULT_TENANT",
            "ActivityConfig",
            "ActivityKind",
            "Applied",
            "Clock",
            "Conflict",
            "ControlKind",
            "DecisionInvalid",
            "DeadLetter",
            "Definition",
            "DefinitionInvalid",
            "DefinitionNotFound",
            "DefinitionVersionExists",
            "Engine",
            "ExpressionError",
            "FakeClock",
            "HistoryEvent",
            "IdempotencyConflict",
            "InputInvalid",
            "InvalidRunState",
            "Job",
            "JobStatus",
            "MigrationPlan",
            "MigrationRefused",
            "NonRetryableError",
            "NotAllowed",
            "NotFound",
            "Office",
            "OfficeflowError",
            "Positions",
            "TaskConflict",
            "TaskNotFound",
            "Problem",
            "RequestInvalid",
            "RetryPolicy",
            "Run",
            "RunNotFound",
            "RunStatus",
            "SchemaOutOfDate",
            "StepConfig",
            "StepContext",
            "StepError",
            "StepTimeout",
            "SystemClock",
            "Worker",
            "WorkerShutdown",
            "__version__",
            "handler",
            "load_definition",
            "open_store",
            "step_kind",
        ]
    )
    for name in officeflow.__all__:
        assert hasattr(officeflow, name)


def test_buffered_inserts_are_cut_into_a_few_statement_shapes() -> None:
    from officeflow.store.buffer import MULTI_ROW_MAX, multi_row_insert, row_chunks

    for count in range(1, 300):
        pieces = row_chunks(count)
        assert sum(size for _, size in pieces) == count
        assert [start for start, _ in pieces] == [sum(s for _, s in pieces[:i]) for i in range(len(pieces))]
        assert all(size & (size - 1) == 0 and size <= MULTI_ROW_MAX for _, size in pieces)
    assert multi_row_insert("t", ("a", "b"), 2) == "INSERT INTO t (a, b) VALUES (%s, %s), (%s, %s)"

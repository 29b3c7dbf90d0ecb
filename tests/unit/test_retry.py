"""The retry policy as a table: after which attempt, for which error, it retries (and how long it
waits) or gives up (and why)."""

from __future__ import annotations

import pytest

from officeflow.retry import DEFAULT_POLICY, Decision, GiveUp, Retry, RetryPolicy

EXACT = RetryPolicy(jitter=0)
"""The defaults without jitter: 3 attempts, 1 s doubling, at most 300 s."""


@pytest.mark.parametrize(
    ("policy", "attempt", "types", "retryable", "expected"),
    [
        # attempts: max_attempts counts the first run; the last one gives up
        (EXACT, 1, ["E"], True, Retry(delay=1.0)),
        (EXACT, 2, ["E"], True, Retry(delay=2.0)),
        (EXACT, 3, ["E"], True, GiveUp(reason="attempts exhausted (3 of 3)")),
        (EXACT, 7, ["E"], True, GiveUp(reason="attempts exhausted (7 of 3)")),
        (RetryPolicy(jitter=0, max_attempts=5), 4, ["E"], True, Retry(delay=8.0)),
        (RetryPolicy(jitter=0, max_attempts=5), 5, ["E"], True, GiveUp(reason="attempts exhausted (5 of 5)")),
        # backoff: multiplier, the cap, fixed
        (RetryPolicy(jitter=0, max_attempts=9, multiplier=3, initial_delay=0.5), 4, ["E"], True, Retry(delay=13.5)),
        (RetryPolicy(jitter=0, max_attempts=30, max_delay=60), 20, ["E"], True, Retry(delay=60.0)),
        (RetryPolicy(jitter=0, max_attempts=9, backoff="fixed", initial_delay=2), 8, ["E"], True, Retry(delay=2.0)),
        (RetryPolicy(jitter=0, initial_delay=0), 1, ["E"], True, Retry(delay=0.0)),
        # errors that are never retried: flagged by the error, or listed by the step
        (EXACT, 1, ["acme.Boom", "Exception"], False, GiveUp(reason="acme.Boom is not retryable")),
        (EXACT, 1, [], False, GiveUp(reason="error is not retryable")),
        (EXACT, 3, ["E"], False, GiveUp(reason="E is not retryable")),
        (
            RetryPolicy(jitter=0, non_retryable=("Boom",)),
            1,
            ["acme.errors.Boom", "Exception"],
            True,
            GiveUp(reason="acme.errors.Boom is listed as non-retryable"),
        ),
        (
            RetryPolicy(jitter=0, non_retryable=("acme.errors.Boom",)),
            1,
            ["acme.errors.Boom"],
            True,
            GiveUp(reason="acme.errors.Boom is listed as non-retryable"),
        ),
        (RetryPolicy(jitter=0, non_retryable=("other.Boom",)), 1, ["acme.errors.Boom"], True, Retry(delay=1.0)),
        (RetryPolicy(jitter=0, non_retryable=("Boo",)), 1, ["acme.errors.Boom"], True, Retry(delay=1.0)),
        (
            RetryPolicy(jitter=0, non_retryable=("LookupError",)),
            1,
            ["KeyError", "LookupError", "Exception"],
            True,
            GiveUp(reason="LookupError is listed as non-retryable"),
        ),
    ],
)
def test_the_policy_decides_after_each_failed_attempt(
    policy: RetryPolicy, attempt: int, types: list[str], retryable: bool, expected: Decision
) -> None:
    assert policy.decide(attempt=attempt, error_types=types, retryable=retryable) == expected


@pytest.mark.parametrize(
    ("rand", "delay"),
    [(0.0, 8.0), (0.25, 9.0), (0.5, 10.0), (1.0, 12.0)],
)
def test_jitter_spreads_the_delay_by_its_fraction_either_way(rand: float, delay: float) -> None:
    policy = RetryPolicy(initial_delay=10, jitter=0.2)
    assert policy.delay(1, rand=rand) == pytest.approx(delay)
    decision = policy.decide(attempt=1, error_types=["E"], rand=rand)
    assert isinstance(decision, Retry)
    assert decision.delay == pytest.approx(delay)


def test_jitter_never_pushes_a_delay_past_the_cap() -> None:
    policy = RetryPolicy(initial_delay=100, max_delay=100, jitter=0.5)
    assert policy.delay(1, rand=1.0) == 100.0
    assert policy.delay(1, rand=0.0) == 50.0


def test_without_a_given_draw_the_delay_stays_within_the_jitter() -> None:
    policy = RetryPolicy(initial_delay=4, jitter=0.25)
    delays = {policy.delay(1) for _ in range(200)}
    assert all(3.0 <= d <= 5.0 for d in delays)
    assert len(delays) > 100  # spread, not one value


def test_the_default_policy_tries_three_times_a_second_apart_doubling() -> None:
    assert (DEFAULT_POLICY.max_attempts, DEFAULT_POLICY.initial_delay, DEFAULT_POLICY.multiplier) == (3, 1.0, 2.0)
    assert DEFAULT_POLICY.delay(2, rand=0.5) == 2.0

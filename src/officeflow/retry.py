"""Retry policy: a pure object that, given an attempt and an error, decides what happens next."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Retry:
    """Run the step again after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, kw_only=True)
class GiveUp:
    """Do not run the step again; ``reason`` says why."""

    reason: str


Decision = Retry | GiveUp


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """When and how often a failed step runs again.

    ``max_attempts`` counts every run of the step, the first one included: 1 means never retry.
    The n-th retry waits ``initial_delay * multiplier**(n-1)`` seconds (``fixed`` backoff: always
    ``initial_delay``), capped at ``max_delay``, then spread by +/- ``jitter`` (a fraction) so that
    many failing steps do not retry in lockstep.
    """

    max_attempts: int = 3
    initial_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.2
    backoff: str = "exponential"
    non_retryable: tuple[str, ...] = ()

    def decide(
        self,
        *,
        attempt: int,
        error_types: Sequence[str],
        retryable: bool = True,
        rand: float | None = None,
    ) -> Decision:
        """Decide after ``attempt`` (1-based) failed with an error whose class and bases are
        ``error_types`` (qualified or bare names, most specific first)."""
        if not retryable:
            return GiveUp(reason=f"{error_types[0] if error_types else 'error'} is not retryable")
        blocked = self._blocked(error_types)
        if blocked:
            return GiveUp(reason=f"{blocked} is listed as non-retryable")
        if attempt >= self.max_attempts:
            return GiveUp(reason=f"attempts exhausted ({attempt} of {self.max_attempts})")
        return Retry(delay=self.delay(attempt, rand))

    def delay(self, attempt: int, rand: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based)."""
        if self.backoff == "fixed":
            base = self.initial_delay
        else:
            base = self.initial_delay * self.multiplier ** (attempt - 1)
        base = min(base, self.max_delay)
        if self.jitter:
            r = random.random() if rand is None else rand
            base *= 1 + self.jitter * (2 * r - 1)
        return max(0.0, min(base, self.max_delay))

    def _blocked(self, error_types: Sequence[str]) -> str | None:
        names = set(self.non_retryable)
        for qualified in error_types:
            if qualified in names or qualified.rsplit(".", 1)[-1] in names:
                return qualified
        return None


DEFAULT_POLICY = RetryPolicy()

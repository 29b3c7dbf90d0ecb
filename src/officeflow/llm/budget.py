"""Token budgets per tenant: a call reserves what it may spend, then settles what it spent.

:class:`TokenBudget` is the interface the client uses; :class:`InMemoryTokenBudget` keeps the
counts in the process (one worker, tests, the benchmark). A store-backed budget shared by all
workers implements the same two methods.

A call reserves its completion limit (``max_tokens``) before it is sent and is refused when the
tenant's period cannot cover that; once answered it settles the tokens the endpoint reports
(prompt and completion). The prompt is not known in tokens before the call, so a tenant can end a
period over its limit by at most one call's prompt; it cannot start a call it cannot finish.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from officeflow.clock import Clock, SystemClock
from officeflow.llm.errors import TokenBudgetExceeded

Period = float | Literal["month"]
"""A budget window: seconds (windows aligned on the epoch, so a day is a UTC day), or a calendar month (UTC)."""


def window_start(now: float, period: Period) -> float:
    """The start (epoch seconds) of the budget window ``now`` falls in."""
    if period == "month":
        moment = datetime.fromtimestamp(now, UTC)
        return datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp()
    return (now // period) * period


@dataclass(frozen=True, kw_only=True)
class Reservation:
    """Tokens held for one call until it settles."""

    tenant: str
    tokens: int
    period: float
    """Which budget window the tokens were held in (its start, epoch seconds)."""


class TokenBudget(Protocol):
    """Per-tenant token accounting (see the module docstring)."""

    async def reserve(self, tenant: str, tokens: int) -> Reservation:
        """Hold ``tokens`` for a call, or raise :class:`TokenBudgetExceeded`."""
        ...

    async def settle(self, reservation: Reservation, used: int) -> None:
        """Release the hold and count the ``used`` tokens."""
        ...


@dataclass
class _Account:
    period: float
    used: int = 0
    held: int = 0


class InMemoryTokenBudget:
    """Limits per tenant and per period (default a UTC day), counted in this process."""

    def __init__(
        self,
        *,
        limits: Mapping[str, int] | None = None,
        default_limit: int | None = None,
        period: Period = 86_400.0,
        clock: Clock | None = None,
    ) -> None:
        """``limits`` by tenant; tenants not listed get ``default_limit`` (None: unlimited)."""
        if period != "month" and period <= 0:
            raise ValueError("period must be positive")
        self._limits = dict(limits or {})
        self._default = default_limit
        self._period = period
        self._clock = clock or SystemClock()
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()

    def limit(self, tenant: str) -> int | None:
        return self._limits.get(tenant, self._default)

    def used(self, tenant: str) -> int:
        """Tokens counted for ``tenant`` in the current period."""
        with self._lock:
            return self._account(tenant).used

    def remaining(self, tenant: str) -> int | None:
        """Tokens ``tenant`` may still reserve this period (None: unlimited)."""
        limit = self.limit(tenant)
        if limit is None:
            return None
        with self._lock:
            account = self._account(tenant)
            return max(0, limit - account.used - account.held)

    async def reserve(self, tenant: str, tokens: int) -> Reservation:
        limit = self.limit(tenant)
        with self._lock:
            account = self._account(tenant)
            if limit is not None:
                remaining = max(0, limit - account.used - account.held)
                if tokens > remaining:
                    raise TokenBudgetExceeded(scope=f"tenant '{tenant}'", needed=tokens, remaining=remaining)
            account.held += tokens
            return Reservation(tenant=tenant, tokens=tokens, period=account.period)

    async def settle(self, reservation: Reservation, used: int) -> None:
        with self._lock:
            account = self._account(reservation.tenant)
            if account.period == reservation.period:
                account.held = max(0, account.held - reservation.tokens)
            account.used += max(0, used)

    def _account(self, tenant: str) -> _Account:
        period = window_start(self._clock.now(), self._period)
        account = self._accounts.get(tenant)
        if account is None or account.period != period:
            account = self._accounts[tenant] = _Account(period=period)
        return account

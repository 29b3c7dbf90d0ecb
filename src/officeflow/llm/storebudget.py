"""The tenants' token budget kept in the database, shared by every worker of the office.

:class:`StoreTokenBudget` implements :class:`officeflow.llm.budget.TokenBudget` over the store's
``of_llm_usage`` rows (one per tenant and budget window) and ``of_llm_budgets`` (a tenant's own
limit, when it differs from the setting ``OFFICEFLOW_LLM_TENANT_TOKENS``). A reservation is one
short transaction whose ``UPDATE`` carries the limit in its ``WHERE``: two workers cannot both
pass a limit that covers one of them. Settling is a second transaction after the call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from officeflow.clock import Clock, SystemClock
from officeflow.llm.budget import Period, Reservation, window_start
from officeflow.llm.errors import TokenBudgetExceeded
from officeflow.store.base import Store


@dataclass(frozen=True, kw_only=True)
class BudgetState:
    """A tenant's budget in the current window."""

    tenant: str
    window_start: float
    limit: int | None
    """None: unlimited."""
    own_limit: bool
    """True when the tenant has a limit of its own (else the setting's)."""
    used: int
    held: int
    calls: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used - self.held)


class StoreTokenBudget:
    """Per-tenant limits per window (see the module docstring)."""

    def __init__(
        self, store: Store, *, default_limit: int | None, period: Period = 86_400.0, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.default_limit = default_limit
        self.period = period
        self.clock = clock or SystemClock()

    def limit(self, tenant: str) -> tuple[bool, int | None]:
        with self.store.read() as tx:
            own, tokens = tx.llm_budget(tenant)
        return own, tokens if own else self.default_limit

    def state(self, tenant: str) -> BudgetState:
        now = self.clock.now()
        start = window_start(now, self.period)
        with self.store.read() as tx:
            own, tokens = tx.llm_budget(tenant)
            usage = tx.llm_usage(tenant, start)
        return BudgetState(
            tenant=tenant,
            window_start=start,
            limit=tokens if own else self.default_limit,
            own_limit=own,
            used=usage.used if usage else 0,
            held=usage.held if usage else 0,
            calls=usage.calls if usage else 0,
        )

    def reserve_now(self, tenant: str, tokens: int) -> Reservation:
        now = self.clock.now()
        start = window_start(now, self.period)
        with self.store.transaction() as tx:
            own, own_tokens = tx.llm_budget(tenant)
            limit = own_tokens if own else self.default_limit
            if tx.llm_reserve(tenant, start, tokens, limit, now):
                return Reservation(tenant=tenant, tokens=tokens, period=start)
            usage = tx.llm_usage(tenant, start)
        remaining = 0 if limit is None or usage is None else max(0, limit - usage.used - usage.held)
        raise TokenBudgetExceeded(
            f"tenant '{tenant}' token budget exhausted: the call needs up to {tokens} tokens, {remaining} of "
            f"{limit} remain in the window that began {_when(start)} (OFFICEFLOW_LLM_TENANT_TOKENS, "
            "OFFICEFLOW_LLM_TOKEN_PERIOD); no call was made",
            scope=f"tenant '{tenant}'",
            needed=tokens,
            remaining=remaining,
        )

    def settle_now(self, reservation: Reservation, used: int) -> None:
        with self.store.transaction() as tx:
            tx.llm_settle(reservation.tenant, reservation.period, reservation.tokens, used, self.clock.now())

    async def reserve(self, tenant: str, tokens: int) -> Reservation:
        return await asyncio.to_thread(self.reserve_now, tenant, tokens)

    async def settle(self, reservation: Reservation, used: int) -> None:
        await asyncio.to_thread(self.settle_now, reservation, used)


def _when(start: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d %H:%M UTC")

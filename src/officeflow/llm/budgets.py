"""Administering the tenants' token budgets (``office.llm_budgets``): what a tenant may spend in
the current window and what it has spent, and a limit of its own instead of the setting's.

A tenant's limit is its own (``of_llm_budgets``) or, without one, the setting
``OFFICEFLOW_LLM_TENANT_TOKENS`` (unset: unlimited), per window of ``OFFICEFLOW_LLM_TOKEN_PERIOD``.
:meth:`LlmBudgets.set` gives a tenant a limit of its own, or (``None``) sends it back to the
setting's; each change is one transaction with its audit entry (``llm.budget.set`` or
``llm.budget.reset``, before and after). Setting what is already in force changes nothing and
writes no entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from officeflow.durations import format_duration
from officeflow.errors import Problem, RequestInvalid
from officeflow.llm.budget import Period
from officeflow.llm.storebudget import StoreTokenBudget
from officeflow.security import audit
from officeflow.security.keys import Keyring
from officeflow.store.tx import Tx

MAX_TOKENS = 2**53 - 1
"""The largest limit: the largest integer a JSON number carries exactly."""
Source = Literal["tenant", "default"]
TENANT: Source = "tenant"
DEFAULT: Source = "default"


@dataclass(frozen=True, kw_only=True)
class BudgetView:
    """A tenant's budget and its use in the current window."""

    tenant: str
    tokens: int | None
    """The limit in force per window; None: unlimited."""
    source: Source
    """``tenant``: the tenant's own limit; ``default``: the setting's."""
    default_tokens: int | None
    """The setting's limit (OFFICEFLOW_LLM_TENANT_TOKENS); None: unlimited."""
    period: str
    """The window (OFFICEFLOW_LLM_TOKEN_PERIOD): a duration such as ``1d``, or ``month``."""
    window_start: float
    window_end: float
    used: int
    """Tokens the calls of this window used (prompt and completion, as the endpoint reported)."""
    reserved: int
    """Tokens held by calls under way."""
    calls: int
    updated_at: float | None
    """When the tenant's own limit was set (None: it has none)."""
    updated_by: str | None

    @property
    def remaining(self) -> int | None:
        return None if self.tokens is None else max(0, self.tokens - self.used - self.reserved)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "tokens": self.tokens,
            "source": self.source,
            "default_tokens": self.default_tokens,
            "period": self.period,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "used": self.used,
            "reserved": self.reserved,
            "remaining": self.remaining,
            "calls": self.calls,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


def window_end(start: float, period: Period) -> float:
    """Where the window that began at ``start`` ends (the next one begins)."""
    if period == "month":
        moment = datetime.fromtimestamp(start, UTC)
        year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
        return datetime(year, month, 1, tzinfo=UTC).timestamp()
    return start + period


def period_text(period: Period) -> str:
    return "month" if period == "month" else format_duration(period)


def checked_tokens(tokens: object) -> int | None:
    """``tokens`` when it is a limit (a whole number from 1 to MAX_TOKENS) or None; else RequestInvalid."""
    if tokens is None:
        return None
    if isinstance(tokens, bool) or not isinstance(tokens, int) or not 1 <= tokens <= MAX_TOKENS:
        raise RequestInvalid(
            [
                Problem(
                    pointer="/tokens",
                    message=f"{tokens!r} is not a token limit",
                    expected=f"a whole number from 1 to {MAX_TOKENS}, or null for the setting's limit",
                )
            ],
            "the token limit is not valid",
        )
    return tokens


class LlmBudgets:
    """Read and change the tenants' token budgets (see the module docstring)."""

    def __init__(self, budget: StoreTokenBudget, keyring: Keyring) -> None:
        self.budget = budget
        self.keyring = keyring

    def show(self, tenant: str) -> BudgetView:
        """The tenant's limit, where it comes from, and the current window's use."""
        state = self.budget.state(tenant)
        with self.budget.store.read() as tx:
            own = tx.llm_budget_row(tenant)
        return BudgetView(
            tenant=tenant,
            tokens=state.limit,
            source=TENANT if state.own_limit else DEFAULT,
            default_tokens=self.budget.default_limit,
            period=period_text(self.budget.period),
            window_start=state.window_start,
            window_end=window_end(state.window_start, self.budget.period),
            used=state.used,
            reserved=state.held,
            calls=state.calls,
            updated_at=own.updated_at if own else None,
            updated_by=own.updated_by if own else None,
        )

    def set(self, tenant: str, tokens: int | None, *, actor: str) -> BudgetView:
        """Give ``tenant`` a limit of its own (tokens per window), or with None send it back to
        the setting's; audited. RequestInvalid for a limit that is not a whole number >= 1."""
        tokens = checked_tokens(tokens)
        now = self.budget.clock.now()
        with self.budget.store.transaction() as tx:
            own = tx.llm_budget_row(tenant)
            before = self._entry(own.tokens if own else self.budget.default_limit, own is not None)
            if tokens is None:
                if own is not None:
                    tx.clear_llm_budget(tenant)
                    self._audit(tx, tenant, actor, now, "llm.budget.reset", before, self._entry(None, False))
            elif own is None or own.tokens != tokens:
                tx.set_llm_budget(tenant, tokens, now, actor)
                self._audit(tx, tenant, actor, now, "llm.budget.set", before, self._entry(tokens, True))
        return self.show(tenant)

    def _entry(self, tokens: int | None, own: bool) -> dict[str, Any]:
        if not own:
            tokens = self.budget.default_limit
        return {"tokens": tokens, "source": TENANT if own else DEFAULT}

    def _audit(self, tx: Tx, tenant: str, actor: str, now: float, action: str, before: Any, after: Any) -> None:
        audit.record(
            tx,
            self.keyring,
            tenant=tenant,
            at=now,
            actor=actor,
            action=action,
            object_type="llm_budget",
            object_id=tenant,
            before=before,
            after=after,
        )

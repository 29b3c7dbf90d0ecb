"""/v1/llm/budget: the caller's tenant's token budget for llm steps.

Reading needs ``llm.read`` (admins, auditors); changing it ``llm.write`` (admins). A change is
audited (``llm.budget.set``, ``llm.budget.reset``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas_ai import BudgetIn, BudgetOut

router = APIRouter(prefix="/v1/llm", tags=["llm"])


@router.get("/budget", response_model=BudgetOut, **guarded("llm.read"))
def get_budget(request: Request) -> BudgetOut:
    """The tenant's token limit per window (its own, or the setting's), and what the current window
    used and holds for calls under way."""
    return BudgetOut.of(office(request).llm_budgets.show(principal_of(request).tenant))


@router.put("/budget", response_model=BudgetOut, **guarded("llm.write"))
def put_budget(request: Request, body: BudgetIn) -> BudgetOut:
    """Give the tenant a token limit of its own (``{"tokens": N}``), or send it back to the
    setting's (``{"tokens": null}``); audited. The budget as it now is."""
    principal = principal_of(request)
    return BudgetOut.of(office(request).llm_budgets.set(principal.tenant, body.tokens, actor=principal.actor))

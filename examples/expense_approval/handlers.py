"""Step handlers of the expense-approval example."""

from __future__ import annotations

import hashlib
from typing import Any

from officeflow import NonRetryableError, StepContext, handler

AUTO_APPROVE = {"travel": 100.0, "meals": 50.0, "equipment": 0.0, "other": 25.0}
ACCOUNTS = {"travel": "6250", "meals": "6256", "equipment": "6063", "other": "6238"}
CEILING = {"travel": 5000.0, "meals": 300.0, "equipment": 3000.0, "other": 1000.0}


@handler("expenses.check_policy")
def check_policy(claim: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Verdict: auto (post at once), review (a manager decides) or reject, with the reason."""
    amount, category = float(claim["amount"]), claim["category"]
    if amount > CEILING[category]:
        return {"verdict": "reject", "reason": f"{category} claims are capped at {CEILING[category]:.2f}"}
    if amount <= AUTO_APPROVE[category]:
        return {"verdict": "auto", "reason": f"{category} up to {AUTO_APPROVE[category]:.2f} needs no approval"}
    return {"verdict": "review", "reason": f"{category} above {AUTO_APPROVE[category]:.2f} needs the manager"}


@handler("expenses.escalate")
def escalate(claim: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    return {"escalated_to": "finance-lead", "reason": "no decision within 48 hours"}


@handler("ledger.post_expense")
def post_expense(entry: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Post to the ledger. The entry number derives from the idempotency key, so a retry after a
    crash posts the same entry again, not a second one (a real ledger would take the key)."""
    if entry["amount"] <= 0:
        raise NonRetryableError("a ledger entry needs a positive amount")
    number = hashlib.sha256(ctx.idempotency_key.encode()).hexdigest()[:10]
    return {
        "ledger_entry": f"LE-{number}",
        "amount": entry["amount"],
        "account": ACCOUNTS[entry["category"]],
    }


@handler("notify.employee")
def notify_employee(message: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    ctx.log.info("employee notified", employee=message["employee_id"], text=message["message"])
    return {"sent_to": message["employee_id"], "text": message["message"]}

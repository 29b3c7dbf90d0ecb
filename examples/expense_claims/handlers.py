"""Step handlers of the expense-claim example."""

from __future__ import annotations

import hashlib
from typing import Any

from officeflow import NonRetryableError, StepContext, handler

AUTO_APPROVE = {"travel": 100.0, "meals": 50.0, "equipment": 0.0, "other": 25.0}
CEILING = {"travel": 8000.0, "meals": 400.0, "equipment": 5000.0, "other": 1500.0}
ACCOUNTS = {"travel": "6250", "meals": "6256", "equipment": "6063", "other": "6238"}
COST_CENTRES = {"travel": "CC-SALES", "meals": "CC-SALES", "equipment": "CC-IT", "other": ""}


@handler("claims.check_policy")
def check_policy(claim: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Verdict (auto, review, reject), the reason, the category's cost centre, and what a reviewer
    should know (shown in the task's explanation panel). The cost centre is looked up by category:
    no model computed it, so the explanation gives it without a confidence."""
    amount, category = float(claim["amount"]), claim["category"]
    flags = []
    if not claim.get("receipt"):
        flags.append({"code": "NO_RECEIPT", "reason": "no receipt attached"})
    if amount >= 1000:
        flags.append({"code": "HIGH_AMOUNT", "reason": "1,000 EUR or more: finance checks it too"})
    if category == "other":
        flags.append({"code": "VAGUE", "reason": "category 'other' is checked by hand"})
    explanation = {
        "policy": {
            "limit_without_review": AUTO_APPROVE[category],
            "ceiling": CEILING[category],
            "share_of_ceiling": round(amount / CEILING[category], 2),
        },
        "flags": flags or [{"code": "OK", "reason": "nothing unusual"}],
        "cost_centre_of_category": COST_CENTRES[category] or None,
    }
    base = {"cost_centre": COST_CENTRES[category], "explanation": explanation}
    if amount > CEILING[category]:
        return {**base, "verdict": "reject", "reason": f"{category} claims are capped at {CEILING[category]:.2f} EUR"}
    if amount <= AUTO_APPROVE[category] and claim.get("receipt"):
        return {
            **base,
            "verdict": "auto",
            "reason": f"{category} up to {AUTO_APPROVE[category]:.2f} EUR is paid at once",
        }
    return {**base, "verdict": "review", "reason": "a manager reviews this claim"}


@handler("claims.post")
def post(entry: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Post to the ledger; the entry number derives from the idempotency key, so a retry posts
    the same entry again, never a second one."""
    if float(entry["amount"]) <= 0:
        raise NonRetryableError("a ledger entry needs a positive amount")
    number = hashlib.sha256(ctx.idempotency_key.encode()).hexdigest()[:10]
    return {"ledger_entry": f"LE-{number}", "amount": entry["amount"], "account": ACCOUNTS[entry["category"]]}


@handler("claims.notify")
def notify(message: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    ctx.log.info("employee notified", run=ctx.run_id, text=message["message"])
    return {"text": message["message"]}

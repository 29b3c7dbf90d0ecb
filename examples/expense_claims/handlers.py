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
def check_policy(data: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Verdict (auto, review, reject), the reason, the category's cost centre, what a reviewer
    should know (shown in the task's explanation panel) and the review form's values.

    ``data`` is the claim and, when a receipt is attached, what the document step read from it.
    A claim is paid at once only when its receipt was read clearly and says what the claim says.
    The receipt's fields are shown with the confidences the extraction computed; the cost centre
    is looked up by category (no model computed it), so it is shown without one."""
    claim, receipt = data["claim"], data.get("receipt") or {}
    amount, category = float(claim["amount"]), claim["category"]
    read = receipt.get("values") or {}
    flags = []
    if not claim.get("receipt"):
        flags.append({"code": "NO_RECEIPT", "reason": "no receipt attached"})
    else:
        for doubt in (receipt.get("review") or {}).get("fields") or ():
            flags.append({"code": "RECEIPT_UNCLEAR", "reason": f"receipt {doubt['field']}: {doubt['why']}"})
        total = read.get("total")
        if total is not None and abs(float(total) - amount) > 0.005:
            flags.append(
                {"code": "AMOUNT_MISMATCH", "reason": f"the receipt says {float(total):.2f}, the claim {amount:.2f}"}
            )
        if read.get("currency") not in (None, "EUR"):
            flags.append({"code": "FOREIGN_CURRENCY", "reason": f"the receipt is in {read['currency']}"})
    if amount >= 1000:
        flags.append({"code": "HIGH_AMOUNT", "reason": "1,000 EUR or more: finance checks it too"})
    if category == "other":
        flags.append({"code": "VAGUE", "reason": "category 'other' is checked by hand"})
    explanation: dict[str, Any] = {
        "policy": {
            "limit_without_review": AUTO_APPROVE[category],
            "ceiling": CEILING[category],
            "share_of_ceiling": round(amount / CEILING[category], 2),
        },
        "flags": flags or [{"code": "OK", "reason": "nothing unusual"}],
        "cost_centre_of_category": COST_CENTRES[category] or None,
    }
    if receipt:
        fields = receipt.get("fields") or {}
        explanation["receipt"] = {
            name: {"value": found["value"], "confidence": found["confidence"]} if found else None
            for name, found in ((n, fields.get(n)) for n in ("vendor", "date", "total", "currency"))
        }
        explanation["receipt_checks"] = [{"reason": c["reason"]} for c in receipt.get("checks") or ()]
    form = {
        "amount": amount,
        "category": category,
        "cost_centre": COST_CENTRES[category],
        "merchant": read.get("vendor"),
        "receipt_date": read.get("date"),
        "receipt_total": read.get("total"),
    }
    base = {
        "cost_centre": COST_CENTRES[category],
        "explanation": explanation,
        "form": {k: v for k, v in form.items() if v is not None},
    }
    if amount > CEILING[category]:
        return {**base, "verdict": "reject", "reason": f"{category} claims are capped at {CEILING[category]:.2f} EUR"}
    clear = bool(claim.get("receipt")) and not any(
        f["code"] in ("RECEIPT_UNCLEAR", "AMOUNT_MISMATCH", "FOREIGN_CURRENCY") for f in flags
    )
    if amount <= AUTO_APPROVE[category] and clear:
        return {
            **base,
            "verdict": "auto",
            "reason": f"{category} up to {AUTO_APPROVE[category]:.2f} EUR with a matching receipt is paid at once",
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

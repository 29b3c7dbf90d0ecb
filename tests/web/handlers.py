"""Step handlers of the console tests' workflows."""

from __future__ import annotations

from typing import Any

from officeflow import StepContext, handler

HEALED: set[str] = set()
"""Runs whose 'ship' step works again (an operator fixed the cause)."""


@handler("web.check")
def check(order: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    return {"amount": order.get("amount", 0), "customer": order.get("customer", "c-1"), "ok": True}


@handler("web.ship")
def ship(order: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    if order.get("break") and ctx.run_id not in HEALED:
        raise ConnectionError("carrier API refused the parcel: 503 Service Unavailable")
    return {"tracking": f"TRK-{ctx.run_id[-6:]}"}


@handler("web.notify")
def notify(data: Any, ctx: StepContext) -> dict[str, Any]:
    return {"sent": True, "step": ctx.step_id}

"""Screenshots of the console's main pages for docs/screenshots/ (``make screenshots``: runs with
OFFICEFLOW_SCREENSHOTS=1). Each page is taken at a laptop and a phone width, from a tenant of its
own with a few realistic runs, and checked for what a reader must see on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from officeflow.clock import FakeClock

from .conftest import PASSWORD, SHOTS_DIR, Console
from .definitions import LOANS, ONBOARDING, ORDERS_V1

pytestmark = pytest.mark.screenshots  # deselected unless OFFICEFLOW_SCREENSHOTS=1 (make screenshots)
TENANT = "northwind"
EXPENSE = (Path(__file__).resolve().parents[2] / "examples" / "expense_approval" / "definition.yaml").read_text()
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def seed(console: Console) -> dict[str, str]:
    """A morning's work in tenant northwind; returns the ids of the runs the pictures show."""
    engine, clock = console.engine, console.clock
    office = console.office
    assert isinstance(clock, FakeClock)
    clock.set(1_767_945_600.0)  # 2026-01-09 08:00 UTC
    for source in (EXPENSE, ORDERS_V1, ONBOARDING, LOANS):
        engine.apply(source, tenant=TENANT, actor="user:olivia")
    office.accounts.create_user(
        TENANT, "olivia", password=PASSWORD, display_name="Olivia Park", grants=["admin"], actor="system"
    )
    ids: dict[str, str] = {}

    def start(key: str, workflow: str, data: dict[str, Any], minutes: float = 7) -> None:
        clock.advance(minutes * 60)
        ids[key] = engine.start(workflow, data, tenant=TENANT, actor="api_key:intake-portal").id
        clock.advance(2)
        engine.run_until_idle()

    start("auto", "expense-approval", {"employee_id": "e-104", "amount": 42.5, "category": "meals", "currency": "EUR"})
    start("review", "expense-approval", {"employee_id": "e-311", "amount": 860.0, "category": "travel"})
    start("rejected", "expense-approval", {"employee_id": "e-208", "amount": 9400.0, "category": "equipment"})
    start("order", "web-orders", {"amount": 64, "customer": "c-889"})
    start("failed", "web-orders", {"amount": 18, "customer": "c-120", "break": True})
    start("onboarding", "web-onboarding", {"name": "Grace Hopper"})
    start("loan", "web-loans", {"applicant": "Ada L.", "amount": 25_000})
    start("approved", "expense-approval", {"employee_id": "e-412", "amount": 310.0, "category": "travel"})
    clock.advance(25 * 60)
    engine.signal(ids["approved"], "approval", {"approved": True, "by": "m.jones"}, tenant=TENANT, actor="user:m.jones")
    engine.run_until_idle()
    start("paused", "web-loans", {"applicant": "Linus T.", "amount": 8_000})
    engine.pause(ids["paused"], tenant=TENANT, actor="user:olivia")
    start("cancelled", "web-orders", {"amount": 400, "customer": "c-777"})
    engine.cancel(ids["cancelled"], reason="customer cancelled the order", tenant=TENANT, actor="user:olivia")
    clock.advance(3 * 60)
    engine.audit.seal(TENANT)
    return ids


@pytest.mark.backends("sqlite")  # pictures are taken once
def test_screenshots(console: Console, browser: Any) -> None:
    ids = seed(console)
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    session = console.office.accounts.login(TENANT, "olivia", PASSWORD)
    pages = [
        ("runs", "/runs", "tbody tr"),
        ("run", f"/runs/{ids['review']}", "svg.wf-graph g.node.is-current"),
        ("run-failed", f"/runs/{ids['failed']}", "svg.wf-graph g.node.is-failed"),
        ("definition", "/definitions/expense-approval/1", "pre.source"),
        ("dead-letters", "/dead-letters", "tbody tr"),
        ("audit", "/audit", "#verify-result.alert-ok"),
    ]
    for size, viewport in SIZES.items():
        context = browser.new_context(base_url=console.url, viewport=viewport, timezone_id="UTC", locale="en-GB")
        try:
            page = context.new_page()
            page.goto("/login")
            page.fill("#username", "olivia")
            page.screenshot(path=SHOTS_DIR / f"login-{size}.png")
            context.add_cookies([{"name": "officeflow_session", "value": session.token, "url": console.url}])
            for name, path, must in pages:
                if size == "phone" and name == "run-failed":
                    continue
                page.goto(path)
                if name == "audit":
                    page.click("text=Verify chain")
                assert page.locator(must).count() >= 1, name
                page.screenshot(path=SHOTS_DIR / f"{name}-{size}.png", full_page=True)
        finally:
            context.close()

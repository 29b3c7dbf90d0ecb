"""Accessibility of every main page, checked by axe-core (the engine behind Lighthouse's and
Deque's checks; its script ships inside the ``axe-playwright-python`` wheel) in headless Chromium,
at a laptop and a phone width and in the dark theme: WCAG 2.1 A and AA rules (labels, names, contrast, landmarks,
headings, ARIA). Any violation fails the test with the rule, its impact and the elements."""

from __future__ import annotations

import importlib.resources
from typing import Any

import pytest

from officeflow.learning.drift import DriftMonitor, DriftSettings
from officeflow.models import Thresholds
from tests.integration.learning_support import credit_inputs, credit_risk, record_predictions
from tests.integration.test_decision_tables import per_diem

from .conftest import PASSWORD, Console
from .definitions import LOANS, ONBOARDING, ORDERS_V1
from .test_inbox import CLAIM

TENANT = "a11y"
VIEWS = {
    # name: (viewport, colour scheme)
    "desktop": ({"width": 1280, "height": 800}, "light"),
    "phone": ({"width": 390, "height": 844}, "light"),
    "desktop dark": ({"width": 1280, "height": 800}, "dark"),
}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def seed(console: Console) -> dict[str, str]:
    """A tenant of its own: a claim waiting in a manager's inbox, an order waiting for approval,
    a failed order (a dead letter), an onboarding under way."""
    engine = console.engine
    office = console.office
    for source in (CLAIM, ORDERS_V1, ONBOARDING, LOANS):
        engine.apply(source, tenant=TENANT, actor="user:alma")
    office.accounts.create_user(
        TENANT, "alma", password=PASSWORD, display_name="Alma Berg", grants=["admin"], actor="system"
    )
    office.accounts.create_user(TENANT, "rhea", password=PASSWORD, grants=["submitter"], actor="system")
    office.directory.put_person(TENANT, "alma", actor="system", display_name="Alma Berg")
    office.directory.put_person(TENANT, "rhea", actor="system", manager="alma")
    claim = engine.start("web-claim", {"amount": 84.5, "purpose": "Team lunch"}, tenant=TENANT, actor="user:rhea")
    order = engine.start("web-orders", {"amount": 640, "customer": "c-9"}, tenant=TENANT, actor="api_key:shop")
    failed = engine.start(
        "web-orders", {"amount": 18, "customer": "c-1", "break": True}, tenant=TENANT, actor="api_key:shop"
    )
    engine.start("web-onboarding", {"name": "Grace"}, tenant=TENANT, actor="user:alma")
    console.drive()
    console.drive()
    (task,) = office.tasks.of_run(TENANT, claim.id)
    office.models.ensure_builtin(TENANT, "credit-risk")  # the models page with drift charts
    record_predictions(office, credit_risk(), credit_inputs()[:40], at=console.clock.now(), tenant=TENANT)
    DriftMonitor(engine, office.events, DriftSettings(thresholds=Thresholds(min_rows=10))).check(TENANT)
    engine.audit.seal(TENANT)
    return {"task": task.id, "claim": claim.id, "order": order.id, "failed": failed.id}


def violations(page: Any, source: str) -> list[str]:
    page.evaluate(source)
    found = page.evaluate("rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", RULES)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(
            " ".join(node["target"]) + " [" + node.get("failureSummary", "").replace("\n", " ") + "]"
            for node in v["nodes"][:5]
        )
        for v in found["violations"]
    ]


@pytest.mark.backends("sqlite")  # the pages are the same on both backends: checked once
def test_every_main_page_passes_axe_on_laptop_phone_and_dark(console: Console, browser: Any) -> None:
    ids = seed(console)
    console.office.decision_tables.push(per_diem(), tenant=TENANT, actor="user:alma")
    source = axe_source()
    pages = [
        "/inbox",
        f"/tasks/{ids['task']}",
        "/start",
        "/start/web-claim",
        "/runs",
        "/runs?status=failed",
        f"/runs/{ids['claim']}",
        f"/runs/{ids['failed']}",
        "/definitions",
        "/definitions/web-orders/1",
        "/decision-tables",
        "/decision-tables/per-diem/1?try=1&in.amount=30&in.category=meals",
        "/dead-letters",
        "/audit",
        "/models",
        "/models/credit-risk",
        "/label-sets/new",
    ]
    token = console.office.accounts.login(TENANT, "alma", PASSWORD).token
    problems: dict[str, list[str]] = {}
    for size, (viewport, scheme) in VIEWS.items():
        context = browser.new_context(
            base_url=console.url, viewport=viewport, color_scheme=scheme, timezone_id="UTC", locale="en-GB"
        )
        try:
            page = context.new_page()
            page.goto("/login")
            if found := violations(page, source):
                problems[f"{size} /login"] = found
            context.add_cookies([{"name": "officeflow_session", "value": token, "url": console.url}])
            for path in pages:
                response = page.goto(path)
                assert response is not None
                assert response.status == 200, path
                if found := violations(page, source):
                    problems[f"{size} {path}"] = found
        finally:
            context.close()
    assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())

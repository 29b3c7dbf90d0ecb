"""Signing in and out in the browser: success, failure, lockout, the ``next`` page, sign-out."""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, Console


def sign_in(page: Any, username: str, password: str, tenant: str | None = None) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    if tenant is not None:
        page.fill("#tenant", tenant)
    page.click("form button[type=submit]")


def test_a_page_asks_for_sign_in_then_comes_back(console: Console, page: Any) -> None:
    """An unauthenticated page request goes to /login?next=...; signing in returns there, the top
    bar shows the user and tenant, and only the pages their roles allow."""
    page.goto("/runs?status=failed")
    assert page.url == f"{console.url}/login?next=/runs%3Fstatus%3Dfailed"
    assert page.title() == "Sign in · officeflow"
    sign_in(page, "oscar", PASSWORD)
    page.wait_for_url("**/runs?status=failed")
    assert page.locator(".user .name").inner_text() == "oscar"
    assert page.locator(".user .tenant").inner_text() == "default"
    assert page.locator("nav.nav a").all_inner_texts() == [
        "Inbox",
        "New request",
        "Runs",
        "Definitions",
        "Decision tables",
        "Models",
        "Dead letters",
    ]
    assert page.locator("nav.nav a[aria-current=page]").inner_text() == "Runs"
    cookie = next(c for c in page.context.cookies() if c["name"] == "officeflow_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"


def test_wrong_password_then_lockout_message(console: Console, page: Any) -> None:
    """A wrong password says so and keeps the username; after five failures the account is
    locked and the page says for how long, even with the right password."""
    console.office.accounts.create_user("default", "locky", password=PASSWORD, grants=["operator"], actor="system")
    page.goto("/login")
    sign_in(page, "locky", "not the password")
    assert page.locator("[role=alert]").inner_text() == "Invalid username or password."
    assert page.input_value("#username") == "locky"
    assert page.evaluate("document.activeElement.id") == "password"
    for _ in range(4):
        sign_in(page, "locky", "still not it")
    sign_in(page, "locky", PASSWORD)
    message = page.locator("[role=alert]").inner_text()
    assert "too many failed logins" in message
    assert "locked for 15 more minute(s)" in message
    assert page.url.endswith("/login")
    assert not any(c["name"] == "officeflow_session" for c in page.context.cookies())


def test_sign_out_ends_the_session(console: Console, page: Any) -> None:
    """Sign out (a POST with the CSRF token) revokes the session: the old cookie no longer works."""
    page.goto("/login?next=/definitions")
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url("**/definitions")
    token = next(c for c in page.context.cookies() if c["name"] == "officeflow_session")["value"]
    page.click("text=Sign out")
    page.wait_for_url("**/login?out=1")
    assert page.locator("[role=status]").inner_text() == "You have signed out."
    assert console.office.accounts.session(token) is None
    page.goto("/runs")
    assert "/login" in page.url


def test_another_tenant_and_unsafe_next(console: Console, page: Any) -> None:
    """Users of another tenant sign in with its name; a ``next`` to another site is ignored."""
    page.goto("/login?next=//evil.example/steal")
    sign_in(page, "max", PASSWORD, tenant="acme")
    page.wait_for_load_state()
    assert page.url.startswith(console.url)
    assert page.locator(".user .tenant").inner_text() == "acme"
    assert page.locator("nav.nav a").all_inner_texts() == [
        "Inbox",
        "New request",
        "Runs",
        "Definitions",
        "Decision tables",
        "Models",
        "Dead letters",
        "Audit",
    ]

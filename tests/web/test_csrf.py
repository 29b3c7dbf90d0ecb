"""CSRF protection: the pure logic, and the request gate on the live server: unsafe requests
authenticated by the session cookie need the session's token (form field or X-CSRF-Token);
callers with an Authorization header are not affected."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from officeflow.edge import csrf
from officeflow.web.session import safe_next

from .conftest import Console, http

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "via_cookie", "needed"),
    [
        ("POST", "/v1/runs", True, True),
        ("PUT", "/v1/x", True, True),
        ("PATCH", "/v1/x", True, True),
        ("DELETE", "/v1/x", True, True),
        ("post", "/runs/r/cancel", True, True),
        ("GET", "/v1/runs", True, False),
        ("HEAD", "/runs", True, False),
        ("OPTIONS", "/v1/runs", True, False),
        ("POST", "/v1/runs", False, False),
        ("POST", "/login", True, False),
        ("POST", "/v1/auth/login", True, False),
    ],
)
def test_which_requests_need_the_token(method: str, path: str, via_cookie: bool, needed: bool) -> None:
    assert csrf.needs_check(method, path, via_cookie=via_cookie) is needed


def test_tokens_match_only_when_equal_and_present() -> None:
    assert csrf.matches("abc", "abc")
    assert not csrf.matches("abc", "abd")
    assert not csrf.matches("abc", None)
    assert not csrf.matches(None, None)
    assert not csrf.matches("", "")
    assert not csrf.matches("abc", "abc ")
    assert csrf.new_token() != csrf.new_token()


def test_the_token_is_read_from_the_header_or_the_form() -> None:
    def presented(headers: dict[str, str], body: bytes) -> str | None:
        # In a thread of its own: while the package's Chromium is open, Playwright's event loop
        # counts as running in the main thread.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(anyio.run, csrf.presented, headers, body).result()

    assert presented({"x-csrf-token": " t1 "}, b"") == "t1"
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert presented(form, b"a=1&csrf_token=t2") == "t2"
    assert presented(form, b"a=1") is None
    assert presented({"content-type": "application/json"}, b'{"csrf_token": "t3"}') is None
    body = b'--XX\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nt4\r\n--XX--\r\n'
    assert presented({"content-type": "multipart/form-data; boundary=XX"}, body) == "t4"
    assert presented({"content-type": "multipart/form-data; boundary=XX"}, b"garbage") is None


def test_api_and_page_paths() -> None:
    assert csrf.is_api_path("/v1/runs")
    assert csrf.is_api_path("/openapi.json")
    assert not csrf.is_api_path("/runs")
    assert not csrf.is_api_path("/v1runs")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/runs?status=failed", "/runs?status=failed"),
        ("/runs/abc#x", "/runs/abc#x"),
        (None, "/"),
        ("", "/"),
        ("runs", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_next_is_only_a_path_on_this_site(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_api_posts_with_the_cookie_need_the_header(console: Console) -> None:
    """POST /v1/runs with the session cookie: refused (403 problem) without X-CSRF-Token or with
    a wrong one; accepted with the session's token. GETs need no token."""
    client, token = http(console, "ada")
    with client:
        body = {"workflow": "web-loans", "input": {}}
        missing = client.post("/v1/runs", json=body)
        assert missing.status_code == 403
        assert missing.headers["content-type"] == PROBLEM
        assert missing.json()["type"] == "https://officeflow.dev/problems/csrf"
        altered = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off, never the same
        wrong = client.post("/v1/runs", json=body, headers={"X-CSRF-Token": altered})
        assert wrong.status_code == 403
        other_session_token = console.session("ada")[1]
        assert client.post("/v1/runs", json=body, headers={"X-CSRF-Token": other_session_token}).status_code == 403
        assert client.get("/v1/runs").status_code == 200
        ok = client.post("/v1/runs", json=body, headers={"X-CSRF-Token": token})
        assert ok.status_code == 201, ok.text
        logout = client.post("/v1/auth/logout")
        assert logout.status_code == 403


def test_bearer_callers_need_no_csrf_token(console: Console) -> None:
    """An Authorization header (session token or API key) is not sent by a foreign page: no check,
    even when the browser's cookie is there as well."""
    key = console.office.accounts.create_api_key("default", "csrf-test", grants=["operator"], actor="system").token
    client, _ = http(console, "ada")
    with client:
        started = client.post("/v1/runs", json={"workflow": "web-loans"}, headers={"Authorization": f"Bearer {key}"})
        assert started.status_code == 201
        session_token, _ = console.session("oscar")
        again = client.post(
            "/v1/runs", json={"workflow": "web-loans"}, headers={"Authorization": f"Bearer {session_token}"}
        )
        assert again.status_code == 201


def test_form_posts_need_the_form_token(console: Console) -> None:
    """A console form post without the token, or with a wrong one, is refused with a 403 page and
    changes nothing; with the session's token it goes through."""
    run_id = console.start("web-loans", {"applicant": "csrf"})
    client, token = http(console, "ada")
    with client:
        for data in ({}, {"csrf_token": "forged"}):
            refused = client.post(f"/runs/{run_id}/pause", data=data)
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("text/html")
            assert "This form has expired" in refused.text
            assert console.status(run_id) == "waiting"
        done = client.post(f"/runs/{run_id}/pause", data={"csrf_token": token})
        assert done.status_code == 303
        assert done.headers["location"] == f"/runs/{run_id}?done=paused"
        assert console.status(run_id) == "paused"


def test_the_login_form_carries_its_own_token(console: Console) -> None:
    """Before a session exists, the login form's token is checked against its cookie (double
    submit): a login posted from elsewhere does not log the browser in."""
    client, _ = http(console)
    with client:
        forged = client.post("/login", data={"username": "ada", "password": "correct horse battery staple"})
        assert forged.status_code == 403
        assert "officeflow_session" not in forged.headers.get("set-cookie", "")
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        ok = client.post(
            "/login",
            data={"username": "ada", "password": "correct horse battery staple", "csrf_token": token, "next": "/audit"},
        )
        assert ok.status_code == 303
        assert ok.headers["location"] == "/audit"
        cookie = ok.headers["set-cookie"]
        assert "officeflow_session=ofs_" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http here; https adds Secure

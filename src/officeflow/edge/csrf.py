"""The session cookie, and CSRF protection for requests it authenticates (synchronizer tokens).

Every session has a random ``csrf_token`` (made at login, stored with the session). A browser
sends the session cookie with every request to this site, even one a foreign page makes it send;
so an unsafe request (POST, PUT, PATCH, DELETE) authenticated by the cookie must also prove that
it comes from our own page: it carries the session's token in the ``X-CSRF-Token`` header (API
calls from scripts) or in the ``csrf_token`` field of a form (the console's pages render it as a
hidden field). The request gate (officeflow.api.gate) checks this for every route before routing,
so a page added later is covered without doing anything. Callers with an ``Authorization`` header
(API keys, session tokens) are not affected: a foreign page cannot make a browser send that header.

The login form has no session yet; it carries its own token, also set as a short-lived cookie
(double submit), which the login route compares.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs

SESSION_COOKIE = "officeflow_session"
"""The cookie that carries a browser's session token (HttpOnly, SameSite)."""
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = "x-csrf-token"
FIELD = "csrf_token"
LOGIN_COOKIE = "officeflow_login_csrf"
EXEMPT_PATHS = frozenset({"/login", "/v1/auth/login"})
"""Logging in acts on the credentials in the body, not on the cookie's authority."""
API_PREFIXES = ("/v1/", "/openapi.json", "/docs", "/redoc", "/metrics")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (problem documents) rather than the pages (HTML)."""
    return path.startswith(API_PREFIXES) or path == "/v1"


def needs_check(method: str, path: str, *, via_cookie: bool) -> bool:
    """Whether a request must carry the session's CSRF token."""
    return via_cookie and method.upper() in UNSAFE_METHODS and path not in EXEMPT_PATHS


def matches(expected: str | None, presented: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def presented(headers: Mapping[str, str], body: bytes) -> str | None:
    """The token a request presents: the header, else the form field of a form body."""
    header = headers.get(HEADER)
    if header:
        return header.strip()
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == FORM_TYPES[0]:
        try:
            values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(FIELD)
        except ValueError:
            return None
        return values[0] if values else None
    if content_type == FORM_TYPES[1]:
        return await _multipart_field(headers, body)
    return None


async def _multipart_field(headers: Mapping[str, str], body: bytes) -> str | None:
    from starlette.requests import Request

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
    }
    try:
        form = await Request(scope, receive).form(max_files=1000, max_fields=1000)
    except Exception:  # a malformed body presents no token
        return None
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()

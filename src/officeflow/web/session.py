"""Who is looking at a page: the session behind the ``officeflow_session`` cookie.

The request gate (officeflow.api.gate) resolves the cookie before routing and leaves the session
and its user's principal in ``request.state``; pages only read them. A page asked for without a
live session redirects to ``/login?next=<the page>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from officeflow.edge.csrf import SESSION_COOKIE
from officeflow.security.permissions import Principal
from officeflow.store.tx_security import SessionRow


class LoginRequired(Exception):
    """The page needs a session: redirect to the login page."""

    def __init__(self, next_url: str, *, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    session: SessionRow

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    @property
    def actor(self) -> str:
        return self.principal.actor

    def can(self, action: str, workflow: str | None = None) -> bool:
        return self.principal.can(action, workflow)

    def can_any(self, action: str) -> bool:
        """Whether the viewer may ``action`` on at least one workflow (or tenant-wide)."""
        allowed = self.principal.workflows(action)
        return allowed is None or bool(allowed)


def current_viewer(request: Request) -> Viewer | None:
    principal = getattr(request.state, "principal", None)
    session = getattr(request.state, "session", None)
    if principal is None or session is None:
        return None
    return Viewer(principal=principal, session=session)


def viewer(request: Request) -> Viewer:
    """The logged-in viewer, or LoginRequired."""
    found = current_viewer(request)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        expired = bool(getattr(request.state, "token_refused", False))
        raise LoginRequired(safe_next(target), expired=expired)
    return found


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site (``/runs?status=failed``), else ``default``:
    never another host (``//evil``, ``https://evil``, ``/\\evil``)."""
    if not value or len(value) > 2000:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_url(next_url: str, **flags: Any) -> str:
    query = "" if next_url == "/" else f"next={quote(next_url, safe='/')}"
    for key, value in flags.items():
        if value:
            query += ("&" if query else "") + f"{key}=1"
    return "/login" + (f"?{query}" if query else "")


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )

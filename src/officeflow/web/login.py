"""/login and /logout: a session from a username and password (accounts.login: argon2, lockout
after repeated failures), kept in the HttpOnly ``officeflow_session`` cookie."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from officeflow.edge import csrf
from officeflow.edge.csrf import SESSION_COOKIE
from officeflow.edge.ratelimit import login_verdict, retry_after_header
from officeflow.security.accounts import LoginFailed
from officeflow.web.context import console_of, office_of
from officeflow.web.session import clear_session_cookie, current_viewer, safe_next, set_session_cookie

router = APIRouter(include_in_schema=False)
TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
LOGIN_FORM_TTL = 3600


def _form(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    tenant: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    token = csrf.new_token()
    console = console_of(request)
    response: Response = console.page(
        request,
        "login.html",
        who=None,
        status=status,
        login_token=token,
        next_url=next_url,
        username=username,
        tenant=tenant or console.settings.tenant,
        error=error,
        notice=notice,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        max_age=LOGIN_FORM_TTL,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None, expired: bool = False, out: bool = False) -> Response:
    target = safe_next(next)
    if current_viewer(request) is not None:
        return RedirectResponse(target, status_code=303)
    notice = None
    if expired:
        notice = "Your session has ended. Please sign in again."
    elif out:
        notice = "You have signed out."
    return _form(request, next_url=target, notice=notice)


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1000),
    tenant: str = Form("", max_length=63),
    next: str = Form("/", max_length=2000),
    csrf_token: str = Form("", max_length=200),
) -> Response:
    target = safe_next(next)
    tenant = tenant.strip() or console_of(request).settings.tenant
    username = username.strip()
    if not csrf.matches(request.cookies.get(csrf.LOGIN_COOKIE), csrf_token):
        return _form(
            request,
            next_url=target,
            username=username,
            tenant=tenant,
            error="The sign-in form expired or did not come from this site. Please try again.",
            status=403,
        )
    if not username or not password:
        return _form(
            request,
            next_url=target,
            username=username,
            tenant=tenant,
            error="Enter your username and password.",
            status=422,
        )
    client = request.client.host if request.client else None
    verdict = login_verdict(request.app.state.login_throttle, tenant, client)
    if not verdict.allowed:
        wait = retry_after_header(verdict.retry_after)
        response = _form(
            request,
            next_url=target,
            username=username,
            tenant=tenant,
            error=f"Too many sign-in attempts from your network. Please try again in {wait} seconds.",
            status=429,
        )
        response.headers["Retry-After"] = wait
        return response
    try:
        if not TENANT.match(tenant):
            raise LoginFailed()
        session = office_of(request).accounts.login(tenant, username, password)
    except LoginFailed as exc:
        return _form(request, next_url=target, username=username, tenant=tenant, error=exc.message, status=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, session.token, int(session.row.expires_at - session.row.created_at))
    response.delete_cookie(csrf.LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Ends the session (the request gate checked the form's CSRF token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and current_viewer(request) is not None:
        office_of(request).accounts.logout(token)
    response = RedirectResponse("/login?out=1", status_code=303)
    clear_session_cookie(response, request)
    return response

"""Who is calling, and may they: authentication from the request, and the one permission check
every route declares with ``guarded(action)``.

A caller presents ``Authorization: Bearer <token>`` with an API key (``ofk_...``) or a session
token from ``POST /v1/auth/login`` (``ofs_...``); browsers use the session cookie (and a CSRF
token, see officeflow.edge.csrf). Objects of another tenant are never found: every lookup is scoped by
the caller's tenant, so a foreign id answers 404, not 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request

from officeflow.edge.csrf import SESSION_COOKIE
from officeflow.edge.problems import ApiProblem
from officeflow.security.permissions import Principal

PERMISSION_KEY = "x-officeflow-permission"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return request.cookies.get(SESSION_COOKIE)


def current(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def principal_of(request: Request) -> Principal:
    """The caller of a route guarded by ``guarded(action)`` (which refused a request without one)."""
    principal = current(request)
    assert principal is not None
    return principal


def authorize(request: Request, action: str) -> Principal:
    """The caller, when they may do ``action``; else 401 (nobody) or 403 (not allowed)."""
    principal = current(request)
    if principal is None:
        detail = "this endpoint needs an API key or a session token (Authorization: Bearer ...)"
        if getattr(request.state, "token_refused", False):
            detail = "the token is unknown, expired or revoked"
        raise ApiProblem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})
    if not principal.can(action):
        raise ApiProblem(
            403,
            "forbidden",
            "Forbidden",
            f"{principal.actor} may not {action} (roles: {', '.join(sorted(principal.roles)) or 'none'})",
            action=action,
        )
    return principal


def require(action: str) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:  # no I/O: async so it runs inline, no thread hop
        return authorize(request, action)

    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return dependency


def guarded(action: str) -> dict[str, Any]:
    """Route options that enforce ``action`` and document it in the OpenAPI operation."""
    return {"dependencies": [Depends(require(action))], **documented(action)}


def documented(action: str) -> dict[str, Any]:
    """Route options that only document ``action``: for a hot route that calls authorize() itself."""
    return {"openapi_extra": {PERMISSION_KEY: action}}


def check_workflow(principal: Principal, action: str, workflow: str) -> None:
    """A workflow-scoped check inside a route (the route's own guard checked the action at all)."""
    if not principal.can(action, workflow):
        raise ApiProblem(
            403, "forbidden", "Forbidden", f"{principal.actor} may not {action} on workflow '{workflow}'", action=action
        )


def visible(principal: Principal, action: str, workflow: str) -> bool:
    return principal.can(action, workflow)

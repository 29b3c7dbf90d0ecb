"""/v1/auth (log in, out, who am I), /v1/users, /v1/api-keys and /v1/secrets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, Response

from officeflow.api.auth import bearer_token, current, guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas import (
    ApiKeyIn,
    ApiKeyOut,
    Done,
    GrantsIn,
    LoginIn,
    LoginOut,
    MeOut,
    SecretIn,
    SecretOut,
    UserIn,
    UserOut,
    UserPatch,
)
from officeflow.clock import iso
from officeflow.edge.csrf import SESSION_COOKIE
from officeflow.edge.problems import ApiProblem
from officeflow.edge.ratelimit import login_verdict, retry_after_header
from officeflow.security.accounts import Accounts
from officeflow.security.secrets import NAME as SECRET_NAME

router = APIRouter(tags=["security"])


def _secret_name() -> Any:
    return Path(pattern=SECRET_NAME.pattern, max_length=100)


def _accounts(request: Request) -> Accounts:
    return office(request).accounts


def throttled(request: Request, tenant: str) -> None:
    """429 when this client address has tried to sign in too often."""
    verdict = login_verdict(request.app.state.login_throttle, tenant, request.client.host if request.client else None)
    if not verdict.allowed:
        wait = retry_after_header(verdict.retry_after)
        raise ApiProblem(
            429,
            "rate-limited",
            "Too many sign-in attempts",
            f"too many sign-in attempts from this address; retry in {wait} s",
            headers={"Retry-After": wait},
        )


@router.post("/v1/auth/login", response_model=LoginOut, openapi_extra={"x-officeflow-permission": "public"})
def login(request: Request, response: Response, body: LoginIn) -> LoginOut:
    """Exchange a username and password for a session token (also set as an HttpOnly cookie).
    Five failures in a row lock the account for 15 minutes; attempts from one client address are
    limited (`OFFICEFLOW_RATE_LIMIT_LOGIN`, 429 with `Retry-After` beyond it)."""
    throttled(request, body.tenant)
    session = _accounts(request).login(body.tenant, body.username, body.password)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(session.row.expires_at - session.row.created_at),
    )
    return LoginOut(token=session.token, expires_at=iso(session.row.expires_at), csrf_token=session.row.csrf_token)


@router.post("/v1/auth/logout", response_model=Done, openapi_extra={"x-officeflow-permission": "public"})
def logout(request: Request, response: Response) -> Done:
    token = bearer_token(request)
    if token and token.startswith("ofs_"):
        _accounts(request).logout(token)
    response.delete_cookie(SESSION_COOKIE)
    return Done()


@router.get("/v1/auth/me", response_model=MeOut, openapi_extra={"x-officeflow-permission": "authenticated"})
def me(request: Request) -> MeOut:
    principal = current(request)
    if principal is None:
        raise ApiProblem(401, "unauthorized", "Unauthorized", "not logged in", headers={"WWW-Authenticate": "Bearer"})
    return MeOut(
        tenant=principal.tenant,
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        grants=sorted(f"{g.role}:{g.scope}" for g in principal.grants),
    )


@router.get("/v1/users", response_model=list[UserOut], **guarded("users.read"))
def list_users(request: Request) -> list[UserOut]:
    principal = principal_of(request)
    accounts = _accounts(request)
    return [
        UserOut.of(u, [f"{g.role}:{g.scope}" for g in accounts.grants(principal.tenant, u.id)])
        for u in accounts.users(principal.tenant)
    ]


@router.post("/v1/users", response_model=UserOut, status_code=201, **guarded("users.write"))
def create_user(request: Request, body: UserIn) -> UserOut:
    principal = principal_of(request)
    user = _accounts(request).create_user(
        principal.tenant,
        body.username,
        password=body.password,
        display_name=body.display_name,
        email=body.email,
        grants=body.grants,
        actor=principal.actor,
    )
    return UserOut.of(user, sorted(body.grants))


@router.get("/v1/users/{user_id}", response_model=UserOut, **guarded("users.read"))
def get_user(request: Request, user_id: str = Path(max_length=100)) -> UserOut:
    principal = principal_of(request)
    accounts = _accounts(request)
    user = accounts.user(principal.tenant, user_id)
    return UserOut.of(user, [f"{g.role}:{g.scope}" for g in accounts.grants(principal.tenant, user.id)])


@router.patch("/v1/users/{user_id}", response_model=UserOut, **guarded("users.write"))
def update_user(request: Request, body: UserPatch, user_id: str = Path(max_length=100)) -> UserOut:
    principal = principal_of(request)
    fields = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k in ("display_name", "email")  # null clears a name or e-mail; nothing else
    }
    accounts = _accounts(request)
    user = (
        accounts.update_user(principal.tenant, user_id, actor=principal.actor, **fields)
        if fields
        else accounts.user(principal.tenant, user_id)
    )
    return UserOut.of(user)


@router.delete("/v1/users/{user_id}", response_model=Done, **guarded("users.write"))
def delete_user(request: Request, user_id: str = Path(max_length=100)) -> Done:
    principal = principal_of(request)
    _accounts(request).delete_user(principal.tenant, user_id, actor=principal.actor)
    return Done()


@router.put("/v1/users/{user_id}/grants", response_model=UserOut, **guarded("users.write"))
def set_user_grants(request: Request, body: GrantsIn, user_id: str = Path(max_length=100)) -> UserOut:
    principal = principal_of(request)
    accounts = _accounts(request)
    user = accounts.user(principal.tenant, user_id)
    grants = accounts.set_grants(principal.tenant, user.id, body.grants, actor=principal.actor)
    return UserOut.of(user, sorted(f"{g.role}:{g.scope}" for g in grants))


@router.get("/v1/api-keys", response_model=list[ApiKeyOut], **guarded("users.read"))
def list_api_keys(request: Request) -> list[ApiKeyOut]:
    principal = principal_of(request)
    return [ApiKeyOut.of(k) for k in _accounts(request).api_keys(principal.tenant)]


@router.post("/v1/api-keys", response_model=ApiKeyOut, status_code=201, **guarded("users.write"))
def create_api_key(request: Request, body: ApiKeyIn) -> ApiKeyOut:
    """Create an API key; the response is the only time its ``token`` is shown."""
    principal = principal_of(request)
    created = _accounts(request).create_api_key(
        principal.tenant, body.name, grants=body.grants, actor=principal.actor, expires_at=body.expires_at
    )
    return ApiKeyOut.of(created.row, created.token)


@router.delete("/v1/api-keys/{key_id}", response_model=Done, **guarded("users.write"))
def revoke_api_key(request: Request, key_id: str = Path(max_length=100)) -> Done:
    principal = principal_of(request)
    _accounts(request).revoke_api_key(principal.tenant, key_id, actor=principal.actor)
    return Done()


@router.put("/v1/api-keys/{key_id}/grants", response_model=Done, **guarded("users.write"))
def set_key_grants(request: Request, body: GrantsIn, key_id: str = Path(max_length=100)) -> Done:
    principal = principal_of(request)
    _accounts(request).set_grants(principal.tenant, key_id, body.grants, actor=principal.actor)
    return Done()


@router.get("/v1/secrets", response_model=list[SecretOut], **guarded("secrets.read"))
def list_secrets(request: Request) -> list[SecretOut]:
    """Names and descriptions only: values are never returned."""
    entries = office(request).queries.secrets.entries(principal_of(request).tenant)
    return [
        SecretOut(name=e.name, description=e.description, updated_at=iso(e.updated_at), updated_by=e.updated_by)
        for e in entries
    ]


@router.put("/v1/secrets/{name}", response_model=SecretOut, **guarded("secrets.write"))
def put_secret(request: Request, body: SecretIn, name: str = _secret_name()) -> SecretOut:
    """Store a secret (encrypted); replaces the value when the name exists."""
    principal = principal_of(request)
    now = office(request).secrets.put(
        principal.tenant, name, body.value, description=body.description, actor=principal.actor
    )
    return SecretOut(name=name, description=body.description, updated_at=iso(now), updated_by=principal.actor)


@router.delete("/v1/secrets/{name}", response_model=Done, **guarded("secrets.write"))
def delete_secret(request: Request, name: str = _secret_name()) -> Done:
    principal = principal_of(request)
    office(request).secrets.delete(principal.tenant, name, actor=principal.actor)
    return Done()

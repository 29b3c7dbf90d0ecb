"""Users, sessions, API keys and grants: who is who, and the tokens that prove it.

- Users log in with a password (argon2id); five failures in a row lock the account for 15
  minutes. A login opens a session whose token (``ofs_...``) is returned once and stored hashed.
- API keys (``ofk_<prefix>_<secret>``) are shown once, stored as a SHA-256 of the secret (they are
  long and random, so a fast hash is right), found by their visible prefix, and can expire or be
  revoked.
- Grants give a user or key a role on the tenant (``*``) or on one workflow.

Every change is an audit entry, written in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from officeflow.errors import Conflict, NotFound, OfficeflowError, Problem, ProblemType
from officeflow.ids import uuid7
from officeflow.security import audit
from officeflow.security.keys import Keyring
from officeflow.security.passwords import check_strength, hash_password, verify_password
from officeflow.security.permissions import WILDCARD, Grant, Principal, Role
from officeflow.store.base import Store
from officeflow.store.tx import Tx
from officeflow.store.tx_security import ApiKeyRow, SessionRow, UserRow

MAX_FAILURES = 5
LOCKOUT = 15 * 60
SESSION_TTL = 12 * 3600
KEY_CACHE = 10.0
UNKNOWN_NAMES = 10_000
"""Unknown usernames whose failed logins a process remembers (to lock them like real accounts)."""
"""Seconds a verified API key is trusted without a database read (revocation takes at most this)."""


class LoginFailed(OfficeflowError):
    """Invalid username or password."""

    http_status = 401
    problem = ProblemType("login-failed", "Login failed")

    def __init__(self, message: str | None = None, *, locked_until: float | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until

    def retry_delay(self, now: float) -> float | None:
        """Until the account's lockout ends (None: not locked)."""
        return None if self.locked_until is None else self.locked_until - now


class WeakPassword(OfficeflowError):
    """The password is too weak."""

    http_status = 422
    problem = ProblemType("weak-password", "The password is too weak")

    def findings(self) -> list[Problem]:
        return [Problem(pointer="/password", message=self.message)]


class UserNotFound(NotFound):
    """No such user."""


class ApiKeyNotFound(NotFound):
    """No such API key."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def parse_grants(items: Iterable[str | tuple[str, str] | Grant]) -> list[Grant]:
    """Grants from ``"role"``, ``"role:workflow"``, pairs or Grant objects."""
    out = []
    for item in items:
        if isinstance(item, Grant):
            out.append(item)
            continue
        if isinstance(item, tuple):
            role, scope = item
        else:
            role, _, scope = item.partition(":")
        try:
            out.append(Grant(Role(role.strip()), (scope or WILDCARD).strip()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise Conflict(f"unknown role {role!r}; roles: {known}") from None
    return out


@dataclass(frozen=True)
class NewApiKey:
    row: ApiKeyRow
    token: str
    """The key itself: shown once, never stored."""


@dataclass(frozen=True)
class NewSession:
    row: SessionRow
    token: str


class Accounts:
    def __init__(self, store: Store, keyring: Keyring, now: Callable[[], float]) -> None:
        self.store = store
        self.keyring = keyring
        self.now = now
        self._cache: dict[str, tuple[Principal, float, str]] = {}
        self._lock = threading.Lock()
        self._unknown: dict[tuple[str, str], tuple[int, float | None]] = {}
        """(tenant, username) of no account -> (failures, locked until): an unknown name is
        locked after the same failures as a real account, so a lockout message does not tell
        whether the account exists."""

    def _audit(
        self,
        tx: Tx,
        tenant: str,
        actor: str,
        action: str,
        object_type: str,
        object_id: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        audit.record(
            tx,
            self.keyring,
            tenant=tenant,
            at=self.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )

    # Users

    def create_user(
        self,
        tenant: str,
        username: str,
        *,
        password: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        grants: Iterable[str | tuple[str, str] | Grant] = (),
        actor: str,
    ) -> UserRow:
        if password is not None and (problem := check_strength(password)):
            raise WeakPassword(problem)
        now = self.now()
        parsed = parse_grants(grants)
        row = UserRow(
            id=uuid7(),
            tenant=tenant,
            username=username,
            display_name=display_name,
            email=email,
            password_hash=hash_password(password) if password is not None else None,
            disabled=False,
            failed_logins=0,
            locked_until=None,
            created_at=now,
            updated_at=now,
        )

        def body(tx: Tx) -> None:
            if not tx.insert_user(row):
                raise Conflict(f"user '{username}' exists in tenant '{tenant}'")
            tx.set_grants(tenant, row.id, [(g.role.value, g.scope) for g in parsed], now, actor)
            self._audit(
                tx,
                tenant,
                actor,
                "user.created",
                "user",
                row.id,
                after={
                    "username": username,
                    "display_name": display_name,
                    "email": email,
                    "grants": sorted(f"{g.role}:{g.scope}" for g in parsed),
                },
            )

        self.store.run(body)
        return row

    def user(self, tenant: str, user_id: str) -> UserRow:
        with self.store.read() as tx:
            row = tx.get_user(tenant, user_id)
        if row is None:
            raise UserNotFound(f"no user {user_id} in tenant '{tenant}'")
        return row

    def user_named(self, tenant: str, username: str) -> UserRow | None:
        """The user with this username, or None."""
        with self.store.read() as tx:
            return tx.user_by_name(tenant, username)

    def users(self, tenant: str) -> list[UserRow]:
        with self.store.read() as tx:
            return tx.list_users(tenant)

    def update_user(self, tenant: str, user_id: str, *, actor: str, **fields: Any) -> UserRow:
        if "password" in fields:
            password = fields.pop("password")
            if (problem := check_strength(password)) is not None:
                raise WeakPassword(problem)
            fields["password_hash"] = hash_password(password)
        now = self.now()

        def body(tx: Tx) -> UserRow:
            before = tx.get_user(tenant, user_id)
            if before is None:
                raise UserNotFound(f"no user {user_id} in tenant '{tenant}'")
            tx.update_user(tenant, user_id, now, **fields)
            if fields.get("disabled") or "password_hash" in fields:
                tx.revoke_user_sessions(tenant, user_id, now)
            after = tx.get_user(tenant, user_id)
            assert after is not None
            shown = {k: ("(changed)" if k == "password_hash" else v) for k, v in fields.items()}
            self._audit(
                tx,
                tenant,
                actor,
                "user.updated",
                "user",
                user_id,
                before={k: getattr(before, k) for k in fields if k != "password_hash"},
                after=shown,
            )
            return after

        updated = self.store.run(body)
        self._forget(tenant)
        return updated

    def delete_user(self, tenant: str, user_id: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            user = tx.get_user(tenant, user_id)
            if user is None:
                raise UserNotFound(f"no user {user_id} in tenant '{tenant}'")
            tx.revoke_user_sessions(tenant, user_id, self.now())
            tx.delete_user(tenant, user_id)
            self._audit(tx, tenant, actor, "user.deleted", "user", user_id, before={"username": user.username})

        self.store.run(body)
        self._forget(tenant)

    # Grants

    def grants(self, tenant: str, principal_id: str) -> list[Grant]:
        with self.store.read() as tx:
            return [Grant(Role(r), w) for r, w in tx.grants_of(tenant, principal_id)]

    def set_grants(
        self, tenant: str, principal_id: str, grants: Iterable[str | tuple[str, str] | Grant], *, actor: str
    ) -> list[Grant]:
        parsed = parse_grants(grants)
        now = self.now()

        def body(tx: Tx) -> None:
            if tx.get_user(tenant, principal_id) is None and tx.get_api_key(tenant, principal_id) is None:
                raise UserNotFound(f"no user or API key {principal_id} in tenant '{tenant}'")
            before = sorted(f"{r}:{w}" for r, w in tx.grants_of(tenant, principal_id))
            tx.set_grants(tenant, principal_id, [(g.role.value, g.scope) for g in parsed], now, actor)
            self._audit(
                tx,
                tenant,
                actor,
                "grants.changed",
                "principal",
                principal_id,
                before=before,
                after=sorted(f"{g.role}:{g.scope}" for g in parsed),
            )

        self.store.run(body)
        self._forget(tenant)
        return parsed

    # Sessions

    def login(self, tenant: str, username: str, password: str, *, ttl: float = SESSION_TTL) -> NewSession:
        now = self.now()
        with self.store.read() as tx:
            user = tx.user_by_name(tenant, username)
        locked_until = user.locked_until if user is not None else self._unknown_locked(tenant, username)
        if locked_until is not None and locked_until > now:
            target = user.id if user is not None else username
            self.store.run(
                lambda tx: self._audit(
                    tx, tenant, f"user:{username}", "auth.login_refused", "user", target, after={"reason": "locked"}
                )
            )
            raise LoginFailed(
                f"too many failed logins: the account is locked for {round((locked_until - now) / 60) or 1} "
                "more minute(s)",
                locked_until=locked_until,
            )
        good = verify_password(user.password_hash if user else None, password)
        if user is None or not good or user.disabled:
            if user is not None:
                self._failed(user, now)
            else:
                self._unknown_failed(tenant, username, now)
                self.store.run(
                    lambda tx: self._audit(
                        tx,
                        tenant,
                        f"user:{username}",
                        "auth.login_failed",
                        "user",
                        username,
                        after={"reason": "unknown user"},
                    )
                )
            raise LoginFailed()
        token = "ofs_" + secrets.token_urlsafe(32)
        session = SessionRow(
            id=uuid7(),
            tenant=tenant,
            user_id=user.id,
            created_at=now,
            expires_at=now + ttl,
            revoked_at=None,
            csrf_token=secrets.token_urlsafe(24),
        )

        def body(tx: Tx) -> None:
            tx.insert_session(session, _sha(token))
            tx.update_user(tenant, user.id, now, failed_logins=0, locked_until=None)
            self._audit(
                tx,
                tenant,
                f"user:{username}",
                "auth.login",
                "user",
                user.id,
                after={"session": session.id, "expires_at": session.expires_at},
            )

        self.store.run(body)
        return NewSession(row=session, token=token)

    def _unknown_locked(self, tenant: str, username: str) -> float | None:
        with self._lock:
            return self._unknown.get((tenant, username), (0, None))[1]

    def _unknown_failed(self, tenant: str, username: str, now: float) -> None:
        with self._lock:
            failures, _ = self._unknown.pop((tenant, username), (0, None))
            failures += 1
            locked = now + LOCKOUT if failures >= MAX_FAILURES else None
            self._unknown[(tenant, username)] = (0 if locked else failures, locked)
            while len(self._unknown) > UNKNOWN_NAMES:  # the least recently failed go first
                del self._unknown[next(iter(self._unknown))]

    def _failed(self, user: UserRow, now: float) -> None:
        def body(tx: Tx) -> None:
            fresh = tx.get_user(user.tenant, user.id)
            failures = (fresh.failed_logins if fresh else 0) + 1
            locked = now + LOCKOUT if failures >= MAX_FAILURES else None
            tx.update_user(user.tenant, user.id, now, failed_logins=0 if locked else failures, locked_until=locked)
            self._audit(
                tx,
                user.tenant,
                f"user:{user.username}",
                "auth.login_failed",
                "user",
                user.id,
                after={"failures": failures, "locked_until": locked},
            )

        self.store.run(body)

    def logout(self, token: str) -> None:
        with self.store.read() as tx:
            session = tx.session_by_hash(_sha(token))
        if session is None:
            return

        def body(tx: Tx) -> None:
            tx.revoke_session(session.id, self.now())
            user = tx.get_user(session.tenant, session.user_id)
            who = user.username if user is not None else session.user_id
            self._audit(tx, session.tenant, f"user:{who}", "auth.logout", "user", session.user_id)

        self.store.run(body)

    def session(self, token: str) -> tuple[SessionRow, Principal] | None:
        """The live session behind ``token`` and its user as a principal, or None."""
        with self.store.read() as tx:
            session = tx.session_by_hash(_sha(token))
            if session is None or session.revoked_at is not None or session.expires_at <= self.now():
                return None
            user = tx.get_user(session.tenant, session.user_id)
            if user is None or user.disabled:
                return None
            grants = tx.grants_of(session.tenant, user.id)
        principal = Principal(
            tenant=user.tenant,
            id=user.id,
            kind="user",
            name=user.username,
            grants=frozenset(Grant(Role(r), w) for r, w in grants),
        )
        return session, principal

    # API keys

    def create_api_key(
        self,
        tenant: str,
        name: str,
        *,
        grants: Iterable[str | tuple[str, str] | Grant],
        actor: str,
        expires_at: float | None = None,
        user_id: str | None = None,
    ) -> NewApiKey:
        parsed = parse_grants(grants)
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = self.now()
        row = ApiKeyRow(
            id=uuid7(),
            tenant=tenant,
            name=name,
            prefix=prefix,
            secret_hash=_sha(secret),
            user_id=user_id,
            created_at=now,
            created_by=actor,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        )

        def body(tx: Tx) -> None:
            tx.insert_api_key(row)
            tx.set_grants(tenant, row.id, [(g.role.value, g.scope) for g in parsed], now, actor)
            self._audit(
                tx,
                tenant,
                actor,
                "api_key.created",
                "api_key",
                row.id,
                after={
                    "name": name,
                    "prefix": prefix,
                    "expires_at": expires_at,
                    "grants": sorted(f"{g.role}:{g.scope}" for g in parsed),
                },
            )

        self.store.run(body)
        return NewApiKey(row=row, token=f"ofk_{prefix}_{secret}")

    def api_keys(self, tenant: str) -> list[ApiKeyRow]:
        with self.store.read() as tx:
            return tx.list_api_keys(tenant)

    def revoke_api_key(self, tenant: str, key_id: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            key = tx.get_api_key(tenant, key_id)
            if key is None:
                raise ApiKeyNotFound(f"no API key {key_id} in tenant '{tenant}'")
            if tx.revoke_api_key(tenant, key_id, self.now()):
                self._audit(tx, tenant, actor, "api_key.revoked", "api_key", key_id, before={"name": key.name})

        self.store.run(body)
        with self._lock:
            self._cache = {p: v for p, v in self._cache.items() if v[0].id != key_id}

    def principal(self, token: str | None) -> Principal | None:
        """The principal behind a bearer token: an API key (``ofk_...``) or a session token
        (``ofs_...``); None for anything else (blocking: it may read the database)."""
        if not token:
            return None
        if token.startswith("ofk_"):
            return self.api_key_principal(token)
        if token.startswith("ofs_"):
            found = self.session(token)
            return found[1] if found else None
        return None

    def cached_principal(self, token: str) -> Principal | None:
        """The principal of an API key verified in the last ``KEY_CACHE`` seconds, from this
        process's memory (no I/O; None: not known here, ask :meth:`principal`)."""
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "ofk":
            return None
        cached = self._cache.get(parts[1])
        if cached is None or cached[1] <= time.monotonic():
            return None
        return cached[0] if hmac.compare_digest(cached[2], _sha("_".join(parts[2:]))) else None

    def api_key_principal(self, token: str) -> Principal | None:
        """The principal of a valid, unexpired, unrevoked API key; None otherwise."""
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "ofk":
            return None
        prefix, secret = parts[1], "_".join(parts[2:])
        digest = _sha(secret)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(prefix)
        if cached is not None and cached[1] > now and hmac.compare_digest(cached[2], digest):
            return cached[0]
        with self.store.read() as tx:
            key = tx.api_key_by_prefix(prefix)
            if key is None or not hmac.compare_digest(key.secret_hash, digest):
                return None
            if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= self.now()):
                return None
            grants = tx.grants_of(key.tenant, key.id)
        principal = Principal(
            tenant=key.tenant,
            id=key.id,
            kind="api_key",
            name=key.name,
            grants=frozenset(Grant(Role(r), w) for r, w in grants),
        )
        expiry = now + KEY_CACHE
        if key.expires_at is not None:
            expiry = min(expiry, now + (key.expires_at - self.now()))
        with self._lock:
            self._cache[prefix] = (principal, expiry, digest)
        return principal

    def _forget(self, tenant: str) -> None:
        with self._lock:
            self._cache = {p: v for p, v in self._cache.items() if v[0].tenant != tenant}

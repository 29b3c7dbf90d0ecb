"""Users, API keys, grants, sessions, secrets, idempotency records, rate buckets and webhook
replay protection (the audit log's queries are in tx_audit, mixed in here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.store import schema
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_audit import AuditMixin
from officeflow.store.tx_base import TxBase

IN_PROGRESS_LIMIT = 300.0
"""A request still "in progress" under an Idempotency-Key after this long died with its process
(no request runs this long): the key may be claimed again."""


@dataclass(frozen=True, kw_only=True, slots=True)
class UserRow:
    id: str
    tenant: str
    username: str
    display_name: str | None
    email: str | None
    password_hash: str | None
    disabled: bool
    failed_logins: int
    locked_until: float | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiKeyRow:
    id: str
    tenant: str
    name: str
    prefix: str
    secret_hash: str
    user_id: str | None
    created_at: float
    created_by: str | None
    expires_at: float | None
    revoked_at: float | None
    last_used_at: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionRow:
    id: str
    tenant: str
    user_id: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    csrf_token: str


USERS = RowMap(schema.users, UserRow)
API_KEYS = RowMap(schema.api_keys, ApiKeyRow)
SESSIONS = RowMap(schema.sessions, SessionRow, omit=("token_hash",))

_INSERT_USER = USERS.insert("ON CONFLICT DO NOTHING")
_INSERT_SESSION = SESSIONS.insert(also=("token_hash",))
_USER_UPDATES = frozenset({"display_name", "email", "password_hash", "disabled", "failed_logins", "locked_until"})
"""The columns of a user that ``update_user`` may change."""


class SecurityMixin(AuditMixin, TxBase):
    # Users

    def insert_user(self, row: UserRow) -> bool:
        return self._count(_INSERT_USER, USERS.params(row)) == 1

    def get_user(self, tenant: str, user_id: str) -> UserRow | None:
        row = self._one(
            f"SELECT {USERS.select} FROM of_users WHERE tenant = :t AND id = :id", {"t": tenant, "id": user_id}
        )
        return USERS.load(row) if row else None

    def user_by_name(self, tenant: str, username: str) -> UserRow | None:
        row = self._one(
            f"SELECT {USERS.select} FROM of_users WHERE tenant = :t AND username = :u", {"t": tenant, "u": username}
        )
        return USERS.load(row) if row else None

    def list_users(self, tenant: str) -> list[UserRow]:
        rows = self._all(f"SELECT {USERS.select} FROM of_users WHERE tenant = :t ORDER BY username", {"t": tenant})
        return USERS.load_all(rows)

    def update_user(self, tenant: str, user_id: str, now: float, **fields: Any) -> None:
        unknown = set(fields) - _USER_UPDATES
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        sets = ", ".join(f"{name} = :{name}" for name in fields)
        self._exec(
            f"UPDATE of_users SET {sets}, updated_at = :now WHERE tenant = :t AND id = :id",
            {**fields, "now": now, "t": tenant, "id": user_id},
        )

    def delete_user(self, tenant: str, user_id: str) -> bool:
        self._exec("DELETE FROM of_grants WHERE tenant = :t AND principal = :id", {"t": tenant, "id": user_id})
        return self._count("DELETE FROM of_users WHERE tenant = :t AND id = :id", {"t": tenant, "id": user_id}) == 1

    # API keys

    def insert_api_key(self, row: ApiKeyRow) -> None:
        self._exec(API_KEYS.insert(), API_KEYS.params(row))

    def api_key_by_prefix(self, prefix: str) -> ApiKeyRow | None:
        row = self._one(f"SELECT {API_KEYS.select} FROM of_api_keys WHERE prefix = :p", {"p": prefix})
        return API_KEYS.load(row) if row else None

    def get_api_key(self, tenant: str, key_id: str) -> ApiKeyRow | None:
        row = self._one(
            f"SELECT {API_KEYS.select} FROM of_api_keys WHERE tenant = :t AND id = :id", {"t": tenant, "id": key_id}
        )
        return API_KEYS.load(row) if row else None

    def list_api_keys(self, tenant: str) -> list[ApiKeyRow]:
        rows = self._all(
            f"SELECT {API_KEYS.select} FROM of_api_keys WHERE tenant = :t ORDER BY created_at", {"t": tenant}
        )
        return API_KEYS.load_all(rows)

    def revoke_api_key(self, tenant: str, key_id: str, now: float) -> bool:
        return (
            self._count(
                "UPDATE of_api_keys SET revoked_at = :now WHERE tenant = :t AND id = :id AND revoked_at IS NULL",
                {"t": tenant, "id": key_id, "now": now},
            )
            == 1
        )

    def touch_api_key(self, key_id: str, now: float) -> None:
        self._exec("UPDATE of_api_keys SET last_used_at = :now WHERE id = :id", {"id": key_id, "now": now})

    # Grants

    def grants_of(self, tenant: str, principal: str) -> list[tuple[str, str]]:
        rows = self._all(
            "SELECT role, workflow FROM of_grants WHERE tenant = :t AND principal = :p ORDER BY role, workflow",
            {"t": tenant, "p": principal},
        )
        return [(role, workflow) for role, workflow in rows]

    def set_grants(
        self, tenant: str, principal: str, grants: Sequence[tuple[str, str]], now: float, by: str | None
    ) -> None:
        self._exec("DELETE FROM of_grants WHERE tenant = :t AND principal = :p", {"t": tenant, "p": principal})
        self._many(
            "INSERT INTO of_grants (tenant, principal, role, workflow, created_at, created_by) "
            "VALUES (:t, :p, :role, :workflow, :now, :by)",
            [
                {"t": tenant, "p": principal, "role": r, "workflow": w, "now": now, "by": by}
                for r, w in sorted(set(grants))
            ],
        )

    # Sessions

    def insert_session(self, row: SessionRow, token_hash: str) -> None:
        self._exec(_INSERT_SESSION, {**SESSIONS.params(row), "token_hash": token_hash})

    def session_by_hash(self, token_hash: str) -> SessionRow | None:
        row = self._one(f"SELECT {SESSIONS.select} FROM of_sessions WHERE token_hash = :h", {"h": token_hash})
        return SESSIONS.load(row) if row else None

    def revoke_session(self, session_id: str, now: float) -> None:
        self._exec("UPDATE of_sessions SET revoked_at = :now WHERE id = :id", {"id": session_id, "now": now})

    def revoke_user_sessions(self, tenant: str, user_id: str, now: float) -> None:
        self._exec(
            "UPDATE of_sessions SET revoked_at = :now WHERE tenant = :t AND user_id = :u AND revoked_at IS NULL",
            {"t": tenant, "u": user_id, "now": now},
        )

    # Secrets (ciphertext only; see officeflow.security.secrets)

    def put_secret(
        self, tenant: str, name: str, ciphertext: str, description: str | None, now: float, by: str | None
    ) -> bool:
        """Insert or replace; True when it was new."""
        existed = self._one("SELECT 1 FROM of_secrets WHERE tenant = :t AND name = :n", {"t": tenant, "n": name})
        self._exec(
            "INSERT INTO of_secrets (tenant, name, ciphertext, description, created_at, updated_at, updated_by) "
            "VALUES (:t, :n, :c, :d, :now, :now, :by) ON CONFLICT (tenant, name) DO UPDATE SET "
            "ciphertext = excluded.ciphertext, description = excluded.description, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {"t": tenant, "n": name, "c": ciphertext, "d": description, "now": now, "by": by},
        )
        return existed is None

    def get_secret(self, tenant: str, name: str) -> str | None:
        row = self._one("SELECT ciphertext FROM of_secrets WHERE tenant = :t AND name = :n", {"t": tenant, "n": name})
        return row[0] if row else None

    def list_secrets(self, tenant: str) -> list[tuple[str, str | None, float, str | None]]:
        rows = self._all(
            "SELECT name, description, updated_at, updated_by FROM of_secrets WHERE tenant = :t ORDER BY name",
            {"t": tenant},
        )
        return [(name, description, at, by) for name, description, at, by in rows]

    def all_secret_ciphertexts(self) -> list[tuple[str, str, str]]:
        """(tenant, name, ciphertext) of every stored secret, locked until the transaction ends."""
        lock = " FOR UPDATE" if self.dialect.name == "postgresql" else ""
        rows = self._all(f"SELECT tenant, name, ciphertext FROM of_secrets ORDER BY tenant, name{lock}")
        return [(tenant, name, ciphertext) for tenant, name, ciphertext in rows]

    def set_secret_ciphertext(self, tenant: str, name: str, ciphertext: str) -> None:
        """Replace the ciphertext only (the same value under another key: not an update by anyone)."""
        self._exec(
            "UPDATE of_secrets SET ciphertext = :c WHERE tenant = :t AND name = :n",
            {"t": tenant, "n": name, "c": ciphertext},
        )

    def delete_secret(self, tenant: str, name: str) -> bool:
        return self._count("DELETE FROM of_secrets WHERE tenant = :t AND name = :n", {"t": tenant, "n": name}) == 1

    # Idempotency of POST requests

    def idempotency_claim(
        self, tenant: str, principal: str, key: str, method: str, path: str, request_hash: str, now: float, ttl: float
    ) -> tuple[str, int | None, str | None] | None:
        """Claim the key for this request; None when claimed now, otherwise the earlier
        (request hash, status, response) — status None while that request is still in progress."""
        self._exec(
            "DELETE FROM of_idempotency WHERE tenant = :t AND principal = :p AND key = :k "
            "AND (expires_at < :now OR (status IS NULL AND created_at < :abandoned))",
            {"t": tenant, "p": principal, "k": key, "now": now, "abandoned": now - IN_PROGRESS_LIMIT},
        )
        inserted = self._count(
            "INSERT INTO of_idempotency (tenant, principal, key, method, path, request_hash, status, response, "
            "created_at, expires_at) VALUES (:t, :p, :k, :m, :path, :h, NULL, NULL, :now, :exp) ON CONFLICT DO NOTHING",
            {
                "t": tenant,
                "p": principal,
                "k": key,
                "m": method,
                "path": path,
                "h": request_hash,
                "now": now,
                "exp": now + ttl,
            },
        )
        if inserted == 1:
            return None
        row = self._one(
            "SELECT request_hash, status, response FROM of_idempotency "
            "WHERE tenant = :t AND principal = :p AND key = :k",
            {"t": tenant, "p": principal, "k": key},
        )
        if row is None:
            return None
        request_hash, status, response = row
        return request_hash, status, response

    def idempotency_complete(self, tenant: str, principal: str, key: str, status: int, response: str) -> None:
        self._exec(
            "UPDATE of_idempotency SET status = :s, response = :r WHERE tenant = :t AND principal = :p AND key = :k",
            {"t": tenant, "p": principal, "k": key, "s": status, "r": response},
        )

    def idempotency_release(self, tenant: str, principal: str, key: str) -> None:
        self._exec(
            "DELETE FROM of_idempotency WHERE tenant = :t AND principal = :p AND key = :k AND status IS NULL",
            {"t": tenant, "p": principal, "k": key},
        )

    def purge_idempotency(self, now: float) -> int:
        return self._count("DELETE FROM of_idempotency WHERE expires_at < :now", {"now": now})

    # Rate limits: token buckets shared by every process

    def take_tokens(self, key: str, want: float, capacity: float, rate: float, now: float) -> tuple[float, float]:
        """Withdraw up to ``want`` tokens from the bucket ``key`` (refilled at ``rate`` per second up
        to ``capacity``); returns (granted, tokens left)."""
        self._exec(
            "INSERT INTO of_rate_buckets (key, tokens, updated_at) VALUES (:k, :cap, :now) ON CONFLICT DO NOTHING",
            {"k": key, "cap": capacity, "now": now},
        )
        row = self._one(
            f"SELECT tokens, updated_at FROM of_rate_buckets WHERE key = :k{self.dialect.lock_rows}", {"k": key}
        )
        assert row is not None
        stored, updated_at = row
        tokens = min(capacity, float(stored) + max(0.0, now - float(updated_at)) * rate)
        granted = min(want, float(int(tokens)))
        self._exec(
            "UPDATE of_rate_buckets SET tokens = :tokens, updated_at = :now WHERE key = :k",
            {"k": key, "tokens": tokens - granted, "now": now},
        )
        return granted, tokens - granted

    # Webhook message ids already seen (replay protection)

    def webhook_seen(self, tenant: str, message_id: str, now: float) -> bool:
        """Record ``message_id``; True when it had been seen before."""
        inserted = self._count(
            "INSERT INTO of_webhook_seen (tenant, message_id, seen_at) VALUES (:t, :m, :now) ON CONFLICT DO NOTHING",
            {"t": tenant, "m": message_id, "now": now},
        )
        return inserted == 0

    def webhook_known(self, tenant: str, message_id: str) -> bool:
        """Whether ``message_id`` was delivered (and accepted) before."""
        row = self._one(
            "SELECT 1 FROM of_webhook_seen WHERE tenant = :t AND message_id = :m", {"t": tenant, "m": message_id}
        )
        return row is not None

    def purge_webhook_seen(self, before: float) -> int:
        return self._count("DELETE FROM of_webhook_seen WHERE seen_at < :b", {"b": before})

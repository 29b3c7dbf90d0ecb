"""Users, logins with lockout, sessions, API keys and grants."""

from __future__ import annotations

from typing import Any

import pytest

from officeflow import Conflict, Engine
from officeflow.security.accounts import KEY_CACHE, LoginFailed, WeakPassword
from officeflow.security.permissions import Grant, Role


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    return make_engine()  # type: ignore[no-any-return]


def test_a_user_logs_in_with_the_right_password_and_gets_a_session(engine: Engine) -> None:
    user = engine.accounts.create_user(
        "default", "ada", password="correct horse battery", grants=["approver"], actor="system"
    )
    session = engine.accounts.login("default", "ada", "correct horse battery")
    found = engine.accounts.session(session.token)
    assert found is not None
    assert found[1].id == user.id
    assert found[1].can("runs.signal")
    assert not found[1].can("users.write")
    engine.accounts.logout(session.token)
    assert engine.accounts.session(session.token) is None


def test_five_failures_lock_the_account(engine: Engine) -> None:
    engine.accounts.create_user("default", "bob", password="a long passphrase", actor="system")
    for _ in range(5):
        with pytest.raises(LoginFailed, match="Invalid username or password"):
            engine.accounts.login("default", "bob", "wrong password")
    with pytest.raises(LoginFailed, match="locked"):
        engine.accounts.login("default", "bob", "a long passphrase")
    engine.clock.advance(15 * 60 + 1)  # type: ignore[attr-defined]
    assert engine.accounts.login("default", "bob", "a long passphrase").token.startswith("ofs_")


def test_unknown_users_and_weak_passwords(engine: Engine) -> None:
    with pytest.raises(LoginFailed):
        engine.accounts.login("default", "nobody", "whatever it is")
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        engine.accounts.create_user("default", "eve", password="short", actor="system")
    engine.accounts.create_user("default", "eve", password="long enough now", actor="system")
    with pytest.raises(Conflict, match="exists"):
        engine.accounts.create_user("default", "eve", password="long enough now", actor="system")


def test_api_keys_are_shown_once_stored_hashed_and_can_be_revoked(engine: Engine) -> None:
    created = engine.accounts.create_api_key("default", "ci", grants=["submitter:expense-approval"], actor="system")
    assert created.token.startswith(f"ofk_{created.row.prefix}_")
    with engine.store.read() as tx:
        stored = tx.api_key_by_prefix(created.row.prefix)
    assert stored is not None
    assert created.token.split("_", 2)[2] not in stored.secret_hash
    principal = engine.accounts.api_key_principal(created.token)
    assert principal is not None
    assert principal.can("runs.start", "expense-approval")
    assert not principal.can("runs.start", "payroll")
    assert engine.accounts.api_key_principal(created.token[:-2] + "xx") is None
    engine.accounts.revoke_api_key("default", created.row.id, actor="system")
    assert engine.accounts.api_key_principal(created.token) is None


def test_expired_api_keys_are_refused(engine: Engine) -> None:
    created = engine.accounts.create_api_key(
        "default", "temp", grants=["auditor"], actor="system", expires_at=engine.now() + 60
    )
    assert engine.accounts.api_key_principal(created.token) is not None
    engine.clock.advance(61)  # type: ignore[attr-defined]
    engine.accounts._cache.clear()  # the cache holds a key at most KEY_CACHE seconds, wall time
    assert KEY_CACHE <= 10
    assert engine.accounts.api_key_principal(created.token) is None


def test_grants_change_what_a_principal_may_do_and_are_audited(engine: Engine) -> None:
    user = engine.accounts.create_user("default", "cy", password="a long passphrase", actor="system")
    engine.accounts.set_grants("default", user.id, ["operator:expense-approval", "auditor"], actor="user:admin")
    assert set(engine.accounts.grants("default", user.id)) == {
        Grant(Role.OPERATOR, "expense-approval"),
        Grant(Role.AUDITOR, "*"),
    }
    with pytest.raises(Conflict, match="unknown role 'boss'"):
        engine.accounts.set_grants("default", user.id, ["boss"], actor="user:admin")
    engine.audit.seal()
    with engine.store.read() as tx:
        (change,) = [e for e in tx.list_audit("default") if e.action == "grants.changed"]
    assert change.actor == "user:admin"
    assert change.after == '["auditor:*","operator:expense-approval"]'


def test_secrets_are_stored_encrypted(engine: Engine) -> None:
    with engine.store.transaction() as tx:
        tx.put_secret("default", "ledger-token", engine.secrets.box.seal("s3cr3t-value"), None, engine.now(), "x")
    with engine.store.read() as tx:
        stored = tx.get_secret("default", "ledger-token")
    assert stored is not None
    assert "s3cr3t" not in stored
    assert engine.secrets.get("default", "ledger-token") == "s3cr3t-value"

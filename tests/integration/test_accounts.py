"""Users, logins with lockout, sessions, API keys and grants."""

from __future__ import annotations

from typing import Any

import pytest

from officeflow import Conflict, Office
from officeflow.security.accounts import KEY_CACHE, LoginFailed, WeakPassword
from officeflow.security.permissions import Grant, Role


@pytest.fixture
def office(make_office: Any) -> Office:
    return make_office()  # type: ignore[no-any-return]


def test_a_user_logs_in_with_the_right_password_and_gets_a_session(office: Office) -> None:
    user = office.accounts.create_user(
        "default", "ada", password="correct horse battery", grants=["approver"], actor="system"
    )
    session = office.accounts.login("default", "ada", "correct horse battery")
    found = office.accounts.session(session.token)
    assert found is not None
    assert found[1].id == user.id
    assert found[1].can("runs.signal")
    assert not found[1].can("users.write")
    office.accounts.logout(session.token)
    assert office.accounts.session(session.token) is None


def test_five_failures_lock_the_account(office: Office) -> None:
    office.accounts.create_user("default", "bob", password="a long passphrase", actor="system")
    for _ in range(5):
        with pytest.raises(LoginFailed, match="Invalid username or password"):
            office.accounts.login("default", "bob", "wrong password")
    with pytest.raises(LoginFailed, match="locked"):
        office.accounts.login("default", "bob", "a long passphrase")
    office.clock.advance(15 * 60 + 1)  # type: ignore[attr-defined]
    assert office.accounts.login("default", "bob", "a long passphrase").token.startswith("ofs_")


def test_unknown_users_and_weak_passwords(office: Office) -> None:
    with pytest.raises(LoginFailed):
        office.accounts.login("default", "nobody", "whatever it is")
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        office.accounts.create_user("default", "eve", password="short", actor="system")
    office.accounts.create_user("default", "eve", password="long enough now", actor="system")
    with pytest.raises(Conflict, match="exists"):
        office.accounts.create_user("default", "eve", password="long enough now", actor="system")


def test_api_keys_are_shown_once_stored_hashed_and_can_be_revoked(office: Office) -> None:
    created = office.accounts.create_api_key("default", "ci", grants=["submitter:expense-approval"], actor="system")
    assert created.token.startswith(f"ofk_{created.row.prefix}_")
    with office.store.read() as tx:
        stored = tx.api_key_by_prefix(created.row.prefix)
    assert stored is not None
    assert created.token.split("_", 2)[2] not in stored.secret_hash
    principal = office.accounts.api_key_principal(created.token)
    assert principal is not None
    assert principal.can("runs.start", "expense-approval")
    assert not principal.can("runs.start", "payroll")
    assert office.accounts.api_key_principal(created.token[:-2] + "xx") is None
    office.accounts.revoke_api_key("default", created.row.id, actor="system")
    assert office.accounts.api_key_principal(created.token) is None


def test_expired_api_keys_are_refused(office: Office) -> None:
    created = office.accounts.create_api_key(
        "default", "temp", grants=["auditor"], actor="system", expires_at=office.now() + 60
    )
    assert office.accounts.api_key_principal(created.token) is not None
    office.clock.advance(61)  # type: ignore[attr-defined]
    office.accounts._cache.clear()  # the cache holds a key at most KEY_CACHE seconds, wall time
    assert KEY_CACHE <= 10
    assert office.accounts.api_key_principal(created.token) is None


def test_grants_change_what_a_principal_may_do_and_are_audited(office: Office) -> None:
    user = office.accounts.create_user("default", "cy", password="a long passphrase", actor="system")
    office.accounts.set_grants("default", user.id, ["operator:expense-approval", "auditor"], actor="user:admin")
    assert set(office.accounts.grants("default", user.id)) == {
        Grant(Role.OPERATOR, "expense-approval"),
        Grant(Role.AUDITOR, "*"),
    }
    with pytest.raises(Conflict, match="unknown role 'boss'"):
        office.accounts.set_grants("default", user.id, ["boss"], actor="user:admin")
    office.audit.seal()
    with office.store.read() as tx:
        (change,) = [e for e in tx.list_audit("default") if e.action == "grants.changed"]
    assert change.actor == "user:admin"
    assert change.after == '["auditor:*","operator:expense-approval"]'


def test_secrets_are_stored_encrypted(office: Office) -> None:
    with office.store.transaction() as tx:
        tx.put_secret("default", "ledger-token", office.secrets.box.seal("s3cr3t-value"), None, office.now(), "x")
    with office.store.read() as tx:
        stored = tx.get_secret("default", "ledger-token")
    assert stored is not None
    assert "s3cr3t" not in stored
    assert office.secrets.get("default", "ledger-token") == "s3cr3t-value"

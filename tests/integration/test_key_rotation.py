"""Changing the secret key: processes given the new key with the old one retired still read what
the old key wrote (secrets, audit entries, even entries written meanwhile by processes on the old
key); ``officeflow keys rotate`` then moves everything to the new key, after which the old one is
not needed, and a tampered log is never re-signed into a valid one. Both backends."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from officeflow import FakeClock, Office
from officeflow.errors import ConfigurationError
from officeflow.security import keys
from officeflow.security.rekey import rotate

WF = textwrap.dedent("""
    name: tiny
    version: 1
    steps:
      wait: {kind: wait, signal: go}
""")
OLD, NEW = keys.generate(), keys.generate()


@pytest.fixture
def open_office(db_url: str) -> Iterator[Any]:
    opened: list[Office] = []

    def make(key: str, retired: str = "") -> Office:
        office = Office.open(db_url, secret_key=key, retired_keys=retired, clock=FakeClock())
        opened.append(office)
        return office

    yield make
    for office in opened:
        office.close()


def put_secret(office: Office, tenant: str, name: str, value: str) -> None:
    ciphertext = office.secrets.box.seal(value)
    office.store.run(lambda tx: tx.put_secret(tenant, name, ciphertext, None, 0.0, "test"))


def history(office: Office, n: int, actor: str) -> None:
    for i in range(n):
        run = office.engine.start("tiny", {"i": i}, actor=actor)
        office.engine.signal(run.id, "go", {}, actor=actor)
    office.engine.run_until_idle()


def test_a_key_change_keeps_everything_readable_and_rotate_moves_it_to_the_new_key(open_office: Any) -> None:
    old = open_office(OLD)
    old.engine.apply(WF, actor="user:designer")
    history(old, 3, "user:ada")
    put_secret(old, "default", "hook", "s3cret")
    old.accounts.create_api_key("acme", "intake", grants=["submitter"], actor="system")  # another chain
    old.audit.seal()

    alone = open_office(NEW)  # the new key without the old one: nothing old can be read
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        alone.secrets.get("default", "hook")
    assert not alone.audit.verify("default").ok

    mixed = open_office(NEW, retired=OLD)
    assert mixed.secrets.get("default", "hook") == "s3cret"
    history(old, 2, "user:late")  # a process not yet given the new key goes on writing
    history(mixed, 2, "user:bob")  # and one that has it
    assert mixed.audit.verify("default").ok, mixed.audit.verify("default").finding
    assert mixed.audit.verify("acme").ok

    done = rotate(mixed.audit, mixed.secrets, actor="cli:ops")
    assert done.secrets == 1
    assert done.refused == {}
    assert set(done.resigned) == {"default", "acme"}
    assert done.resigned["default"] > 20

    after = open_office(NEW)  # the old key is gone from the configuration
    assert after.secrets.get("default", "hook") == "s3cret"
    for tenant in ("default", "acme"):
        report = after.audit.verify(tenant)
        assert report.ok, report.finding
        assert report.unsealed == 0
    with after.store.read() as tx:
        rotated = tx.list_audit("default", action="keys.rotated", limit=5)
    assert [(e.actor, e.object_id) for e in rotated] == [("cli:ops", after.keyring.fingerprint)]
    assert f'"retired":["{keys.Keyring.from_secret(keys.parse(OLD)).fingerprint}"]' in (rotated[0].after or "")
    assert not open_office(OLD).audit.verify("default").ok  # the log is under the new key now

    with after.store.transaction() as tx:  # tampering is still found after the rotation
        tx._exec("UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND seq = 3")
    finding = after.audit.verify("default").finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("altered", 3)


def test_a_tampered_log_is_reported_and_not_signed_again(open_office: Any) -> None:
    old = open_office(OLD)
    old.engine.apply(WF, actor="user:designer")
    history(old, 3, "user:ada")
    put_secret(old, "default", "hook", "s3cret")
    old.audit.seal()
    with old.store.transaction() as tx:
        tx._exec("UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND seq = 4")

    mixed = open_office(NEW, retired=OLD)
    done = rotate(mixed.audit, mixed.secrets, actor="cli:ops")
    assert done.secrets == 1  # the secrets moved; the log did not
    assert set(done.refused) == {"default"}
    assert (done.refused["default"].kind, done.refused["default"].seq) == ("altered", 4)
    assert done.resigned == {}
    # left exactly as it was: the old key still finds the same alteration, the new key alone
    # cannot verify anything, and no rotation was recorded
    finding = open_office(OLD).audit.verify("default").finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("altered", 4)
    assert not open_office(NEW).audit.verify("default").ok
    with mixed.store.read() as tx:
        assert tx.list_audit("default", action="keys.rotated", limit=5) == []


def test_retired_keys_must_be_keys(open_office: Any) -> None:
    with pytest.raises(ConfigurationError, match="OFFICEFLOW_SECRET_KEYS_RETIRED"):
        open_office(NEW, retired=f"{OLD},not-a-key")

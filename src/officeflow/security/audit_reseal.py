"""Signing a tenant's whole audit chain again, in one transaction under the chain's lock.

Two operations need it: ``officeflow keys rotate`` (every entry, link and the head under the new
key) and the upgrade of a chain written in the first format (no nonces; see
officeflow.security.audit_chain), which the sealer does the first time it meets one. Either way
the chain is walked first, each entry verified under the key and format it was signed in; if
anything does not verify, nothing is written and ``ChainBroken`` says why: a tampered log is
never signed again into a valid one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

from officeflow.security.audit_chain import (
    Finding,
    check_chain,
    genesis,
    head_mac,
    link,
    row_mac,
    signed_by,
)
from officeflow.security.keys import Keyring
from officeflow.store.tx import Tx
from officeflow.store.tx_audit import AuditRow

BATCH = 1000


class ChainBroken(Exception):
    """The chain does not verify: it is left as it was."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def new_nonce() -> str:
    return secrets.token_hex(16)


def reseal(tx: Tx, keyring: Keyring, tenant: str, *, upgrade: bool = False) -> int:
    """Verify the sealed chain of ``tenant`` and sign every entry, link and the head again under
    the current key in the current format (entries without a nonce get one); returns how many
    entries. With ``upgrade`` (a chain of the first format), unsealed entries of that format that
    verify and are not copies get a nonce and a new MAC too, ready for the sealer. Raises
    ``ChainBroken`` (nothing written: the caller's transaction is undone) on any problem."""
    tx.lock_audit_chain(tenant)
    head = tx.audit_head(tenant)
    unsealed = _unsealed_of_first_format(tx, keyring, tenant) if upgrade else []  # before MACs change
    pending: list[tuple[int, str, str, str, str]] = []
    prev = genesis(keyring, tenant)
    count = 0

    def visit(row: AuditRow, _: Keyring) -> None:
        nonlocal prev, count
        nonce = row.nonce or new_nonce()
        mac = row_mac(keyring, row, nonce=nonce)
        count += 1
        current = link(keyring, prev, mac, count)
        pending.append((row.id, nonce, mac, prev, current))
        prev = current

    def rows() -> Iterator[AuditRow]:
        after = 0
        while True:
            page = tx.sealed_audit(tenant, after, BATCH)
            yield from page
            if pending:  # written as the walk goes (one transaction: a finding later undoes them)
                tx.resign_audit(pending)
                pending.clear()
            if len(page) < BATCH:
                return
            after = page[-1].seq or after

    walk = check_chain(keyring, tenant, head, rows(), visit, copies=tx.audit_copies(tenant), stop_at_first=True)
    if walk.first is not None:
        raise ChainBroken(walk.first)
    if count:
        tx.put_audit_head(tenant, count, prev, head_mac(keyring, tenant, count, prev), time.time())
    if unsealed:
        tx.set_audit_macs(unsealed)
    return count


def _unsealed_of_first_format(tx: Tx, keyring: Keyring, tenant: str) -> list[tuple[int, str, str]]:
    """Unsealed entries of the first format (written just before the upgrade): each that verifies
    and whose MAC no other entry has (a copy would) gets a nonce and a MAC of the new format;
    returns (id, nonce, mac) for each, to write once the chain verified."""
    out: list[tuple[int, str, str]] = []
    after = 0
    while True:
        page = tx.unsealed_audit(tenant, BATCH, after)
        for row in page:
            if row.nonce is not None or signed_by(keyring, row, version=1) is None:
                continue
            if len(tx.audit_with_mac(tenant, row.mac, 2)) > 1:
                continue  # a copy (or its original): left as it is, for verify to name
            nonce = new_nonce()
            out.append((row.id, nonce, row_mac(keyring, row, nonce=nonce)))
        if len(page) < BATCH:
            return out
        after = page[-1].id

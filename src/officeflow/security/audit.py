"""The tamper-evident audit log: append-only, one hash chain per tenant.

Appending is cheap and never serialises transactions: an entry is inserted in the same
transaction as the change it records, carrying ``mac = HMAC(audit key, content)``. A sealer
(running in every API and worker process, and before every verify or export) then takes the
tenant's unsealed entries in insertion order and chains them:
``hash(n) = HMAC(audit key, hash(n-1) || mac(n))``, numbering them 1, 2, 3... The chain head
(last number and hash) is kept, MACed, in ``of_audit_heads``.

Without the key nobody can write an entry that verifies. ``verify`` walks the chain and reports
the first entry that was altered (content no longer matches its MAC), inserted (an entry whose
MAC or chain link is wrong, sealed or not) or deleted (a gap in the numbers, or a chain shorter
than its head).
"""

from __future__ import annotations

import functools
import hmac
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from officeflow.jsonutil import dumps_or_none
from officeflow.security.keys import Keyring
from officeflow.store.base import Store
from officeflow.store.tx import Tx
from officeflow.store.tx_security import AuditRow

BATCH = 1000


def genesis(keyring: Keyring, tenant: str) -> str:
    return keyring.mac(keyring.audit, f"genesis:{tenant}".encode())


def canonical(
    tenant: str,
    at: float,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: str | None,
    after: str | None,
) -> bytes:
    return orjson.dumps([tenant, repr(float(at)), actor, action, object_type, object_id, before, after])


def entry(
    keyring: Keyring,
    *,
    tenant: str,
    at: float,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """An audit row ready for ``Tx.add_audit``, MACed under the audit key."""
    before_json, after_json = dumps_or_none(before), dumps_or_none(after)
    mac = keyring.mac(
        keyring.audit, canonical(tenant, at, actor, action, object_type, object_id, before_json, after_json)
    )
    return {
        "tenant": tenant,
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before_json,
        "after": after_json,
        "mac": mac,
    }


def record(
    tx: Tx,
    keyring: Keyring,
    *,
    tenant: str,
    at: float,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append an entry inside ``tx`` (sealed into the tenant's chain later)."""
    tx.add_audit(
        entry(
            keyring,
            tenant=tenant,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
    )


def row_mac(keyring: Keyring, row: AuditRow) -> str:
    return keyring.mac(
        keyring.audit,
        canonical(row.tenant, row.at, row.actor, row.action, row.object_type, row.object_id, row.before, row.after),
    )


def link(keyring: Keyring, prev_hash: str, mac: str) -> str:
    return keyring.mac(keyring.audit, f"{prev_hash}:{mac}".encode())


def head_mac(keyring: Keyring, tenant: str, seq: int, hash_: str) -> str:
    return keyring.mac(keyring.audit, f"head:{tenant}:{seq}:{hash_}".encode())


def signed_by(keyring: Keyring, row: AuditRow) -> Keyring | None:
    """The key (current or retired) under which the entry's MAC verifies, if any."""
    for key in keyring.all:
        if hmac.compare_digest(row.mac, row_mac(key, row)):
            return key
    return None


def check_chain(
    keyring: Keyring,
    tenant: str,
    head: tuple[int, str, str, float] | None,
    rows: Iterable[AuditRow],
    visit: Callable[[AuditRow], None] | None = None,
) -> tuple[int, Finding | None]:
    """Walk sealed entries in chain order against the head; (entries seen, first problem).
    Each entry must verify, MAC and link, under one known key (see ``signed_by``); ``visit``
    sees every entry that does."""
    head_seq = head[0] if head is not None else 0
    if head is not None and not any(
        hmac.compare_digest(head[2], head_mac(key, tenant, head[0], head[1])) for key in keyring.all
    ):
        return 0, Finding("altered", None, None, "the chain head was altered (its MAC does not verify)")
    expected, prev, count = 1, "", 0
    for row in rows:
        count += 1
        if row.seq != expected:
            message = f"entry {expected} is missing (the chain jumps from {expected - 1} to {row.seq})"
            return count, Finding("deleted", expected, None, message)
        key = signed_by(keyring, row)
        if key is None:
            return count, Finding(
                "altered",
                row.seq,
                row.id,
                f"entry {row.seq} ({row.action} {row.object_type} {row.object_id}) was altered: "
                "its content no longer matches its MAC",
            )
        if row.seq == 1:
            prev = genesis(key, tenant)
        if row.prev_hash != prev or not hmac.compare_digest(row.hash or "", link(key, prev, row.mac)):
            message = f"entry {row.seq} does not link to entry {row.seq - 1}: inserted or rewritten"
            return count, Finding("inserted", row.seq, row.id, message)
        if visit is not None:
            visit(row)
        prev, expected = row.hash or "", expected + 1
    if count < head_seq:
        message = f"entries {count + 1} to {head_seq} are missing (the head says {head_seq})"
        return count, Finding("deleted", count + 1, None, message)
    if count > head_seq:
        message = f"the chain continues past its head ({head_seq}): entries were inserted"
        return count, Finding("inserted", head_seq + 1, None, message)
    if head is not None and prev != head[1]:
        return count, Finding("altered", head_seq, None, "the last entry does not match the chain head")
    return count, None


@dataclass(frozen=True)
class Finding:
    kind: str
    """'altered', 'inserted' or 'deleted'"""
    seq: int | None
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Report:
    tenant: str
    entries: int
    head_seq: int
    unsealed: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


class AuditLog:
    def __init__(self, store: Store, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring

    def seal(self, tenant: str | None = None) -> int:
        """Chain every unsealed entry with a valid MAC; returns how many were sealed. Entries whose
        MAC does not verify (written without the key) are left unsealed for verify to report."""
        if tenant is None:
            with self.store.read() as tx:
                tenants = tx.tenants_with_unsealed_audit()
            return sum(self.seal(t) for t in tenants)
        total, after = 0, 0
        while True:
            fetched, sealed, after = self.store.run(functools.partial(self._seal_batch, tenant=tenant, after_id=after))
            total += sealed
            if fetched < BATCH:
                return total

    def _seal_batch(self, tx: Tx, *, tenant: str, after_id: int) -> tuple[int, int, int]:
        """Seal the next batch of unsealed entries after ``after_id``; (fetched, sealed, last id).
        An entry MACed with a retired key (by a process not yet given the new one) is MACed again
        with the current key first: a sealed entry and its link are always under one key."""
        tx.lock_audit_chain(tenant)
        head = tx.audit_head(tenant)
        seq, prev = (head[0], head[1]) if head else (0, genesis(self.keyring, tenant))
        rows = tx.unsealed_audit(tenant, BATCH, after_id)
        links: list[tuple[int, int, str, str]] = []
        remacs: list[tuple[int, str]] = []
        for row in rows:
            signer = signed_by(self.keyring, row)
            if signer is None:
                continue  # written without the key: left for verify to report
            mac = row.mac
            if signer is not self.keyring:
                mac = row_mac(self.keyring, row)
                remacs.append((row.id, mac))
            seq += 1
            current = link(self.keyring, prev, mac)
            links.append((row.id, seq, prev, current))
            prev = current
        sealed = len(links)
        if remacs:
            tx.set_audit_macs(remacs)
        if sealed:
            tx.seal_audit(links)
            tx.put_audit_head(tenant, seq, prev, head_mac(self.keyring, tenant, seq, prev), time.time())
        return len(rows), sealed, rows[-1].id if rows else after_id

    def verify(self, tenant: str) -> Report:
        """Walk the whole chain of ``tenant``; report the first problem found, if any. Entries
        sealed under a retired key (before ``officeflow keys rotate``) verify under it."""
        self.seal(tenant)
        with self.store.read() as tx:
            head = tx.audit_head(tenant)
            unsealed = tx.unsealed_audit(tenant, 100_000, 0)
        count, finding = check_chain(self.keyring, tenant, head, self._walk(tenant))
        if finding is None:
            for row in unsealed:
                if signed_by(self.keyring, row) is None:
                    finding = Finding(
                        "inserted",
                        None,
                        row.id,
                        f"entry id {row.id} ({row.action} {row.object_type} {row.object_id}) was "
                        "written without the audit key",
                    )
                    break
        return Report(tenant, count, head[0] if head else 0, len(unsealed), finding)

    def _walk(self, tenant: str) -> Iterator[AuditRow]:
        after = 0
        while True:
            with self.store.read() as tx:
                rows = tx.sealed_audit(tenant, after, BATCH)
            yield from rows
            if len(rows) < BATCH:
                return
            after = rows[-1].seq or after

    def export(self, tenant: str) -> Iterator[dict[str, Any]]:
        """Every sealed entry in chain order, then the chain head."""
        self.seal(tenant)
        for row in self._walk(tenant):
            yield {
                "seq": row.seq,
                "at": row.at,
                "actor": row.actor,
                "action": row.action,
                "object_type": row.object_type,
                "object_id": row.object_id,
                "before": orjson.loads(row.before) if row.before else None,
                "after": orjson.loads(row.after) if row.after else None,
                "mac": row.mac,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
        with self.store.read() as tx:
            head = tx.audit_head(tenant)
        yield {
            "head": {
                "tenant": tenant,
                "seq": head[0] if head else 0,
                "hash": head[1] if head else None,
                "mac": head[2] if head else None,
                "sealed_at": head[3] if head else None,
            }
        }

"""The tamper-evident audit log: append-only, one hash chain per tenant.

Appending is cheap and never serialises transactions: an entry is inserted in the same
transaction as the change it records, with a random nonce and ``mac = HMAC(audit key, nonce,
content)``. A sealer (running in every API and worker process, and before every verify or
export) then takes the tenant's unsealed entries in insertion order and chains them:
``hash(n) = HMAC(audit key, n, hash(n-1), mac(n))``, numbering them 1, 2, 3... The chain head
(last number and hash) is kept, MACed, in ``of_audit_heads``. The formats, and how a walk tells
problems apart, are in officeflow.security.audit_chain.

Without the key nobody can write an entry that verifies, and an entry copied (nonce and all) is
a duplicate: the sealer leaves it out. ``verify`` walks the chain and reports every entry that
was altered (content no longer matches its MAC), copied, moved (swapped, reordered), inserted or
deleted (a gap in the numbers, or a chain shorter than its head); given a head recorded elsewhere
(``officeflow audit head``), it also finds a log that was deleted or replaced as a whole.

What it cannot see: entries deleted or reordered before they are sealed (the sealer runs every
0.25 s), and a log deleted together with its head, unless a head was recorded outside the
database (docs/security.md).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog

from officeflow.jsonutil import dumps_or_none
from officeflow.security.audit_chain import (
    Copies,
    Finding,
    Head,
    canonical,
    chain_version,
    check_chain,
    describe,
    genesis,
    head_mac,
    link,
    row_mac,
    signed_by,
)
from officeflow.security.audit_reseal import ChainBroken, new_nonce, reseal
from officeflow.security.keys import Keyring
from officeflow.store.base import Store
from officeflow.store.records import NewAuditEntry
from officeflow.store.tx import Tx
from officeflow.store.tx_audit import AuditRow

BATCH = 1000
log = structlog.get_logger("officeflow.audit")

__all__ = ["BATCH", "AuditLog", "Finding", "RecordedHead", "Report", "entry", "record"]


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
) -> NewAuditEntry:
    """An audit entry ready for ``Tx.add_audit``: a fresh nonce, MACed under the audit key."""
    before_json, after_json = dumps_or_none(before), dumps_or_none(after)
    nonce = new_nonce()
    mac = keyring.mac(
        keyring.audit, canonical(tenant, at, actor, action, object_type, object_id, before_json, after_json, nonce)
    )
    return NewAuditEntry(
        tenant=tenant,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before_json,
        after=after_json,
        mac=mac,
        nonce=nonce,
    )


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


@dataclass(frozen=True)
class RecordedHead:
    """A chain head written down outside the database (``officeflow audit head``)."""

    seq: int
    hash: str
    sealed_at: float | None = None

    @classmethod
    def parse(cls, text: str) -> RecordedHead:
        """From ``audit head`` output, an export (its last line) or ``{"seq": .., "hash": ..}``;
        raises ValueError saying what is wrong."""
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValueError("the recorded head is empty")
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:  # an export: JSON lines, the head last
                data = orjson.loads(lines[-1])
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"the recorded head is not JSON: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("head"), dict):
            data = data["head"]
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int) or not isinstance(data.get("hash"), str):
            raise ValueError('the recorded head has no "seq" (a number) and "hash" (text)')
        at = data.get("sealed_at")
        return cls(data["seq"], data["hash"], at if isinstance(at, int | float) else None)


@dataclass(frozen=True)
class Report:
    tenant: str
    entries: int
    head_seq: int
    unsealed: int
    findings: tuple[Finding, ...] = field(default=())
    """every problem found (at most 20), in chain order"""

    @property
    def finding(self) -> Finding | None:
        """The first problem found."""
        return self.findings[0] if self.findings else None

    @property
    def ok(self) -> bool:
        return not self.findings


class AuditLog:
    def __init__(self, store: Store, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring
        self._refused: set[str] = set()
        """tenants whose chain could not be upgraded (logged once)"""

    def seal(self, tenant: str | None = None) -> int:
        """Chain every unsealed entry with a valid MAC and a nonce no other entry has; returns how
        many were sealed. Entries whose MAC does not verify (written without the key) and copies
        are left unsealed for verify to report. A chain of the first format is signed again in
        the current one first (officeflow.security.audit_reseal); one that does not verify is
        left as it is, and nothing more is sealed into it."""
        if tenant is None:
            with self.store.read() as tx:
                tenants = tx.tenants_with_unsealed_audit()
            return sum(self.seal(t) for t in tenants)
        try:
            self.store.run(functools.partial(self._upgrade, tenant=tenant))
        except ChainBroken as broken:
            if tenant not in self._refused:
                self._refused.add(tenant)
                log.error("the audit chain does not verify; nothing is sealed into it", tenant=tenant, why=str(broken))
            return 0
        total, after = 0, 0
        while True:
            fetched, sealed, after = self.store.run(functools.partial(self._seal_batch, tenant=tenant, after_id=after))
            total += sealed
            if fetched < BATCH:
                return total

    def _upgrade(self, tx: Tx, *, tenant: str) -> None:
        """Sign a chain of the first format again in the current one (under the chain's lock)."""
        head = tx.audit_head(tenant)
        version = chain_version(self.keyring, tenant, head)
        legacy = version == 1 or (head is None and tx.audit_has_unnonced(tenant) and not tx.audit_has_sealed(tenant))
        if version is None:
            raise ChainBroken(Finding("altered", None, None, "the chain head was altered (its MAC does not verify)"))
        if legacy:
            count = reseal(tx, self.keyring, tenant, upgrade=True)
            log.info("audit chain signed again in the current format", tenant=tenant, entries=count)

    def _seal_batch(self, tx: Tx, *, tenant: str, after_id: int) -> tuple[int, int, int]:
        """Seal the next batch of unsealed entries after ``after_id``; (fetched, sealed, last id).
        An entry MACed with a retired key (by a process not yet given the new one) is MACed again
        with the current key first: a sealed entry and its link are always under one key."""
        tx.lock_audit_chain(tenant)
        head = tx.audit_head(tenant)
        if chain_version(self.keyring, tenant, head) != 2:
            return 0, 0, after_id  # changed since the upgrade check: the next round sees to it
        seq, prev = (head[0], head[1]) if head else (0, genesis(self.keyring, tenant))
        rows = tx.unsealed_audit(tenant, BATCH, after_id)
        taken = tx.audit_nonces_taken(tenant, [r.nonce for r in rows if r.nonce])
        links: list[tuple[int, int, str, str]] = []
        remacs: list[tuple[int, str, str]] = []
        for row in rows:
            signer = signed_by(self.keyring, row)
            if signer is None or row.nonce is None or row.nonce in taken:
                continue  # written without the key, or a copy: left for verify to report
            taken.add(row.nonce)
            mac = row.mac
            if signer is not self.keyring:
                mac = row_mac(self.keyring, row)
                remacs.append((row.id, row.nonce, mac))
            seq += 1
            current = link(self.keyring, prev, mac, seq)
            links.append((row.id, seq, prev, current))
            prev = current
        if remacs:
            tx.set_audit_macs(remacs)
        if links:
            tx.seal_audit(links)
            tx.put_audit_head(tenant, seq, prev, head_mac(self.keyring, tenant, seq, prev), time.time())
        return len(rows), len(links), rows[-1].id if rows else after_id

    def verify(self, tenant: str, recorded: RecordedHead | None = None) -> Report:
        """Walk the whole chain of ``tenant`` and report every problem found (see the module).
        Entries sealed under a retired key (before ``officeflow keys rotate``) verify under it.
        ``recorded``: a head written down earlier, which the chain must still hold."""
        self.seal(tenant)
        with self.store.read() as tx:
            head = tx.audit_head(tenant)
            unsealed = tx.unsealed_audit(tenant, 100_000, 0)
            copies = tx.audit_copies(tenant)
        walk = check_chain(self.keyring, tenant, head, self._walk(tenant), copies=copies)
        findings = list(walk.findings)
        for row in unsealed:
            if len(findings) >= 20:
                break
            problem = self._unsealed_problem(row, copies, walk.version)
            if problem is not None:
                findings.append(problem)
        if recorded is not None:
            problem = self._recorded_problem(tenant, head, recorded)
            if problem is not None:
                findings.append(problem)
        return Report(tenant, walk.entries, head[0] if head else 0, len(unsealed), tuple(findings))

    def _unsealed_problem(self, row: AuditRow, copies: Copies, version: int | None) -> Finding | None:
        """Why an entry the sealer left out was left out (None: it was written a moment ago, or
        waits in a chain of the first format that could not be signed again)."""
        what = f"entry id {row.id} ({describe(row)})"
        if row.nonce is not None and row.nonce in copies:
            sealed = [seq for entry_id, seq in copies[row.nonce] if entry_id != row.id and seq is not None]
            of = f"entry {sealed[0]}" if sealed else "another entry"
            return Finding("duplicate", None, row.id, f"{what} is a copy of {of} (the same nonce); it is not sealed")
        if signed_by(self.keyring, row) is not None or (version == 1 and signed_by(self.keyring, row, 1)):
            return None
        with self.store.read() as tx:
            same = [r for r in tx.audit_with_mac(row.tenant, row.mac) if r.id != row.id]
        if same:
            of = f"entry {same[0].seq}" if same[0].seq is not None else f"entry id {same[0].id}"
            return Finding("duplicate", None, row.id, f"{what} is a copy of {of} (the same MAC); it is not sealed")
        if row.nonce is None and signed_by(self.keyring, row, version=1) is not None:
            return Finding(
                "inserted",
                None,
                row.id,
                f"{what} is an entry of the first format, written into the current chain: replayed",
            )
        return Finding("inserted", None, row.id, f"{what} was written without the audit key")

    def _recorded_problem(self, tenant: str, head: Head | None, recorded: RecordedHead) -> Finding | None:
        with self.store.read() as tx:
            found = tx.sealed_audit(tenant, recorded.seq - 1, 1) if recorded.seq > 0 else []
        entry_there = found[0] if found and found[0].seq == recorded.seq else None
        if entry_there is not None and entry_there.hash == recorded.hash:
            return None
        when = (
            time.strftime("at %Y-%m-%d %H:%M:%S UTC", time.gmtime(recorded.sealed_at))
            if recorded.sealed_at
            else "earlier"
        )
        now = head[0] if head else 0
        why = (
            f"the chain now ends at entry {now}"
            if entry_there is None
            else f"entry {recorded.seq} now has another hash (the log was replaced, or signed again by keys rotate)"
        )
        return Finding(
            "deleted",
            recorded.seq,
            None,
            f"the head recorded {when} (entry {recorded.seq}) is not in the chain: {why}",
        )

    def _walk(self, tenant: str) -> Iterator[AuditRow]:
        after = 0
        while True:
            with self.store.read() as tx:
                rows = tx.sealed_audit(tenant, after, BATCH)
            yield from rows
            if len(rows) < BATCH:
                return
            after = rows[-1].seq or after

    def head(self, tenant: str) -> dict[str, Any]:
        """The chain head after sealing what is waiting: write it down outside the database."""
        self.seal(tenant)
        return self._head(tenant)

    def _head(self, tenant: str) -> dict[str, Any]:
        with self.store.read() as tx:
            head = tx.audit_head(tenant)
        return {
            "tenant": tenant,
            "seq": head[0] if head else 0,
            "hash": head[1] if head else None,
            "mac": head[2] if head else None,
            "sealed_at": head[3] if head else None,
        }

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
                "nonce": row.nonce,
                "mac": row.mac,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
        yield {"head": self._head(tenant)}

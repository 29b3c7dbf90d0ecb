"""The audit chain's MACs and its walk: what binds an entry to its identity and its place, and
how a walk tells altered, copied, moved and deleted entries apart.

Format 2 (every entry written since the nonce column exists, and every older one once its chain
is sealed again):

- an entry's MAC covers its content *and a random nonce* drawn when it is written:
  ``mac = HMAC(k, ["v2", tenant, nonce, at, actor, action, object, before, after])``;
  the nonce is unique per tenant (an index, and a check when sealing), so a copy of an entry,
  nonce and all, is a duplicate that the sealer leaves out and ``verify`` names;
- the link binds the MAC to its place: ``hash(n) = HMAC(k, "v2:" n ":" hash(n-1) ":" mac(n))``;
- the head: ``HMAC(k, "head2:" tenant ":" n ":" hash(n))``.

Format 1 (no nonce, no position in the link) is read only to carry a chain written before over
to format 2 (officeflow.security.audit_reseal); a chain is in the format its head is MACed in.

The walk goes through the sealed entries in chain order, keeps going after a problem, and
describes each one: an entry whose content does not match its MAC was *altered*; a number
missing from the sequence means entries were *deleted*; an entry whose nonce another entry also
has is a *duplicate* (a copy); an entry with a valid MAC in a place whose link it does not fit is
*moved*, and the walk pairs such entries with the places they fit (two that fit each other's
places were *swapped*, more in a cycle were *reordered*); what fits nowhere was *inserted*.
Memory stays bounded: only entries that do not fit are kept (at most ``MAX_SUSPECTS``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import orjson

from officeflow.security.keys import Keyring
from officeflow.store.tx_audit import AuditRow

MAX_FINDINGS = 20
MAX_SUSPECTS = 1000
Head = tuple[int, str, str, float]
"""(seq, hash, mac, sealed_at) as the store keeps a chain's head"""


@dataclass(frozen=True)
class Finding:
    kind: str
    """'altered', 'inserted', 'deleted', 'duplicate' or 'moved'"""
    seq: int | None
    entry_id: int | None
    message: str


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
    nonce: str | None = None,
) -> bytes:
    """The bytes an entry's MAC covers: format 2 with a nonce, format 1 without."""
    content = [repr(float(at)), actor, action, object_type, object_id, before, after]
    if nonce is None:
        return orjson.dumps([tenant, *content])
    return orjson.dumps(["v2", tenant, nonce, *content])


def row_mac(keyring: Keyring, row: AuditRow, *, nonce: str | None = None) -> str:
    """The MAC of ``row`` under ``keyring`` (format 2 with ``nonce`` or the row's own nonce)."""
    return keyring.mac(
        keyring.audit,
        canonical(
            row.tenant,
            row.at,
            row.actor,
            row.action,
            row.object_type,
            row.object_id,
            row.before,
            row.after,
            nonce or row.nonce,
        ),
    )


def link(keyring: Keyring, prev_hash: str, mac: str, seq: int, version: int = 2) -> str:
    text = f"v2:{seq}:{prev_hash}:{mac}" if version == 2 else f"{prev_hash}:{mac}"
    return keyring.mac(keyring.audit, text.encode())


def head_mac(keyring: Keyring, tenant: str, seq: int, hash_: str, version: int = 2) -> str:
    tag = "head2" if version == 2 else "head"
    return keyring.mac(keyring.audit, f"{tag}:{tenant}:{seq}:{hash_}".encode())


def chain_version(keyring: Keyring, tenant: str, head: Head | None) -> int | None:
    """The format a chain's head is MACed in (2 for a tenant without a head), None if neither."""
    if head is None:
        return 2
    for version in (2, 1):
        if any(hmac.compare_digest(head[2], head_mac(k, tenant, head[0], head[1], version)) for k in keyring.all):
            return version
    return None


def signed_by(keyring: Keyring, row: AuditRow, version: int = 2) -> Keyring | None:
    """The key (current or retired) under which the entry's MAC verifies in ``version``'s format
    (format 2 entries have a nonce, format 1 entries none), if any."""
    if (row.nonce is None) != (version == 1):
        return None
    for key in keyring.all:
        if hmac.compare_digest(row.mac, row_mac(key, row)):
            return key
    return None


def describe(row: AuditRow) -> str:
    return f"{row.action} {row.object_type} {row.object_id}"


@dataclass(frozen=True)
class _Suspect:
    """A sealed entry with a valid MAC that does not fit its place."""

    row: AuditRow
    key: Keyring
    own_link: bool
    """its stored link checks out for its stored number: sealed here, a neighbour changed"""
    after_gap: bool
    """numbers are missing right before it"""


@dataclass
class Walk:
    """What a walk of a chain found."""

    entries: int = 0
    findings: list[Finding] = field(default_factory=list)
    version: int | None = 2

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None


Copies = Mapping[str, Sequence[tuple[int, int | None]]]
"""nonce -> (id, seq) of each entry holding it, for nonces held by more than one entry"""


def check_chain(
    keyring: Keyring,
    tenant: str,
    head: Head | None,
    rows: Iterable[AuditRow],
    visit: Callable[[AuditRow, Keyring], None] | None = None,
    *,
    copies: Copies | None = None,
    stop_at_first: bool = False,
) -> Walk:
    """Walk sealed entries in chain order against the head and describe every problem (see the
    module). ``visit`` sees each entry that verifies and fits its place, with its key.
    ``stop_at_first`` ends the walk at the first problem (for re-sealing, which refuses any)."""
    walk = Walk(version=chain_version(keyring, tenant, head))
    if walk.version is None:
        walk.add(Finding("altered", None, None, "the chain head was altered (its MAC does not verify)"))
        return walk
    version = walk.version
    copies = copies or {}
    expected, prev = 1, genesis(keyring, tenant)
    suspects: list[_Suspect] = []
    altered: dict[int, AuditRow] = {}
    for row in rows:
        walk.entries += 1
        seq = row.seq or 0
        gap = seq != expected
        if gap:
            missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected} to {seq - 1} are"
            walk.add(
                Finding("deleted", expected, None, f"{missing} missing (the chain jumps from {expected - 1} to {seq})")
            )
        key = signed_by(keyring, row, version)
        if seq == 1 and key is not None:
            prev = genesis(key, tenant)  # a chain begun under a retired key begins under it
        if key is None:
            altered[seq] = row
            walk.add(
                Finding(
                    "altered",
                    seq,
                    row.id,
                    f"entry {seq} ({describe(row)}) was altered: its content no longer matches its MAC",
                )
            )
        elif row.prev_hash == prev and hmac.compare_digest(row.hash or "", link(key, prev, row.mac, seq, version)):
            if visit is not None:
                visit(row, key)
        else:
            own = hmac.compare_digest(row.hash or "", link(key, row.prev_hash or "", row.mac, seq, version))
            if len(suspects) < MAX_SUSPECTS:
                suspects.append(_Suspect(row, key, own, gap))
            if stop_at_first:
                walk.add(
                    Finding("inserted", seq, row.id, f"entry {seq} does not link to entry {seq - 1}: moved or inserted")
                )
        if stop_at_first and walk.findings:
            return walk
        prev, expected = row.hash or "", seq + 1
    ending = _explain(suspects, altered, copies, version)
    ending.extend(_against_head(expected - 1, prev, head))
    for finding in ending:
        walk.add(finding)
    walk.findings.sort(key=lambda f: f.seq if f.seq is not None else 0)
    return walk


def _against_head(last: int, prev: str, head: Head | None) -> list[Finding]:
    """What the walk's end (the last entry's number and link) says against the chain head: entries
    missing at the end, entries past the head, or a last entry that does not match it."""
    head_seq = head[0] if head is not None else 0
    if last < head_seq:
        return [
            Finding(
                "deleted", last + 1, None, f"entries {last + 1} to {head_seq} are missing (the head says {head_seq})"
            )
        ]
    if last > head_seq:
        return [
            Finding(
                "inserted", head_seq + 1, None, f"the chain continues past its head ({head_seq}): entries were inserted"
            )
        ]
    if head is not None and prev != head[1]:
        return [Finding("altered", head_seq, None, "the last entry does not match the chain head")]
    return []


def _explain(suspects: list[_Suspect], altered: dict[int, AuditRow], copies: Copies, version: int) -> list[Finding]:
    """Findings for the entries that verify but do not fit their place: copies, moved entries
    (paired with the places they fit: swapped, reordered, renumbered), and what fits nowhere."""
    slots = {**altered, **{s.row.seq or 0: s.row for s in suspects}}
    belongs = _places(suspects, slots, copies, version)
    findings, moved = _moves(belongs, slots)
    for suspect in suspects:
        if (suspect.row.seq or 0) not in moved:
            findings.extend(_misfit(suspect, belongs, moved, copies))
    return findings


def _places(suspects: list[_Suspect], slots: dict[int, AuditRow], copies: Copies, version: int) -> dict[int, int]:
    """seq -> the place a suspect entry was sealed for (its content or its row links there)."""
    belongs: dict[int, int] = {}
    for suspect in suspects:
        row, seq = suspect.row, suspect.row.seq or 0
        if row.nonce in copies or suspect.own_link:
            continue
        for place, slot in slots.items():
            if place == seq:
                continue
            content_moved = hmac.compare_digest(
                slot.hash or "", link(suspect.key, slot.prev_hash or "", row.mac, place, version)
            )
            row_moved = hmac.compare_digest(
                row.hash or "", link(suspect.key, row.prev_hash or "", row.mac, place, version)
            )
            if content_moved or row_moved:
                belongs[seq] = place
                break
    return belongs


def _moves(belongs: dict[int, int], slots: dict[int, AuditRow]) -> tuple[list[Finding], set[int]]:
    """The closed cycles of moved entries (swapped, reordered), and the entries they hold."""
    findings: list[Finding] = []
    moved: set[int] = set()
    for start in sorted(belongs):
        cycle, place = [start], belongs[start]
        while place in belongs and place not in cycle:
            cycle.append(place)
            place = belongs[place]
        if place != start or start in moved:
            continue
        moved.update(cycle)
        numbers = sorted(cycle)
        if len(numbers) == 2:
            what = f"entries {numbers[0]} and {numbers[1]} were swapped"
        else:
            what = f"entries {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} were reordered"
        where = "; ".join(f"entry {n} belongs at {belongs[n]}" for n in numbers)
        findings.append(Finding("moved", numbers[0], slots[numbers[0]].id, f"{what} ({where})"))
    return findings, moved


def _misfit(suspect: _Suspect, belongs: dict[int, int], moved: set[int], copies: Copies) -> list[Finding]:
    """What a suspect entry outside the moved cycles is: a copy, an entry sealed for another place,
    one whose neighbour moved, or an inserted (rewritten) one."""
    row, seq = suspect.row, suspect.row.seq or 0
    if row.nonce is not None and row.nonce in copies:
        others = [s for i, s in copies[row.nonce] if i != row.id and s != seq]
        of = f"entry {others[0]}" if others and others[0] is not None else "another entry"
        return [Finding("duplicate", seq, row.id, f"entry {seq} ({describe(row)}) is a copy of {of} (the same nonce)")]
    if seq in belongs:
        return [Finding("moved", seq, row.id, f"entry {seq} ({describe(row)}) was sealed as entry {belongs[seq]}")]
    if suspect.own_link:
        if not suspect.after_gap and seq - 1 not in moved and seq - 1 not in belongs:
            return [Finding("moved", seq, row.id, f"entry {seq} does not follow entry {seq - 1}: entries were moved")]
        return []
    return [
        Finding(
            "inserted",
            seq,
            row.id,
            f"entry {seq} ({describe(row)}) does not link to entry {seq - 1}: inserted or rewritten",
        )
    ]

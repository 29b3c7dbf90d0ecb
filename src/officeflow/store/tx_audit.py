"""The audit log's rows and queries: entries appended unsealed, chained by the sealer
(officeflow.security.audit), walked in chain order, and the queries that find copies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.store import schema
from officeflow.store.records import NEW_AUDIT, NewAuditEntry
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditRow:
    id: int
    tenant: str
    at: float
    actor: str
    action: str
    object_type: str
    object_id: str
    before: str | None
    after: str | None
    mac: str
    seq: int | None
    prev_hash: str | None
    hash: str | None
    nonce: str | None = None
    """random, unique per tenant, covered by the MAC (None: an entry in the first format)"""


AUDIT = RowMap(schema.audit, AuditRow)
AUDIT_COLUMNS = AUDIT.select
"""The columns of an :class:`AuditRow` (the map's; for queries of the log outside this module)."""
_audit = AUDIT.load
"""An :class:`AuditRow` from a row read as ``SELECT {AUDIT.select}``."""


class AuditMixin(TxBase):
    def add_audit(self, entry: NewAuditEntry) -> None:
        """Append an (unsealed) audit entry; buffered with the transaction's other writes."""
        self.buffer.audit.append(NEW_AUDIT.params(entry))

    def unsealed_audit(self, tenant: str, limit: int, after_id: int = 0) -> list[AuditRow]:
        rows = self._all(
            f"SELECT {AUDIT.select} FROM of_audit WHERE tenant = :t AND seq IS NULL AND id > :a ORDER BY id LIMIT :n",
            {"t": tenant, "n": limit, "a": after_id},
        )
        return AUDIT.load_all(rows)

    def audit_tenants(self) -> list[str]:
        """Tenants whose audit log has a sealed chain."""
        return [tenant for (tenant,) in self._all("SELECT tenant FROM of_audit_heads ORDER BY tenant")]

    def tenants_with_unsealed_audit(self) -> list[str]:
        return [tenant for (tenant,) in self._all("SELECT DISTINCT tenant FROM of_audit WHERE seq IS NULL")]

    def lock_audit_chain(self, tenant: str) -> None:
        """Serialise sealing of one tenant's chain (a no-op on SQLite, whose writers are serial)."""
        if self.dialect.name == "postgresql":
            self._exec("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))", {"k": f"of_audit:{tenant}"})

    def audit_head(self, tenant: str) -> tuple[int, str, str, float] | None:
        row = self._one("SELECT seq, hash, mac, sealed_at FROM of_audit_heads WHERE tenant = :t", {"t": tenant})
        if row is None:
            return None
        seq, hash_, mac, sealed_at = row
        return int(seq), hash_, mac, sealed_at

    def seal_audit(self, links: Sequence[tuple[int, int, str, str]]) -> None:
        """Chain entries: (id, seq, previous hash, hash) each, sent together."""
        self._many(
            "UPDATE of_audit SET seq = :s, prev_hash = :p, hash = :h WHERE id = :id AND seq IS NULL",
            ({"id": entry_id, "s": seq, "p": prev_hash, "h": hash_} for entry_id, seq, prev_hash, hash_ in links),
        )

    def set_audit_macs(self, macs: Sequence[tuple[int, str, str]]) -> None:
        """Unsealed entries MACed again under the current key: (id, nonce, mac) each."""
        self._many(
            "UPDATE of_audit SET nonce = :n, mac = :m WHERE id = :id AND seq IS NULL",
            ({"id": entry_id, "n": nonce, "m": mac} for entry_id, nonce, mac in macs),
        )

    def resign_audit(self, entries: Sequence[tuple[int, str, str, str, str]]) -> None:
        """Sealed entries signed again under the current key: (id, nonce, mac, previous hash,
        hash) each."""
        self._many(
            "UPDATE of_audit SET nonce = :n, mac = :m, prev_hash = :p, hash = :h WHERE id = :id AND seq IS NOT NULL",
            (
                {"id": entry_id, "n": nonce, "m": mac, "p": prev, "h": hash_}
                for entry_id, nonce, mac, prev, hash_ in entries
            ),
        )

    def put_audit_head(self, tenant: str, seq: int, hash_: str, mac: str, now: float) -> None:
        self._exec(
            "INSERT INTO of_audit_heads (tenant, seq, hash, mac, sealed_at) VALUES (:t, :s, :h, :m, :now) "
            "ON CONFLICT (tenant) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac, "
            "sealed_at = excluded.sealed_at",
            {"t": tenant, "s": seq, "h": hash_, "m": mac, "now": now},
        )

    def sealed_audit(self, tenant: str, after_seq: int, limit: int) -> list[AuditRow]:
        rows = self._all(
            f"SELECT {AUDIT.select} FROM of_audit WHERE tenant = :t AND seq > :s ORDER BY seq LIMIT :n",
            {"t": tenant, "s": after_seq, "n": limit},
        )
        return AUDIT.load_all(rows)

    def audit_has_sealed(self, tenant: str) -> bool:
        return (
            self._one("SELECT 1 FROM of_audit WHERE tenant = :t AND seq IS NOT NULL LIMIT 1", {"t": tenant}) is not None
        )

    def audit_has_unnonced(self, tenant: str) -> bool:
        """Whether any entry of ``tenant`` lacks a nonce (written in the first format)."""
        return (
            self._one("SELECT 1 FROM of_audit WHERE tenant = :t AND nonce IS NULL LIMIT 1", {"t": tenant}) is not None
        )

    def audit_nonces_taken(self, tenant: str, nonces: Sequence[str]) -> set[str]:
        """Which of ``nonces`` a sealed entry of ``tenant`` already has."""
        if not nonces:
            return set()
        params: dict[str, Any] = {"t": tenant}
        among = self._in("nonce", "n", list(nonces), params)
        rows = self._all(f"SELECT nonce FROM of_audit WHERE tenant = :t AND seq IS NOT NULL AND {among}", params)
        return {nonce for (nonce,) in rows}

    def audit_copies(self, tenant: str) -> dict[str, list[tuple[int, int | None]]]:
        """Nonces that more than one entry of ``tenant`` has, with those entries (id, seq)."""
        rows = self._all(
            "SELECT nonce, id, seq FROM of_audit WHERE tenant = :t AND nonce IN "
            "(SELECT nonce FROM of_audit WHERE tenant = :t AND nonce IS NOT NULL GROUP BY nonce HAVING COUNT(*) > 1) "
            "ORDER BY id",
            {"t": tenant},
        )
        out: dict[str, list[tuple[int, int | None]]] = {}
        for nonce, entry_id, seq in rows:
            out.setdefault(nonce, []).append((int(entry_id), None if seq is None else int(seq)))
        return out

    def audit_with_mac(self, tenant: str, mac: str, limit: int = 5) -> list[AuditRow]:
        """Entries of ``tenant`` with this MAC (a scan: for explaining a refused entry)."""
        rows = self._all(
            f"SELECT {AUDIT.select} FROM of_audit WHERE tenant = :t AND mac = :m ORDER BY id LIMIT :n",
            {"t": tenant, "m": mac, "n": limit},
        )
        return AUDIT.load_all(rows)

    def list_audit(
        self,
        tenant: str,
        *,
        action: str | None = None,
        actor: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditRow]:
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant, "n": limit}
        for name, value, clause in (
            ("action", action, "action = :action"),
            ("actor", actor, "actor = :actor"),
            ("object_type", object_type, "object_type = :object_type"),
            ("object_id", object_id, "object_id = :object_id"),
            ("since", since, "at >= :since"),
            ("until", until, "at < :until"),
            ("before_id", before_id, "id < :before_id"),
        ):
            if value is not None:
                where.append(clause)
                params[name] = value
        rows = self._all(
            f"SELECT {AUDIT.select} FROM of_audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT :n", params
        )
        return AUDIT.load_all(rows)

"""Decision tables: immutable versions per tenant, and how often each of their rows matched.

A version is stored once (``insert_decision_table`` refuses nothing and overwrites nothing: a
second insert of the same key is a no-op its caller learns of). Hit counts are added by the
``rules`` step inside the engine's transaction, as upserts in one order (table, row) so that two
transactions adding to the same rows never wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from officeflow.store import schema
from officeflow.store.codec import JSON_TUPLE
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionTableRecord:
    """One stored version of a decision model, with its source."""

    tenant: str
    name: str
    version: int
    format: str
    """``dmn`` or ``yaml``."""
    digest: str
    """SHA-256 of the source as pushed."""
    title: str | None
    decisions: tuple[str, ...]
    """The model's decision names, in the model's order."""
    source: str
    created_at: float
    created_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionTableHead:
    """A stored version without its source: what the ``rules`` step reads on every evaluation."""

    tenant: str
    name: str
    version: int
    format: str
    digest: str
    title: str | None
    decisions: tuple[str, ...]
    created_at: float
    created_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionHit:
    """How often one row of one table of a version matched."""

    tenant: str
    name: str
    version: int
    table_id: str
    rule: int
    decision: str
    hits: int
    last_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RowHit:
    """One matched row to count: the table id, the row number (from 1), its decision."""

    table_id: str
    rule: int
    decision: str


DECISION_TABLES = RowMap(schema.decision_tables, DecisionTableRecord, codecs={"decisions": JSON_TUPLE})
DECISION_TABLE_HEADS = RowMap(
    schema.decision_tables, DecisionTableHead, codecs={"decisions": JSON_TUPLE}, omit=("source",)
)
DECISION_HITS = RowMap(schema.decision_hits, DecisionHit)

_INSERT = DECISION_TABLES.insert("ON CONFLICT DO NOTHING")
_KEY = "tenant = :t AND name = :n"
_HIT_COLUMNS = "tenant, name, version, table_id, rule, decision, hits, last_at"


@cache
def _hits_upsert(rows: int) -> str:
    values = ", ".join(f"(:t, :n, :v, :table{i}, :rule{i}, :decision{i}, :hits{i}, :at)" for i in range(rows))
    return (
        f"INSERT INTO of_decision_hits ({_HIT_COLUMNS}) VALUES {values} "
        "ON CONFLICT (tenant, name, version, table_id, rule) DO UPDATE SET "
        "hits = of_decision_hits.hits + excluded.hits, last_at = excluded.last_at"
    )


_EVALUATIONS_UPSERT = (
    "INSERT INTO of_decision_evaluations (tenant, name, version, evaluations, last_at) VALUES (:t, :n, :v, 1, :at) "
    "ON CONFLICT (tenant, name, version) DO UPDATE SET "
    "evaluations = of_decision_evaluations.evaluations + 1, last_at = excluded.last_at"
)


class RulesMixin(TxBase):
    def insert_decision_table(self, record: DecisionTableRecord) -> bool:
        """Insert a version; False when (tenant, name, version) exists already."""
        return self._count(_INSERT, DECISION_TABLES.params(record)) == 1

    def get_decision_table(self, tenant: str, name: str, version: int | None = None) -> DecisionTableRecord | None:
        """A version with its source (the latest when ``version`` is None)."""
        row = self._one(*_version_query(DECISION_TABLES.select, tenant, name, version))
        return DECISION_TABLES.load(row) if row else None

    def decision_table_head(self, tenant: str, name: str, version: int | None = None) -> DecisionTableHead | None:
        """A version without its source (the latest when ``version`` is None)."""
        row = self._one(*_version_query(DECISION_TABLE_HEADS.select, tenant, name, version))
        return DECISION_TABLE_HEADS.load(row) if row else None

    def list_decision_tables(self, tenant: str, name: str | None = None) -> list[DecisionTableHead]:
        """Every version (of ``name``, or of every table), by name then version."""
        params: dict[str, object] = {"t": tenant}
        where = "tenant = :t"
        if name is not None:
            where += " AND name = :n"
            params["n"] = name
        rows = self._all(
            f"SELECT {DECISION_TABLE_HEADS.select} FROM of_decision_tables WHERE {where} ORDER BY name, version",
            params,
        )
        return DECISION_TABLE_HEADS.load_all(rows)

    def add_decision_hits(self, tenant: str, name: str, version: int, rows: Sequence[RowHit], at: float) -> None:
        """Count one evaluation of a version and one hit for each matched row (a row matched
        twice in one evaluation, in a table a knowledge model calls twice, counts twice)."""
        params: dict[str, object] = {"t": tenant, "n": name, "v": version, "at": at}
        self._exec(_EVALUATIONS_UPSERT, params, flush=False)
        counted: dict[tuple[str, int], tuple[str, int]] = {}
        for row in rows:
            decision, hits = counted.get((row.table_id, row.rule), (row.decision, 0))
            counted[(row.table_id, row.rule)] = (decision, hits + 1)
        if not counted:
            return
        for i, ((table_id, rule), (decision, hits)) in enumerate(sorted(counted.items())):
            params |= {f"table{i}": table_id, f"rule{i}": rule, f"decision{i}": decision, f"hits{i}": hits}
        self._exec(_hits_upsert(len(counted)), params, flush=False)

    def decision_hits(self, tenant: str, name: str, version: int) -> list[DecisionHit]:
        """The hit count of every row of a version that matched at least once."""
        rows = self._all(
            f"SELECT {DECISION_HITS.select} FROM of_decision_hits WHERE {_KEY} AND version = :v "
            "ORDER BY table_id, rule",
            {"t": tenant, "n": name, "v": version},
        )
        return DECISION_HITS.load_all(rows)

    def decision_evaluations(self, tenant: str, name: str, version: int) -> tuple[int, float | None]:
        """How many times steps evaluated a version, and when they last did."""
        row = self._one(
            f"SELECT evaluations, last_at FROM of_decision_evaluations WHERE {_KEY} AND version = :v",
            {"t": tenant, "n": name, "v": version},
        )
        return (int(row[0]), float(row[1])) if row else (0, None)


def _version_query(columns: str, tenant: str, name: str, version: int | None) -> tuple[str, dict[str, object]]:
    if version is None:
        return (
            f"SELECT {columns} FROM of_decision_tables WHERE {_KEY} ORDER BY version DESC LIMIT 1",
            {"t": tenant, "n": name},
        )
    return (
        f"SELECT {columns} FROM of_decision_tables WHERE {_KEY} AND version = :v",
        {"t": tenant, "n": name, "v": version},
    )


__all__ = [
    "DECISION_TABLES",
    "DecisionHit",
    "DecisionTableHead",
    "DecisionTableRecord",
    "RowHit",
    "RulesMixin",
]

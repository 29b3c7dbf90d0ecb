"""Decision tables as the faces read them: one line per table, the versions of one, a version
with its source, its hit counts per row, and the rows the ``rules`` steps of a run matched.

Decision tables belong to the tenant (every workflow of it may use them); the faces check
``definitions.read`` before they call these."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from officeflow.decision_tables.errors import DecisionTableNotFound
from officeflow.jsonutil import loads
from officeflow.queries.params import param
from officeflow.store import schema
from officeflow.store.base import Store
from officeflow.store.tx_rules import DecisionHit, DecisionTableHead, DecisionTableRecord

EVALUATED = "decision_evaluated"
"""The history event of a ``rules`` step (officeflow.decision_tables.kind.EVENT)."""
RUN_EVENTS = 200
"""Evaluations of one run a page shows at most (the latest)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TableSummary:
    name: str
    versions: int
    latest: int
    format: str
    decisions: tuple[str, ...]
    """The latest version's decisions."""
    title: str | None
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class HitReport:
    """How often a version was evaluated by steps, and each row's hits (rows never hit: absent)."""

    evaluations: int
    last_at: float | None
    rows: tuple[DecisionHit, ...]

    def of(self, table_id: str, rule: int) -> int:
        for hit in self.rows:
            if hit.table_id == table_id and hit.rule == rule:
                return hit.hits
        return 0

    def as_dict(self) -> dict[str, Any]:
        tables: dict[str, dict[str, int]] = {}
        for hit in self.rows:
            tables.setdefault(hit.table_id, {})[str(hit.rule)] = hit.hits
        return {"evaluations": self.evaluations, "last_at": self.last_at, "tables": tables}


@dataclass(frozen=True, kw_only=True, slots=True)
class RunEvaluation:
    """One ``rules`` step of a run: where and when, and what its history event holds."""

    step_id: str | None
    iteration: int | None
    at: float
    data: dict[str, Any]


class DecisionTableQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def summaries(self, tenant: str) -> list[TableSummary]:
        """Every table of the tenant by name, with its version count and latest version."""
        with self.store.read() as tx:
            heads = tx.list_decision_tables(tenant)
        latest: dict[str, DecisionTableHead] = {}
        counts: dict[str, int] = {}
        for head in heads:
            latest[head.name] = head
            counts[head.name] = counts.get(head.name, 0) + 1
        return [
            TableSummary(
                name=h.name,
                versions=counts[h.name],
                latest=h.version,
                format=h.format,
                decisions=h.decisions,
                title=h.title,
                updated_at=h.created_at,
            )
            for h in latest.values()
        ]

    def versions(self, tenant: str, name: str) -> list[DecisionTableHead]:
        """The versions of one table, newest first (DecisionTableNotFound when there is none)."""
        with self.store.read() as tx:
            heads = tx.list_decision_tables(tenant, name)
        if not heads:
            raise DecisionTableNotFound(f"no decision table '{name}' in tenant '{tenant}'")
        return heads[::-1]

    def record(self, tenant: str, name: str, version: int | None = None) -> DecisionTableRecord:
        """One version with its source (the latest unless ``version``)."""
        with self.store.read() as tx:
            found = tx.get_decision_table(tenant, name, version)
        if found is None:
            what = f"'{name}'" + (f" version {version}" if version is not None else "")
            raise DecisionTableNotFound(f"no decision table {what} in tenant '{tenant}'")
        return found

    def hits(self, tenant: str, name: str, version: int) -> HitReport:
        with self.store.read() as tx:
            rows = tx.decision_hits(tenant, name, version)
            evaluations, last_at = tx.decision_evaluations(tenant, name, version)
        return HitReport(evaluations=evaluations, last_at=last_at, rows=tuple(rows))

    def evaluated_in_run(self, tenant: str, run_id: str) -> list[RunEvaluation]:
        """The ``decision_evaluated`` events of a run, oldest first (the latest ``RUN_EVENTS``)."""
        with self.store.read() as tx:
            rows = tx.execute(_run_statement(), {"tenant": tenant, "run_id": run_id, "limit": RUN_EVENTS}).rows
        found = [
            RunEvaluation(step_id=r[0], iteration=r[1], at=float(r[2]), data=loads(r[3]) if r[3] else {})
            for r in reversed(rows)
        ]
        return [e for e in found if isinstance(e.data, dict)]


@cache
def _run_statement() -> sa.Select[Any]:
    h = schema.history
    return (
        sa.select(h.c.step_id, h.c.iteration, h.c.at, h.c.data)
        .where(h.c.run_id == param("run_id"), h.c.tenant == param("tenant"), h.c.type == EVALUATED)
        .order_by(h.c.id.desc())
        .limit(param("limit"))
    )


__all__ = ["DecisionTableQueries", "HitReport", "RunEvaluation", "TableSummary"]

"""The audit log as the faces read it: entries newest first, filtered, a page at a time.

A page reads the entries not sealed yet (by id, through the partial index of unsealed entries),
then the chain (by number, through the chain index), so that no page sorts the tenant's whole
log. With an object filter it reads that object's entries by id. Otherwise one request looks
through at most ``WINDOW`` chain entries and says where it stopped. The page cursor names where
the next (older) page starts: ``u<id>`` among the unsealed entries, ``s<seq>`` in the chain,
``o<id>`` among one object's entries.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import sqlalchemy as sa

from officeflow.queries.cursor import CursorInvalid
from officeflow.queries.params import param
from officeflow.store import schema
from officeflow.store.base import Store
from officeflow.store.tx import Tx
from officeflow.store.tx_audit import AUDIT, AuditRow

WINDOW = 20_000
"""Chain entries one request looks through at most when the filters are not selective."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: float | None = None
    until: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    next_cursor: str | None
    """Where the next (older) page starts (see the module docstring); None on the last page."""
    searched_to: int | None = None
    """Set when the page is short because the search stopped at this chain number (more may be older)."""


class AuditQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def page(
        self, tenant: str, flt: AuditFilter, *, after: str | None = None, limit: int = 50, window: int = WINDOW
    ) -> AuditPage:
        """Entries newest first, from the cursor ``after`` on (CursorInvalid for a cursor this
        listing did not give)."""
        with self.store.read() as tx:
            return page(tx, tenant, flt, after=after, limit=limit, window=window)

    def entries(
        self, tenant: str, flt: AuditFilter, *, before_id: int | None = None, limit: int = 100
    ) -> list[AuditRow]:
        """Entries newest first by id, older than ``before_id``."""
        with self.store.read() as tx:
            return tx.list_audit(
                tenant,
                action=flt.action,
                actor=flt.actor,
                object_type=flt.object_type,
                object_id=flt.object_id,
                since=flt.since,
                until=flt.until,
                before_id=before_id,
                limit=limit,
            )


def page(tx: Tx, tenant: str, flt: AuditFilter, *, after: str | None, limit: int, window: int) -> AuditPage:
    part, value = _position(after)
    if flt.object_type is not None and flt.object_id is not None:  # a few entries: the object index
        found = tx.list_audit(
            tenant,
            action=flt.action,
            actor=flt.actor,
            object_type=flt.object_type,
            object_id=flt.object_id,
            since=flt.since,
            until=flt.until,
            before_id=value if part == "o" else None,
            limit=limit + 1,
        )
        shown = found[:limit]
        return AuditPage(rows=shown, next_cursor=f"o{shown[-1].id}" if len(found) > limit else None)
    given = _given(flt)
    params: dict[str, Any] = {"tenant": tenant, **{name: getattr(flt, name) for name in given}}
    rows: list[AuditRow] = []
    if part == "u":
        extra = {"n": limit + 1} if value is None else {"n": limit + 1, "before": value}
        unsealed = _load(tx, _unsealed_statement(given, value is not None), {**params, **extra})
        if len(unsealed) > limit:
            rows = unsealed[:limit]
            return AuditPage(rows=rows, next_cursor=f"u{rows[-1].id}")
        rows = unsealed
        value = None
    head = tx.audit_head(tenant)
    high = value if value is not None else (head[0] + 1 if head else 1)
    wanted = limit - len(rows)
    if high <= 1:
        return AuditPage(rows=rows, next_cursor=None)
    if wanted == 0:
        return AuditPage(rows=rows, next_cursor=f"s{high}")
    low = max(1, high - window)
    sealed = _load(tx, _sealed_statement(given), {**params, "low": low, "high": high, "n": wanted + 1})
    if len(sealed) > wanted:
        rows += sealed[:wanted]
        return AuditPage(rows=rows, next_cursor=f"s{rows[-1].seq}")
    rows += sealed
    if low > 1:
        return AuditPage(rows=rows, next_cursor=f"s{low}", searched_to=low)
    return AuditPage(rows=rows, next_cursor=None)


def _position(cursor: str | None) -> tuple[str, int | None]:
    if not cursor:
        return "u", None
    part, digits = cursor[:1], cursor[1:]
    if part not in ("u", "s", "o") or not digits.isdigit() or len(digits) > 18:
        raise CursorInvalid(f"not an audit cursor: {cursor[:100]!r}")
    return part, int(digits)


def _given(flt: AuditFilter) -> tuple[str, ...]:
    """The names of the filters set (a statement is built once per combination)."""
    return tuple(f.name for f in fields(flt) if getattr(flt, f.name) is not None)


def _load(tx: Tx, statement: sa.Select[Any], params: dict[str, Any]) -> list[AuditRow]:
    return AUDIT.load_all(tx.execute(statement, params).rows)


def _conditions(given: tuple[str, ...]) -> list[Any]:
    audit = schema.audit
    where: list[Any] = [audit.c.tenant == param("tenant")]
    for name in given:
        if name == "since":
            where.append(audit.c.at >= param("since"))
        elif name == "until":
            where.append(audit.c.at < param("until"))
        else:
            where.append(audit.c[name] == param(name))
    return where


def _columns() -> list[Any]:
    return [schema.audit.c[name] for name in AUDIT.columns]


@cache
def _unsealed_statement(given: tuple[str, ...], before: bool) -> sa.Select[Any]:
    audit = schema.audit
    where = [*_conditions(given), audit.c.seq.is_(None)]
    if before:
        where.append(audit.c.id < param("before"))
    return sa.select(*_columns()).where(*where).order_by(audit.c.id.desc()).limit(param("n"))


@cache
def _sealed_statement(given: tuple[str, ...]) -> sa.Select[Any]:
    audit = schema.audit
    where = [*_conditions(given), audit.c.seq >= param("low"), audit.c.seq < param("high")]
    return sa.select(*_columns()).where(*where).order_by(audit.c.seq.desc()).limit(param("n"))

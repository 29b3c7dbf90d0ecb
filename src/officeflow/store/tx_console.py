"""Read-only queries for the web console's listing pages, kept apart from the engine's transaction
mixins. Each takes an open transaction (``with store.read() as tx``), reads through indexes and
returns a bounded page: nothing here reads a whole table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.store.records import Run
from officeflow.store.tx import Tx
from officeflow.store.tx_audit import AUDIT_COLUMNS, AuditRow, _audit
from officeflow.store.tx_base import TxBase
from officeflow.store.tx_runs import RUN_COLUMNS, RunFilter, run_of

STEP_EVENTS = ("step_completed", "step_skipped", "step_failed", "step_retrying", "waiting", "timer_started")


@dataclass(frozen=True, kw_only=True, slots=True)
class DefinitionSummary:
    name: str
    versions: int
    latest: int
    title: str | None
    updated_at: float
    """When the latest version was stored."""


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionSummary:
    version: int
    title: str | None
    digest: str
    created_at: float
    created_by: str | None


def definition_summaries(
    tx: TxBase, tenant: str, *, after: str | None = None, limit: int = 100
) -> list[DefinitionSummary]:
    """Definitions by name (after ``after``), each with its version count and latest version."""
    rows = tx._all(
        "SELECT d.name, s.n, d.version, d.title, d.created_at FROM "
        "(SELECT name, COUNT(*) AS n, MAX(version) AS v FROM of_definitions "
        " WHERE tenant = :t AND name > :after GROUP BY name ORDER BY name LIMIT :limit) s "
        "JOIN of_definitions d ON d.tenant = :t AND d.name = s.name AND d.version = s.v ORDER BY d.name",
        {"t": tenant, "after": after or "", "limit": limit},
    )
    return [
        DefinitionSummary(name=r[0], versions=int(r[1]), latest=int(r[2]), title=r[3], updated_at=r[4]) for r in rows
    ]


def definition_versions(tx: TxBase, tenant: str, name: str, *, limit: int = 500) -> list[VersionSummary]:
    """The versions of one definition, newest first, without their sources."""
    rows = tx._all(
        "SELECT version, title, digest, created_at, created_by FROM of_definitions "
        "WHERE tenant = :t AND name = :n ORDER BY version DESC LIMIT :limit",
        {"t": tenant, "n": name, "limit": limit},
    )
    return [VersionSummary(version=r[0], title=r[1], digest=r[2], created_at=r[3], created_by=r[4]) for r in rows]


def last_step_events(tx: TxBase, run_id: str) -> dict[str, str]:
    """For each step of a run that has happened, the type of its latest step event
    (step_completed, step_skipped, step_failed, ...)."""
    params: dict[str, object] = {"r": run_id}
    types = tx._in("type", "types", list(STEP_EVENTS), params)
    rows = tx._all(
        f"SELECT step_id, type, MAX(id) FROM of_history WHERE run_id = :r AND step_id IS NOT NULL AND {types} "
        "GROUP BY step_id, type",
        params,
    )
    latest: dict[str, tuple[int, str]] = {}
    for step_id, type_, last in rows:
        if step_id not in latest or latest[step_id][0] < last:
            latest[step_id] = (int(last), type_)
    return {step: type_ for step, (_, type_) in latest.items()}


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
    """Where the next (older) page starts: ``u<id>`` among the unsealed entries, ``s<seq>`` in the
    chain, ``o<id>`` among one object's entries."""
    searched_to: int | None = None
    """Set when the page is short because the search stopped at this chain number (more may be older)."""


AUDIT_WINDOW = 20_000
"""Chain entries one request looks through at most when filters are not selective."""


def audit_page(
    tx: Tx,
    tenant: str,
    flt: AuditFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
    window: int = AUDIT_WINDOW,
) -> AuditPage:
    """Audit entries, newest first: the entries not sealed yet (by id, through the partial index of
    unsealed entries), then the chain (by number, through the chain index), so that no page sorts
    the tenant's whole log. With an object filter, the object's entries by id. Otherwise one
    request searches at most ``window`` chain entries and says where it stopped."""
    where = ["tenant = :t"]
    params: dict[str, Any] = {"t": tenant}
    for name, clause in (
        ("action", "action = :action"),
        ("actor", "actor = :actor"),
        ("object_type", "object_type = :object_type"),
        ("object_id", "object_id = :object_id"),
        ("since", "at >= :since"),
        ("until", "at < :until"),
    ):
        value = getattr(flt, name)
        if value is not None:
            where.append(clause)
            params[name] = value
    filters = " AND ".join(where)
    part, value = _audit_cursor(cursor)
    rows: list[AuditRow] = []
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
        more = len(found) > limit
        rows = found[:limit]
        return AuditPage(rows=rows, next_cursor=f"o{rows[-1].id}" if more else None)
    if part == "u":
        params_u = {**params, "n": limit + 1}
        before = ""
        if value is not None:
            before = " AND id < :before"
            params_u["before"] = value
        unsealed = [
            _audit(r)
            for r in tx._all(
                f"SELECT {AUDIT_COLUMNS} FROM of_audit WHERE {filters} AND seq IS NULL{before} "
                "ORDER BY id DESC LIMIT :n",
                params_u,
            )
        ]
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
    sealed = [
        _audit(r)
        for r in tx._all(
            f"SELECT {AUDIT_COLUMNS} FROM of_audit WHERE {filters} AND seq >= :low AND seq < :high "
            "ORDER BY seq DESC LIMIT :n",
            {**params, "low": low, "high": high, "n": wanted + 1},
        )
    ]
    if len(sealed) > wanted:
        rows += sealed[:wanted]
        return AuditPage(rows=rows, next_cursor=f"s{rows[-1].seq}")
    rows += sealed
    if low > 1:
        return AuditPage(rows=rows, next_cursor=f"s{low}", searched_to=low)
    return AuditPage(rows=rows, next_cursor=None)


def _audit_cursor(cursor: str | None) -> tuple[str, int | None]:
    if not cursor:
        return "u", None
    part, digits = cursor[:1], cursor[1:]
    if part not in ("u", "s", "o") or not digits.isdigit():
        raise ValueError(f"not an audit cursor: {cursor!r}")
    return part, int(digits)


@dataclass(frozen=True, kw_only=True, slots=True)
class RunsPage:
    runs: list[Run]
    searched_to: tuple[float, str] | None = None
    """Set when a version filter looked through its window of runs and more may be older: the
    (created_at, id) of the last run looked at (a keyset cursor to go on from)."""


RUNS_WINDOW = 5_000
"""Runs one query looks through at most for a version filter (versions have no index)."""


def runs_page(tx: Tx, flt: RunFilter, *, window: int = RUNS_WINDOW) -> RunsPage:
    """``Tx.list_runs``, except that a version filter without a workflow looks through at most
    ``window`` runs and says where it stopped, so that a rare version never scans the tenant's
    whole table."""
    if flt.version is None or flt.workflow:  # the workflow's own index bounds a version filter
        return RunsPage(runs=tx.list_runs(flt))
    params: dict[str, Any] = {"tenant": flt.tenant}
    where = ["tenant = :tenant"]
    if flt.statuses:
        where.append(tx._in("status", "statuses", list(flt.statuses), params))
    if flt.workflow:
        where.append("workflow = :workflow")
        params["workflow"] = flt.workflow
    if flt.parent_run_id:
        where.append("parent_run_id = :parent")
        params["parent"] = flt.parent_run_id
    if flt.before is not None:
        where.append("(created_at < :c_at OR (created_at = :c_at AND id < :c_id))")
        params["c_at"], params["c_id"] = flt.before
    order = "ORDER BY created_at DESC, id DESC"
    clause = " AND ".join(where)
    keys = tx._all(
        f"SELECT id FROM (SELECT id, created_at, version FROM of_runs WHERE {clause} {order} LIMIT :window) w "
        f"WHERE version = :version {order} LIMIT :limit",
        {**params, "window": window, "version": flt.version, "limit": flt.limit},
    )
    found: dict[str, Any] = {}
    where_ids = tx._in("id", "ids", [k[0] for k in keys], found)
    rows = tx._all(f"SELECT {RUN_COLUMNS} FROM of_runs WHERE {where_ids} {order}", found) if keys else []
    runs = [run_of(r) for r in rows]
    if len(runs) >= flt.limit:
        return RunsPage(runs=runs)
    edge = tx._one(
        f"SELECT created_at, id FROM of_runs WHERE {clause} {order} LIMIT 1 OFFSET :last",
        {**params, "last": window - 1},
    )
    return RunsPage(runs=runs, searched_to=(edge[0], edge[1]) if edge else None)

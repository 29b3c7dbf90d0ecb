"""Read-only queries for the web console's listing pages, kept apart from the engine's transaction
mixins. Each takes an open transaction (``with store.read() as tx``), reads through indexes and
returns a bounded page: nothing here reads a whole table."""

from __future__ import annotations

from dataclasses import dataclass

from officeflow.store.tx_base import TxBase

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

"""Definitions as the faces read them: one line per workflow (its version count and latest
version), the versions of one workflow, the stored versions a principal may read, and the names
of the workflows a principal may act on (for filter menus). Each read is bounded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from officeflow.engine import Engine
from officeflow.errors import DefinitionNotFound
from officeflow.queries.params import param
from officeflow.security.permissions import Principal
from officeflow.store import schema
from officeflow.store.records import DefinitionRecord
from officeflow.store.tx import Tx

NAMES = 500
"""Workflows a filter menu lists at most (the first by name)."""


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


class DefinitionQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store

    def summaries(self, tenant: str, *, after: str | None = None, limit: int = 100) -> list[DefinitionSummary]:
        """Workflows by name (those after ``after``), each with its version count and latest version."""
        with self.store.read() as tx:
            return summaries(tx, tenant, after=after, limit=limit)

    def versions(self, tenant: str, name: str, *, limit: int = 500) -> list[VersionSummary]:
        """The versions of one workflow, newest first, without their sources."""
        with self.store.read() as tx:
            return versions(tx, tenant, name, limit=limit)

    def names(self, principal: Principal, action: str) -> list[str]:
        """The workflows the principal may ``action`` (the first ``NAMES`` by name)."""
        allowed = principal.workflows(action)
        return [d.name for d in self.summaries(principal.tenant, limit=NAMES) if allowed is None or d.name in allowed]

    def records(self, principal: Principal) -> list[DefinitionRecord]:
        """Every stored version of every workflow the principal may read."""
        return [
            r for r in self.engine.definitions(tenant=principal.tenant) if principal.can("definitions.read", r.name)
        ]

    def record(self, principal: Principal, name: str, version: int | None = None) -> DefinitionRecord:
        """One stored version (the latest unless ``version``), with its source; DefinitionNotFound
        when it does not exist or the principal may not read it."""
        if not principal.can("definitions.read", name):
            raise DefinitionNotFound(f"no workflow definition '{name}' in tenant '{principal.tenant}'")
        found = [
            r
            for r in self.engine.definitions(tenant=principal.tenant, name=name)
            if version is None or r.version == version
        ]
        if not found:
            what = f"'{name}'" + (f" version {version}" if version else "")
            raise DefinitionNotFound(f"no workflow definition {what} in tenant '{principal.tenant}'")
        return found[-1]


def summaries(tx: Tx, tenant: str, *, after: str | None = None, limit: int = 100) -> list[DefinitionSummary]:
    rows = tx.execute(_summaries_statement(), {"tenant": tenant, "after": after or "", "limit": limit}).rows
    return [
        DefinitionSummary(name=r[0], versions=int(r[1]), latest=int(r[2]), title=r[3], updated_at=r[4]) for r in rows
    ]


def versions(tx: Tx, tenant: str, name: str, *, limit: int = 500) -> list[VersionSummary]:
    rows = tx.execute(_versions_statement(), {"tenant": tenant, "name": name, "limit": limit}).rows
    return [VersionSummary(version=r[0], title=r[1], digest=r[2], created_at=r[3], created_by=r[4]) for r in rows]


@cache
def _summaries_statement() -> sa.Select[Any]:
    """One page of names with their counts and latest versions (through the primary key), then
    each latest version's row."""
    d = schema.definitions
    tenant = param("tenant")
    page = (
        sa.select(d.c.name, sa.func.count().label("n"), sa.func.max(d.c.version).label("v"))
        .where(d.c.tenant == tenant, d.c.name > param("after"))
        .group_by(d.c.name)
        .order_by(d.c.name)
        .limit(param("limit"))
        .subquery("s")
    )
    return (
        sa.select(d.c.name, page.c.n, d.c.version, d.c.title, d.c.created_at)
        .join_from(page, d, sa.and_(d.c.tenant == tenant, d.c.name == page.c.name, d.c.version == page.c.v))
        .order_by(d.c.name)
    )


@cache
def _versions_statement() -> sa.Select[Any]:
    d = schema.definitions
    return (
        sa.select(d.c.version, d.c.title, d.c.digest, d.c.created_at, d.c.created_by)
        .where(d.c.tenant == param("tenant"), d.c.name == param("name"))
        .order_by(d.c.version.desc())
        .limit(param("limit"))
    )

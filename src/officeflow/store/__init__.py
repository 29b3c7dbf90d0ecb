"""Persistence: one Store protocol, a SQLite and a PostgreSQL implementation."""

from __future__ import annotations

from officeflow.store.base import Listener, Store
from officeflow.store.records import (
    DefinitionRecord,
    HistoryEvent,
    Job,
    JobKind,
    JobStatus,
    Run,
    RunHead,
    RunStatus,
    Scope,
    Signal,
    Wait,
    WorkerRecord,
)
from officeflow.store.urls import DatabaseUrl, parse_url


def open_store(url: str, *, pool_size: int = 10, sqlite_synchronous: str = "NORMAL") -> Store:
    """Open the store a URL names: ``sqlite:///file.db`` or ``postgresql://...``."""
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        from officeflow.store.sqlite import SqliteStore

        assert parsed.path is not None
        return SqliteStore(parsed.path, synchronous=sqlite_synchronous)
    from officeflow.store.postgres import PostgresStore

    assert parsed.conninfo is not None
    return PostgresStore(parsed.conninfo, pool_size=pool_size, url=url)


__all__ = [
    "DatabaseUrl",
    "DefinitionRecord",
    "HistoryEvent",
    "Job",
    "JobKind",
    "JobStatus",
    "Listener",
    "Run",
    "RunHead",
    "RunStatus",
    "Scope",
    "Signal",
    "Store",
    "Wait",
    "WorkerRecord",
    "open_store",
    "parse_url",
]

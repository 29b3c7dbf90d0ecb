"""Migrations: a fresh schema (from the SQLAlchemy tables) equals a fully migrated one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from officeflow import Engine, SchemaOutOfDate
from officeflow.store import migrate, open_store
from officeflow.store.schema import metadata
from tests.conftest import create_pg_database, drop_pg_database, pg_url


@pytest.fixture
def two_databases(backend: str, tmp_path: Path) -> Any:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh.db", f"sqlite:///{tmp_path}/migrated.db"
        return
    names = [create_pg_database("of_fresh"), create_pg_database("of_migrated")]
    yield pg_url(names[0]), pg_url(names[1])
    for name in names:
        drop_pg_database(name)


def _is_version_table(diff: Any) -> bool:
    return bool(diff[0] == "remove_table" and diff[1].name == migrate.VERSION_TABLE)


def _where(index: Any) -> str:
    options = index.get("dialect_options") or {}
    for key in ("postgresql_where", "sqlite_where"):
        if options.get(key) is not None:
            return str(options[key])
    return ""


def describe(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        inspector = sa.inspect(engine)
        out: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            if table == migrate.VERSION_TABLE:
                continue
            out[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]), _where(i))
                    for i in inspector.get_indexes(table)
                ),
            }
        return out
    finally:
        engine.dispose()


def test_fresh_schema_equals_the_fully_migrated_schema(two_databases: tuple[str, str]) -> None:
    fresh_url, migrated_url = two_databases
    fresh = sa.create_engine(fresh_url.replace("postgresql://", "postgresql+psycopg://"))
    metadata.create_all(fresh)
    fresh.dispose()
    store = open_store(migrated_url)
    try:
        migrate.upgrade(store)
        assert migrate.current_revision(store) == migrate.head_revision()
    finally:
        store.close()
    assert describe(fresh_url) == describe(migrated_url)
    engine = sa.create_engine(migrated_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE})
        diff = [d for d in compare_metadata(context, metadata) if not _is_version_table(d)]
    engine.dispose()
    assert diff == []


def test_an_engine_refuses_a_database_without_the_schema(two_databases: tuple[str, str]) -> None:
    url, _ = two_databases
    with pytest.raises(SchemaOutOfDate, match="run `officeflow init`"):
        Engine.open(url)


def test_migrating_twice_is_harmless(two_databases: tuple[str, str]) -> None:
    _, url = two_databases
    store = open_store(url)
    try:
        migrate.upgrade(store)
        migrate.upgrade(store)
        assert migrate.current_revision(store) == migrate.head_revision()
    finally:
        store.close()

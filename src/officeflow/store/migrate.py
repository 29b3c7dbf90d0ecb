"""Schema migrations (Alembic), run by ``officeflow init`` and checked when the engine opens."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from officeflow.errors import SchemaOutOfDate
from officeflow.store.base import Store

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "of_alembic_version"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite:///unused")).get_current_head()
    assert head is not None
    return head


def upgrade(store: Store, revision: str = "head") -> None:
    command.upgrade(alembic_config(store.sqlalchemy_url()), revision)


def current_revision(store: Store) -> str | None:
    with store.read() as tx:
        if store.dialect.name == "sqlite":
            exists = tx._one(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t",
                {"t": VERSION_TABLE},
            )
        else:
            exists = tx._one("SELECT to_regclass(:t)", {"t": VERSION_TABLE})
            exists = exists if exists and exists[0] else None
        if not exists:
            return None
        row = tx._one(f"SELECT version_num FROM {VERSION_TABLE}")
        return row[0] if row else None


def check(store: Store) -> None:
    """Raise SchemaOutOfDate unless the database is at this code's revision."""
    current = current_revision(store)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutOfDate(f"the database at {redact(store.url)} has no officeflow schema: run `officeflow init`")
    raise SchemaOutOfDate(
        f"the database schema is at revision {current}, this officeflow needs {head}: run `officeflow init`"
    )


def redact(url: str) -> str:
    """The URL without its password."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        return url
    return parsed.render_as_string(hide_password=True) if parsed.password else url

"""Database URLs: which backend, and the forms each driver wants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from officeflow.errors import ConfigurationError

EXPECTED = "sqlite:///path/to/file.db or postgresql://user@host:5432/database"


@dataclass(frozen=True)
class DatabaseUrl:
    backend: str
    """'sqlite' or 'postgresql'"""
    raw: str
    path: Path | None = None
    conninfo: str | None = None

    @property
    def sqlalchemy(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"
        assert self.conninfo is not None
        return "postgresql+psycopg://" + self.conninfo.split("://", 1)[1]


def parse_url(url: str) -> DatabaseUrl:
    text = url.strip()
    if not text:
        raise ConfigurationError(f"the database URL is empty; expected {EXPECTED}")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("sqlite", "sqlite3"):
        rest = text.split("://", 1)[1]
        if not rest.startswith("/"):
            raise ConfigurationError(f"{url!r}: a SQLite URL has three slashes; expected {EXPECTED}")
        path_text = rest[1:]
        if path_text in ("", ":memory:"):
            raise ConfigurationError(
                f"{url!r}: officeflow keeps runs in a file that several processes share; "
                "give a file path, e.g. sqlite:///officeflow.db"
            )
        return DatabaseUrl("sqlite", text, path=Path(path_text).expanduser().resolve())
    if scheme in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parts = urlsplit(text)
        if not parts.path.strip("/"):
            raise ConfigurationError(f"{url!r} names no database; expected {EXPECTED}")
        return DatabaseUrl("postgresql", text, conninfo="postgresql://" + text.split("://", 1)[1])
    if not scheme and text.endswith((".db", ".sqlite", ".sqlite3")):
        return DatabaseUrl("sqlite", text, path=Path(text).expanduser().resolve())
    raise ConfigurationError(f"unsupported database URL {url!r}; expected {EXPECTED}")

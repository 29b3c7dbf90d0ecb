"""What differs between SQLite and PostgreSQL, kept small: parameter style, row locks,
list and pair parameters, and recognising constraint, retryable and connection-loss errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
UNAVAILABLE_STATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping, or the backend was terminated
        "57P02",  # crash_shutdown: another backend crashed; the server restarts
        "57P03",  # cannot_connect_now: the server is starting up or shutting down
        "57P05",  # idle_session_timeout: the server closed an idle connection
        "53300",  # too_many_connections: none to be had now
    }
)
"""PostgreSQL SQLSTATEs (besides class 08, connection exceptions) that mean the database cannot be
reached now, rather than that a statement was refused."""


class Dialect:
    name: str = "base"
    lock_rows: str = ""
    """Appended to a SELECT that must lock the rows it reads until commit."""
    skip_locked: str = ""
    """Appended to the claim sub-select: lock rows, skip those another worker holds."""

    def sql(self, text: str) -> str:
        return text

    def in_list(self, column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        raise NotImplementedError

    def pairs_in(
        self,
        columns: tuple[str, str],
        name: str,
        pairs: Sequence[tuple[Any, Any]],
        params: dict[str, Any],
    ) -> str:
        raise NotImplementedError

    def is_unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def is_retryable(self, exc: BaseException) -> bool:
        """Deadlock, serialization failure or a busy database: run the transaction again."""
        raise NotImplementedError

    def is_unavailable(self, exc: BaseException, *, connection_closed: bool | None = None) -> bool:
        """The database cannot be reached: the connection was refused, lost, or closed by the
        server (a restart). ``connection_closed``: the state of the connection the error came
        from, when there was one. The store turns these errors into ``StoreUnavailable``."""
        raise NotImplementedError


class SqliteDialect(Dialect):
    name = "sqlite"

    def in_list(self, column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        if not values:
            return "1 = 0"
        keys = []
        for i, value in enumerate(values):
            key = f"{name}_{i}"
            params[key] = value
            keys.append(f":{key}")
        return f"{column} IN ({', '.join(keys)})"

    def pairs_in(
        self,
        columns: tuple[str, str],
        name: str,
        pairs: Sequence[tuple[Any, Any]],
        params: dict[str, Any],
    ) -> str:
        if not pairs:
            return "1 = 0"
        rows = []
        for i, (a, b) in enumerate(pairs):
            params[f"{name}_a{i}"] = a
            params[f"{name}_b{i}"] = b
            rows.append(f"(:{name}_a{i}, :{name}_b{i})")
        return f"({columns[0]}, {columns[1]}) IN (VALUES {', '.join(rows)})"

    def is_unique_violation(self, exc: BaseException) -> bool:
        import sqlite3

        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def is_retryable(self, exc: BaseException) -> bool:
        import sqlite3

        return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)

    def is_unavailable(self, exc: BaseException, *, connection_closed: bool | None = None) -> bool:
        """Never: a SQLite file has no connection to lose. A busy database is retried (above,
        within the busy timeout); a file that cannot be opened is an error of its own."""
        return False


class PostgresDialect(Dialect):
    name = "postgresql"
    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def sql(self, text: str) -> str:
        return _pyformat(text)

    def in_list(self, column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        params[name] = list(values)
        return f"{column} = ANY(:{name})"

    def pairs_in(
        self,
        columns: tuple[str, str],
        name: str,
        pairs: Sequence[tuple[Any, Any]],
        params: dict[str, Any],
    ) -> str:
        params[f"{name}_a"] = [a for a, _ in pairs]
        params[f"{name}_b"] = [b for _, b in pairs]
        return (
            f"({columns[0]}, {columns[1]}) IN "
            f"(SELECT * FROM unnest(CAST(:{name}_a AS text[]), CAST(:{name}_b AS integer[])))"
        )

    def is_unique_violation(self, exc: BaseException) -> bool:
        from psycopg import errors

        return isinstance(exc, errors.UniqueViolation)

    def is_retryable(self, exc: BaseException) -> bool:
        from psycopg import errors

        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def is_unavailable(self, exc: BaseException, *, connection_closed: bool | None = None) -> bool:
        from psycopg import OperationalError, errors
        from psycopg_pool import PoolClosed

        if not isinstance(exc, OperationalError) or isinstance(exc, PoolClosed | errors.PipelineAborted):
            return False  # a closed pool is ours (shutting down); an aborted pipeline, an earlier error
        state = exc.sqlstate
        if state is None:
            # Raised by the client, not by a server that answered: the connection was refused,
            # lost or closed, or none came from the pool in time. (Unless the connection it came
            # from is still open: then it is a misuse, such as leaving a pipeline while busy.)
            return connection_closed is not False
        return state.startswith("08") or state in UNAVAILABLE_STATES


@lru_cache(maxsize=4096)
def _pyformat(text: str) -> str:
    """``:name`` parameters to psycopg's ``%(name)s``; literal ``%`` doubled."""
    return _NAMED.sub(r"%(\1)s", text.replace("%", "%%"))

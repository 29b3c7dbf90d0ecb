"""One database transaction: the typed operations the engine composes.

The SQL lives in the mixins next to this module, written once for both backends with
``:name`` parameters; :mod:`officeflow.store.dialect` adapts the few places that differ.
:meth:`Tx.execute` runs SQLAlchemy Core statements: for tables that extensions (step kinds)
keep of their own, and for the reads of the query layer (officeflow.queries).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.engine import Dialect as SqlDialect
from sqlalchemy.sql.elements import ClauseElement

from officeflow.store.records import HEADS, RunHead
from officeflow.store.tx_catalog import CatalogMixin
from officeflow.store.tx_directory import DirectoryMixin
from officeflow.store.tx_documents import DocumentsMixin
from officeflow.store.tx_events import EventsMixin
from officeflow.store.tx_jobs import JobsMixin
from officeflow.store.tx_llm import LlmMixin
from officeflow.store.tx_model_feedback import ModelFeedbackMixin
from officeflow.store.tx_models import ModelsMixin
from officeflow.store.tx_positions import PositionsMixin
from officeflow.store.tx_rules import RulesMixin
from officeflow.store.tx_runs import RunsMixin
from officeflow.store.tx_security import SecurityMixin
from officeflow.store.tx_tasks import TasksMixin


@dataclass(frozen=True, kw_only=True, slots=True)
class Executed:
    """What :meth:`Tx.execute` gives: the rows (if the statement returns any) and the count of
    rows it changed."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    rowcount: int

    def mappings(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@cache
def _sql_dialect(name: str) -> SqlDialect:
    """SQLAlchemy's dialect for a backend, with ``:name`` parameters (as the store writes SQL)."""
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import psycopg

        dialect: SqlDialect = psycopg.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
        return dialect
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect(paramstyle="named")


_COMPILED: OrderedDict[tuple[int, str], tuple[ClauseElement, str, dict[str, Any]]] = OrderedDict()
_COMPILED_KEPT = 1024
_COMPILED_LOCK = threading.Lock()


def _compiled(statement: ClauseElement, backend: str) -> tuple[str, dict[str, Any]]:
    """The SQL of a reusable statement for ``backend`` and the values of the parameters it
    binds itself (a LIMIT, say), compiled on first use and kept (the least recently used of
    more than ``_COMPILED_KEPT`` statements is dropped). Kept by identity: the statement is
    held, so its id cannot name another one."""
    key = (id(statement), backend)
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found[1], found[2]
    compiled = statement.compile(dialect=_sql_dialect(backend), compile_kwargs={"render_postcompile": True})
    # the values the statement carries (a LIMIT, say); the rest come per call
    bound = compiled.construct_params(_check=False)  # type: ignore[call-arg]
    defaults = {name: value for name, value in (bound or {}).items() if value is not None}
    entry = (statement, str(compiled), defaults)
    with _COMPILED_LOCK:
        _COMPILED[key] = entry
        while len(_COMPILED) > _COMPILED_KEPT:
            _COMPILED.popitem(last=False)
    return entry[1], entry[2]


class Tx(
    RunsMixin,
    JobsMixin,
    PositionsMixin,
    CatalogMixin,
    SecurityMixin,
    EventsMixin,
    TasksMixin,
    DirectoryMixin,
    LlmMixin,
    DocumentsMixin,
    ModelFeedbackMixin,
    ModelsMixin,
    RulesMixin,
):
    """Operations inside one transaction on one connection."""

    def lock_and_finish(
        self, run_ids: Sequence[str], fenced: Sequence[tuple[str, int]]
    ) -> tuple[dict[str, RunHead], set[str]]:
        """Lock the runs and delete the finished jobs (fenced by attempt) in one round trip."""
        heads = self._lock_runs_cursor(run_ids)
        finished = self._finish_cursor(fenced) if fenced else None
        locked = {head.id: head for head in HEADS.load_all(heads.fetchall())}
        done = {job_id for (job_id,) in finished.fetchall()} if finished is not None else set()
        return locked, done

    def execute(self, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> Executed:
        """Run a SQLAlchemy Core statement in this transaction, after every write buffered so
        far: for the tables a step kind keeps of its own (created by its owner) and for the
        reads of the query layer (officeflow.queries). Columns of plain types (text, numbers):
        values are passed to the driver as they are.

        Without ``params`` the statement carries its values and is compiled on each call. With
        ``params`` it is a statement built once (its values ``sqlalchemy.bindparam(name)``,
        named in ``params``), compiled once per backend and kept (see :func:`_compiled`)."""
        if params is None:
            compiled = statement.compile(
                dialect=_sql_dialect(self.dialect.name), compile_kwargs={"render_postcompile": True}
            )
            sql, values = str(compiled), dict(compiled.params or {})
        else:
            sql, defaults = _compiled(statement, self.dialect.name)
            values = {**defaults, **params}
        cursor = self._exec(sql, values)
        if self.pipeline is not None:
            self.sync()
        description = cursor.description
        rows = [tuple(r) for r in cursor.fetchall()] if description else []
        columns = tuple(d[0] for d in description) if description else ()
        return Executed(columns=columns, rows=rows, rowcount=int(cursor.rowcount))

    def ping(self) -> None:
        """One round trip to the database (a health check); StoreUnavailable when it is away."""
        self._one("SELECT 1")

    def set_wait_signal(self, run_id: str, step_id: str, iteration: int, signal: str) -> None:
        """Make a run's signal wait at (step, iteration) wait for another signal (a migration
        moved it onto a wait step with another signal name)."""
        self._exec(
            "UPDATE of_waits SET signal = :n WHERE run_id = :r AND step_id = :s AND iteration = :i AND kind = 'signal'",
            {"r": run_id, "s": step_id, "i": iteration, "n": signal},
        )

"""Runs as the faces read them: the runs a principal may see, a page at a time; one run with
where it is and what happened; the dead letters.

Paging is by keyset (a run's ``created_at`` and id, newest first), so any page costs the same on
any size of table. A principal whose roles cover only some workflows sees only their runs: a page
is filled from as many reads as it takes (or, with ``rounds``, at most that many, and then says
where it stopped). A version filter without a workflow looks through at most ``WINDOW`` runs per
read (versions have no index of their own) and says where it stopped too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from officeflow.definitions.model import Definition
from officeflow.engine import DeadLetter, Engine, Positions
from officeflow.errors import RunNotFound
from officeflow.queries import cursor
from officeflow.queries.definitions import VersionSummary, versions
from officeflow.queries.params import param
from officeflow.security.permissions import Principal
from officeflow.store import schema
from officeflow.store.records import RUNS, HistoryEvent, Run
from officeflow.store.tx import Tx
from officeflow.store.tx_runs import RunFilter

WINDOW = 5_000
"""Runs one read looks through at most for a version filter without a workflow."""
STEP_EVENTS = ("step_completed", "step_skipped", "step_failed", "step_retrying", "waiting", "timer_started")
"""History events that say how a step ended or where it waits (for the graph of a run)."""
CHILDREN = 20
"""Child runs a run's page lists."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RunsPage:
    runs: list[Run]
    next_cursor: str | None
    """Where the next page starts; None on the last page."""
    searched: bool = False
    """The page is short because the request read as far as one request may; ``next_cursor``
    goes on from the last run it looked at."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DeadLettersPage:
    letters: list[DeadLetter]
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class RunView:
    """What a run's page shows besides the run: where it is, how each step it reached ended,
    a page of its history, the other versions of its workflow, and its child runs."""

    definition: Definition
    positions: Positions
    last_events: dict[str, str]
    """Step id -> the type of its latest step event (step_completed, step_failed, ...)."""
    history: list[HistoryEvent]
    more_history: bool
    versions: list[VersionSummary]
    children: list[Run]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Read:
    runs: list[Run]
    searched_to: tuple[float, str] | None = None


class RunQueries:
    def __init__(self, engine: Engine, *, window: int = WINDOW) -> None:
        self.engine = engine
        self.store = engine.store
        self.window = window
        """Runs one read looks through at most for a version filter without a workflow."""

    def readable(self, principal: Principal, run_id: str) -> Run:
        """The run, when the principal may read runs of its workflow; RunNotFound otherwise
        (another tenant's run, or one the principal's roles do not cover, is not found)."""
        run = self.engine.get_run(run_id, tenant=principal.tenant)
        if not principal.can("runs.read", run.workflow):
            raise RunNotFound(f"no run {run_id} in tenant '{principal.tenant}'")
        return run

    def page(
        self,
        principal: Principal,
        *,
        statuses: Sequence[str] = (),
        workflow: str | None = None,
        version: int | None = None,
        limit: int = 50,
        after: str | None = None,
        rounds: int | None = None,
    ) -> RunsPage:
        """The runs the principal may read, newest first, at most ``limit``, starting after the
        cursor ``after``. ``rounds`` bounds the reads one request makes (None: as many as it
        takes to fill the page)."""
        allowed = principal.workflows("runs.read")
        wanted = workflow
        if wanted is None and allowed is not None and len(allowed) == 1:
            wanted = next(iter(allowed))
        if wanted is not None and allowed is not None and wanted not in allowed:
            return RunsPage(runs=[], next_cursor=None)
        position = cursor.run_position(after) if after else None
        items: list[Run] = []
        searched_from: tuple[float, str] | None = None
        with self.store.read() as tx:
            done = 0
            while True:
                flt = RunFilter(
                    tenant=principal.tenant,
                    statuses=list(statuses),
                    workflow=wanted,
                    version=version,
                    limit=limit + 1,
                    before=position,
                )
                read = _read_runs(tx, flt, window=self.window)
                items += [r for r in read.runs if allowed is None or r.workflow in allowed]
                if read.runs:
                    position = (read.runs[-1].created_at, read.runs[-1].id)
                if read.searched_to is not None and len(read.runs) <= limit:
                    position = read.searched_to
                if len(items) > limit or (len(read.runs) <= limit and read.searched_to is None):
                    break
                done += 1
                if rounds is not None and done >= rounds:
                    searched_from = position
                    break
        if len(items) > limit:
            items = items[:limit]
            return RunsPage(runs=items, next_cursor=cursor.encode(items[-1].created_at, items[-1].id))
        if searched_from is not None:
            return RunsPage(runs=items, next_cursor=cursor.encode(*searched_from), searched=True)
        return RunsPage(runs=items, next_cursor=None)

    def keyed(self, tenant: str, idempotency_key: str) -> Run | None:
        """The run an idempotency key started in ``tenant``, if any."""
        with self.store.read() as tx:
            return tx.run_by_key(tenant, idempotency_key)

    def positions(self, run: Run) -> Positions:
        return self.engine.positions(run.id, tenant=run.tenant)

    def history(self, run: Run) -> list[HistoryEvent]:
        return self.engine.history(run.id, tenant=run.tenant)

    def progress(self, run_id: str) -> tuple[Positions, dict[str, str]]:
        """Where a run is and how each step it reached ended (for its graph)."""
        with self.store.read() as tx:
            return _positions(tx, run_id), last_step_events(tx, run_id)

    def view(self, run: Run, *, history_after: int = 0, history_limit: int = 300) -> RunView:
        """Everything a run's page shows, read in one transaction (the definition from the
        engine's cache)."""
        definition = self.engine.definition(run.workflow, run.version, tenant=run.tenant)
        with self.store.read() as tx:
            positions = _positions(tx, run.id)
            last_events = last_step_events(tx, run.id)
            history = tx.history_of(run.id, after_id=history_after, limit=history_limit + 1)
            workflow_versions = versions(tx, run.tenant, run.workflow, limit=100)
        children: list[Run] = []
        if any(step.kind == "subflow" for step in definition.steps.values()):
            children = self.engine.list_runs(tenant=run.tenant, parent_run_id=run.id, limit=CHILDREN)
        return RunView(
            definition=definition,
            positions=positions,
            last_events=last_events,
            history=history[:history_limit],
            more_history=len(history) > history_limit,
            versions=workflow_versions,
            children=children,
        )

    def dead_letters(
        self, principal: Principal, *, workflow: str | None = None, limit: int = 100, after: str | None = None
    ) -> DeadLettersPage:
        """Steps that exhausted their retries, newest first, of the workflows the principal may
        read (at most ``limit``: fewer when some of those read are not theirs)."""
        allowed = principal.workflows("runs.read")
        if workflow is not None and allowed is not None and workflow not in allowed:
            return DeadLettersPage(letters=[], next_cursor=None)
        position = cursor.run_position(after) if after else None
        with self.store.read() as tx:
            rows = tx.dead_letters(principal.tenant, workflow=workflow, limit=limit + 1, before=position)
        more = len(rows) > limit
        rows = rows[:limit]
        letters = [
            DeadLetter(job=job, workflow=name, version=version, failed_at=at)
            for job, name, version, at in rows
            if allowed is None or name in allowed
        ]
        last = rows[-1] if more else None
        return DeadLettersPage(
            letters=letters, next_cursor=cursor.encode(last[3], last[0].id) if last is not None else None
        )


def _positions(tx: Tx, run_id: str) -> Positions:
    return Positions(
        jobs=tx.jobs_of_run(run_id),
        waits=tx.waits_of_run(run_id),
        joins=[(s, i, r) for s, i, _, r in tx.joins_of_run(run_id)],
        signals=tx.buffered_signals(run_id),
    )


def last_step_events(tx: Tx, run_id: str) -> dict[str, str]:
    """For each step of a run that has happened, the type of its latest step event."""
    latest: dict[str, tuple[int, str]] = {}
    for step_id, type_, last in tx.execute(_last_events_statement(), {"run_id": run_id}).rows:
        if step_id not in latest or latest[step_id][0] < last:
            latest[step_id] = (int(last), type_)
    return {step: type_ for step, (_, type_) in latest.items()}


def _read_runs(tx: Tx, flt: RunFilter, *, window: int) -> _Read:
    """``Tx.list_runs``, except that a version filter without a workflow looks through at most
    ``window`` runs and says where it stopped, so that a rare version never scans the tenant's
    whole table."""
    if flt.version is None or flt.workflow:  # the workflow's own index bounds a version filter
        return _Read(runs=tx.list_runs(flt))
    runs = schema.runs
    where = _run_conditions(flt)
    order = (runs.c.created_at.desc(), runs.c.id.desc())
    recent = sa.select(runs.c.id, runs.c.created_at, runs.c.version).where(*where).order_by(*order).limit(window)
    inner = recent.subquery("w")
    keys = (
        sa.select(inner.c.id)
        .where(inner.c.version == flt.version)
        .order_by(inner.c.created_at.desc(), inner.c.id.desc())
    )
    ids = [row[0] for row in tx.execute(keys.limit(flt.limit)).rows]
    found: list[Run] = []
    if ids:
        columns = [runs.c[name] for name in RUNS.columns]
        rows = tx.execute(sa.select(*columns).where(runs.c.id.in_(ids)).order_by(*order)).rows
        found = [RUNS.load(row) for row in rows]
    if len(found) >= flt.limit:
        return _Read(runs=found)
    edge = tx.execute(
        sa.select(runs.c.created_at, runs.c.id).where(*where).order_by(*order).offset(window - 1).limit(1)
    )
    return _Read(runs=found, searched_to=(edge.rows[0][0], edge.rows[0][1]) if edge.rows else None)


def _run_conditions(flt: RunFilter) -> list[Any]:
    runs = schema.runs
    where: list[Any] = [runs.c.tenant == flt.tenant]
    if flt.statuses:
        where.append(runs.c.status.in_(list(flt.statuses)))
    if flt.parent_run_id:
        where.append(runs.c.parent_run_id == flt.parent_run_id)
    if flt.before is not None:
        at, run_id = flt.before
        where.append(sa.or_(runs.c.created_at < at, sa.and_(runs.c.created_at == at, runs.c.id < run_id)))
    return where


@cache
def _last_events_statement() -> sa.Select[Any]:
    history = schema.history
    return (
        sa.select(history.c.step_id, history.c.type, sa.func.max(history.c.id))
        .where(
            history.c.run_id == param("run_id"),
            history.c.step_id.is_not(None),
            history.c.type.in_(STEP_EVENTS),
        )
        .group_by(history.c.step_id, history.c.type)
    )

"""The Engine: one object that owns the store, the step kinds and handlers, and the clock.

There is no global state: open an engine, use it, close it (it is a context manager)::

    with Engine.open("sqlite:///office.db", handlers=[my_handlers]) as engine:
        engine.apply(Path("expense.yaml"))
        run = engine.start("expense-approval", {"employee_id": "e-7", "amount": 42.0})
        engine.run_until_idle()

The engine alone runs definitions, runs and workers with the core step kinds. What sits on top
of it (human tasks and the directory, event ingestion and schedules, accounts, the query layer)
is built around it by the composition root, :class:`officeflow.office.Office`, which also hands
it the built-in ``human`` kind; the engine imports none of those packages.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from officeflow.clock import Clock, SystemClock
from officeflow.definitions.load import load_definition
from officeflow.definitions.model import Definition
from officeflow.engine import operations
from officeflow.engine.batch import Batcher
from officeflow.engine.context import RunContext
from officeflow.engine.staged import Staged, drive
from officeflow.engine.transitions import Transition
from officeflow.engine.watch import RunWatcher
from officeflow.errors import (
    DefinitionInvalid,
    DefinitionNotFound,
    DefinitionVersionExists,
    InputInvalid,
    Problem,
    RunNotFound,
)
from officeflow.jsonutil import json_pointer
from officeflow.security import audit, keys
from officeflow.security.audit import AuditLog
from officeflow.security.keys import Keyring
from officeflow.security.secrets import Secrets
from officeflow.steps.base import StepKind
from officeflow.steps.core import CORE_KINDS
from officeflow.steps.port import StepPort
from officeflow.steps.registry import Registry
from officeflow.store import Store, open_store
from officeflow.store import migrate as migrations
from officeflow.store.records import (
    DefinitionRecord,
    HistoryEvent,
    Job,
    Run,
    RunStatus,
    Signal,
    Wait,
)
from officeflow.store.tx import Tx
from officeflow.store.tx_runs import RunFilter

if TYPE_CHECKING:
    from officeflow.engine.worker import Worker

T = TypeVar("T")
DEFAULT_TENANT = "default"
LATEST_CACHE = 2.0
"""Seconds a process trusts its knowledge of a workflow's latest version. A version applied through
this process counts at once; one applied by another process within this time."""


@dataclass(frozen=True, kw_only=True)
class Applied:
    definition: Definition
    created: bool
    """False when the same name, version and content were stored already."""


@dataclass(frozen=True, kw_only=True)
class Positions:
    """Where a run is: its jobs (queued, executing, sleeping, failed), waits, joins and signals
    that arrived before their wait."""

    jobs: list[Job]
    waits: list[Wait]
    joins: list[tuple[str, int, int]]
    signals: list[Signal]


@dataclass(frozen=True, kw_only=True)
class DeadLetter:
    job: Job
    workflow: str
    version: int
    failed_at: float


class Engine:
    def __init__(
        self,
        store: Store,
        *,
        handlers: Iterable[object] = (),
        clock: Clock | None = None,
        check_schema: bool = True,
        keyring: Keyring | None = None,
        secret_key: str | None = None,
        retired_keys: str | None = None,
        http_allow: Iterable[str] = (),
        kinds: Iterable[type[StepKind]] | None = None,
        audit_log: AuditLog | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        """``kinds``: the built-in step kinds the registry starts from (default: the core kinds,
        officeflow.steps.core.CORE_KINDS; the composition root hands over
        officeflow.kinds.BUILTIN_KINDS, which adds ``human``); ``handlers``: the user's modules,
        handlers and step kinds. ``audit_log`` and ``secrets``: the audit log the engine's
        transitions write to (and its workers seal) and the secrets HTTP steps read (default:
        made here, keyed by ``keyring``)."""
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.keyring = keyring or keys.load(secret_key, sqlite_path=getattr(store, "path", None), retired=retired_keys)
        self.audit = audit_log or AuditLog(store, self.keyring)
        self.secrets = secrets or Secrets(store, self.keyring, self.clock.now)
        self.registry = Registry(
            handlers,
            kinds=CORE_KINDS if kinds is None else kinds,
            now=self.clock.now,
            secrets=self.secrets.get,
            http_allow=http_allow,
        )
        self._definitions: dict[tuple[str, str, int], Definition] = {}
        self._latest: dict[tuple[str, str], tuple[float, Definition]] = {}
        self._lock = threading.Lock()
        self._watcher: RunWatcher | None = None
        self.batcher = Batcher(lambda body: self.store.run(body, pipeline=True), "commits")
        """Group commit for short transactions from concurrent callers (starts, ingested events)."""
        if check_schema:
            migrations.check(store)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        handlers: Iterable[object] = (),
        clock: Clock | None = None,
        migrate: bool = False,
        pool_size: int = 10,
        sqlite_synchronous: str = "NORMAL",
        secret_key: str | None = None,
        retired_keys: str | None = None,
        http_allow: Iterable[str] = (),
        kinds: Iterable[type[StepKind]] | None = None,
    ) -> Engine:
        """Open the database at ``url``; ``migrate=True`` first brings its schema up to date.
        ``secret_key`` (default: OFFICEFLOW_SECRET_KEY; on SQLite a generated key file) keys the
        audit log and stored secrets; ``retired_keys`` (default: OFFICEFLOW_SECRET_KEYS_RETIRED) are
        earlier keys, still read (see ``officeflow keys rotate``)."""
        store = open_store(url, pool_size=pool_size, sqlite_synchronous=sqlite_synchronous)
        try:
            if migrate:
                migrations.upgrade(store)
            return cls(
                store,
                handlers=handlers,
                clock=clock,
                secret_key=secret_key,
                retired_keys=retired_keys,
                http_allow=http_allow,
                kinds=kinds,
            )
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.batcher.close()
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> float:
        return self.clock.now()

    def record_audit(
        self,
        tx: Tx,
        tenant: str,
        actor: str,
        action: str,
        object_type: str,
        object_id: str,
        *,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Append an audit entry inside ``tx`` (sealed into the tenant's chain later)."""
        audit.record(
            tx,
            self.keyring,
            tenant=tenant,
            at=self.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )

    # Definitions

    def load(self, source: str | Path | Mapping[str, Any], *, file: str | None = None) -> Definition:
        """Validate a definition without storing it."""
        return load_definition(source, self.registry, file=file, strict=True)

    def apply(
        self,
        source: str | Path | Mapping[str, Any] | Definition,
        *,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
        file: str | None = None,
    ) -> Applied:
        """Validate and store a definition version. Storing the same content again is a no-op;
        different content under an existing version is refused (versions are immutable)."""
        definition = source if isinstance(source, Definition) else self.load(source, file=file)
        self._check_subflows(definition, tenant)
        record = DefinitionRecord(
            tenant=tenant,
            name=definition.name,
            version=definition.version,
            digest=definition.digest,
            title=definition.title,
            source=definition.source,
            data=definition.data,
            created_at=self.now(),
            created_by=actor,
        )

        def body(tx: Tx) -> bool:
            if tx.insert_definition(record):
                self.record_audit(
                    tx,
                    tenant,
                    actor or "system",
                    "definition.applied",
                    "definition",
                    f"{definition.name}@{definition.version}",
                    after={"name": definition.name, "version": definition.version, "digest": definition.digest},
                )
                return True
            existing = tx.get_definition(tenant, definition.name, definition.version)
            if existing is not None and existing.digest == definition.digest:
                return False
            latest = tx.get_definition(tenant, definition.name)
            next_version = (latest.version if latest else definition.version) + 1
            raise DefinitionVersionExists(
                f"'{definition.name}' version {definition.version} already exists with different content; "
                f"versions are immutable: give this content version {next_version}"
            )

        created = self.store.run(body)
        self._latest.pop((tenant, definition.name), None)
        return Applied(definition=definition, created=created)

    def _check_subflows(self, definition: Definition, tenant: str) -> None:
        problems = []
        for sid, step in definition.steps.items():
            workflow = getattr(step, "workflow", None) if step.kind == "subflow" else None
            if workflow is None or workflow == definition.name:
                continue
            version = getattr(step, "version", None)
            try:
                self.definition(workflow, version, tenant=tenant)
            except DefinitionNotFound:
                what = f"'{workflow}'" + (f" version {version}" if version else "")
                problems.append(
                    Problem(
                        file=definition.file,
                        step=sid,
                        pointer=json_pointer(("steps", sid, "workflow")),
                        message=f"subflow {what} is not defined in tenant '{tenant}'",
                        expected="apply the child workflow first",
                    )
                )
        if problems:
            raise DefinitionInvalid(problems)

    def definition(
        self, name: str, version: int | None = None, *, tenant: str = DEFAULT_TENANT, tx: Tx | None = None
    ) -> Definition:
        """A stored definition (the latest version when ``version`` is None); read through ``tx``
        when given (inside a transaction)."""
        if version is not None:
            cached = self._definitions.get((tenant, name, version))
            if cached is not None:
                return cached
        else:
            latest = self._latest.get((tenant, name))
            if latest is not None and latest[0] > time.monotonic():
                return latest[1]
        if tx is not None:
            record = tx.get_definition(tenant, name, version)
        else:
            with self.store.read() as read_tx:
                record = read_tx.get_definition(tenant, name, version)
        if record is None:
            what = f"'{name}'" + (f" version {version}" if version is not None else "")
            raise DefinitionNotFound(f"no workflow definition {what} in tenant '{tenant}'")
        key = (tenant, record.name, record.version)
        with self._lock:
            cached = self._definitions.get(key)
            if cached is None:
                loaded = load_definition(record.data, self.registry, strict=False)
                cached = dataclasses.replace(loaded, source=record.source)
                self._definitions[key] = cached
        if version is None:
            self._latest[(tenant, name)] = (time.monotonic() + LATEST_CACHE, cached)
        return cached

    def definitions(self, *, tenant: str = DEFAULT_TENANT, name: str | None = None) -> list[DefinitionRecord]:
        with self.store.read() as tx:
            return tx.list_definitions(tenant, name)

    def check_input(self, definition: Definition, input: Any) -> None:
        """Raise InputInvalid listing each place where ``input`` breaks the input schema."""
        validator = definition._validator
        errors = sorted(validator.iter_errors(input), key=lambda e: list(e.absolute_path))
        if not errors:
            return
        problems = []
        for err in errors:
            pointer = json_pointer(err.absolute_path)
            expected = f"{err.validator}: {err.validator_value!r}" if err.validator not in ("required",) else None
            problems.append(Problem(pointer=pointer, message=err.message, expected=expected))
        raise InputInvalid(
            problems,
            f"input does not match the input schema of '{definition.name}' version {definition.version}",
        )

    # Runs

    def start(
        self,
        workflow: str,
        input: Any = None,
        *,
        version: int | None = None,
        tenant: str = DEFAULT_TENANT,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> Run:
        """Start a run of ``workflow`` (its latest version unless ``version``). With an
        ``idempotency_key`` already used in the tenant, returns that earlier run instead."""
        run, _ = self.start_or_get(
            workflow, input, version=version, tenant=tenant, idempotency_key=idempotency_key, actor=actor
        )
        return run

    def start_or_get(
        self,
        workflow: str,
        input: Any = None,
        *,
        version: int | None = None,
        tenant: str = DEFAULT_TENANT,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> tuple[Run, bool]:
        """Like start(); also says whether the run was created (False: the key named an earlier run)."""
        definition = self.definition(workflow, version, tenant=tenant)
        input = {} if input is None else input
        self.check_input(definition, input)
        return self.batcher.submit_staged(
            functools.partial(
                self.start_staged,
                definition=definition,
                input=input,
                tenant=tenant,
                idempotency_key=idempotency_key,
                actor=actor,
            )
        )

    def start_in(
        self,
        tx: Tx,
        *,
        definition: Definition,
        input: Any,
        tenant: str,
        idempotency_key: str | None,
        actor: str | None,
    ) -> tuple[Run, bool]:
        """Start one run inside ``tx`` (input already checked); several may share a transaction.
        Returns the run and whether it was created (False: its idempotency key named an earlier run)."""
        return drive(
            tx,
            self.start_staged(
                tx, definition=definition, input=input, tenant=tenant, idempotency_key=idempotency_key, actor=actor
            ),
        )

    def start_staged(
        self,
        tx: Tx,
        *,
        definition: Definition,
        input: Any,
        tenant: str,
        idempotency_key: str | None,
        actor: str | None,
    ) -> Staged[tuple[Run, bool]]:
        """start_in() as staged work (officeflow.engine.staged): in a group commit, the keyed
        inserts of all its starts share one round trip."""
        now = self.now()
        t = Transition(self, tx, now, actor=actor)
        run_id, created = yield from t.start_staged(definition, input, tenant=tenant, idempotency_key=idempotency_key)
        t.finalize()
        if not created or t.status[run_id].terminal or t.status[run_id] == RunStatus.FAILED:
            found = tx.get_run(run_id, tenant)
            assert found is not None
            return found, created
        run = Run(
            id=run_id,
            tenant=tenant,
            workflow=definition.name,
            version=definition.version,
            status=t.status[run_id],
            input=input,
            output=None,
            error=None,
            idempotency_key=idempotency_key,
            parent_run_id=None,
            parent_step=None,
            created_at=now,
            updated_at=now,
            completed_at=None,
            created_by=actor,
        )
        return run, True

    def get_run(self, run_id: str, *, tenant: str = DEFAULT_TENANT) -> Run:
        with self.store.read() as tx:
            run = tx.get_run(run_id, tenant)
        if run is None:
            raise RunNotFound(f"no run {run_id} in tenant '{tenant}'")
        return run

    def list_runs(
        self,
        *,
        tenant: str = DEFAULT_TENANT,
        statuses: Sequence[str] = (),
        workflow: str | None = None,
        version: int | None = None,
        limit: int = 50,
        before: tuple[float, str] | None = None,
        parent_run_id: str | None = None,
    ) -> list[Run]:
        flt = RunFilter(
            tenant=tenant,
            statuses=[str(RunStatus(s)) for s in statuses],
            workflow=workflow,
            version=version,
            limit=limit,
            before=before,
            parent_run_id=parent_run_id,
        )
        with self.store.read() as tx:
            return tx.list_runs(flt)

    def history(self, run_id: str, *, tenant: str = DEFAULT_TENANT) -> list[HistoryEvent]:
        self.get_run(run_id, tenant=tenant)
        with self.store.read() as tx:
            return tx.history_of(run_id)

    def positions(self, run_id: str, *, tenant: str = DEFAULT_TENANT) -> Positions:
        self.get_run(run_id, tenant=tenant)
        with self.store.read() as tx:
            return Positions(
                jobs=tx.jobs_of_run(run_id),
                waits=tx.waits_of_run(run_id),
                joins=[(s, i, r) for s, i, _, r in tx.joins_of_run(run_id)],
                signals=tx.buffered_signals(run_id),
            )

    def dead_letters(
        self, *, tenant: str = DEFAULT_TENANT, workflow: str | None = None, limit: int = 100
    ) -> list[DeadLetter]:
        with self.store.read() as tx:
            rows = tx.dead_letters(tenant, workflow=workflow, limit=limit)
        return [DeadLetter(job=j, workflow=w, version=v, failed_at=at) for j, w, v, at in rows]

    def wait_for(
        self,
        run_id: str,
        *,
        tenant: str = DEFAULT_TENANT,
        timeout: float | None = None,
        statuses: Iterable[RunStatus] = (
            RunStatus.COMPLETED,
            RunStatus.CANCELLED,
            RunStatus.FAILED,
        ),
    ) -> Run:
        """Block until the run reaches one of ``statuses`` (woken by notifications); returns it.
        Raises TimeoutError after ``timeout`` seconds."""
        if self._watcher is None:
            with self._lock:
                if self._watcher is None:
                    self._watcher = RunWatcher(self.store)
        return self._watcher.wait(lambda: self.get_run(run_id, tenant=tenant), run_id, set(statuses), timeout)

    # Operator actions (see officeflow.engine.operations)

    def signal(
        self,
        run_id: str,
        name: str,
        payload: Any = None,
        *,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
    ) -> bool:
        """Send a signal; True when a waiting step took it, False when the run keeps it for later."""
        return operations.signal(self, run_id, name, payload, tenant=tenant, actor=actor)

    def retry(
        self,
        run_id: str,
        *,
        from_step: str | None = None,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
    ) -> int:
        return operations.retry(self, run_id, from_step=from_step, tenant=tenant, actor=actor)

    def skip(
        self,
        run_id: str,
        step_id: str,
        output: Any = None,
        *,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
    ) -> None:
        operations.skip(self, run_id, step_id, output, tenant=tenant, actor=actor)

    def cancel(
        self,
        run_id: str,
        *,
        reason: str | None = None,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
    ) -> list[str]:
        return operations.cancel(self, run_id, reason=reason, tenant=tenant, actor=actor)

    def pause(self, run_id: str, *, tenant: str = DEFAULT_TENANT, actor: str | None = None) -> None:
        operations.pause(self, run_id, tenant=tenant, actor=actor)

    def resume(self, run_id: str, *, tenant: str = DEFAULT_TENANT, actor: str | None = None) -> None:
        operations.resume(self, run_id, tenant=tenant, actor=actor)

    def migrate(
        self,
        run_id: str,
        to_version: int,
        step_map: Mapping[str, str] | None = None,
        *,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
        dry_run: bool = False,
    ) -> operations.MigrationPlan:
        return operations.migrate(
            self,
            run_id,
            to_version,
            dict(step_map or {}),
            tenant=tenant,
            actor=actor,
            dry_run=dry_run,
        )

    def act_on_position(
        self,
        run_id: str,
        step_id: str,
        iteration: int,
        fn: Callable[[StepPort], T],
        *,
        tenant: str = DEFAULT_TENANT,
        actor: str | None = None,
    ) -> T:
        """Let a step kind act on a run's position from outside the engine (a person decides a
        task): in one transaction under the run's lock, ``fn`` gets a port on (``step_id``,
        ``iteration``) and may complete it, fail it, schedule jobs, write history; the run's
        status is settled afterwards. Returns what ``fn`` returns; RunNotFound for a run of
        another tenant."""
        return operations.act_on_position(self, run_id, step_id, iteration, fn, tenant=tenant, actor=actor)

    # Workers

    def worker(self, **options: Any) -> Worker:
        from officeflow.engine.worker import Worker

        return Worker(self, **options)

    def run_until_idle(self, *, advance_clock: bool = False, max_rounds: int = 10_000, **options: Any) -> int:
        """Execute in this thread until nothing is due; returns the number of steps executed.

        With a FakeClock and ``advance_clock=True``, moves the clock to each future timer,
        retry or timeout in turn until no job is left at all."""
        from officeflow.clock import FakeClock

        worker = self.worker(**options)
        total = 0
        for _ in range(max_rounds):
            total += worker.run(until_idle=True)
            if not advance_clock:
                break
            with self.store.read() as tx:
                due = tx.next_due(list(worker.queues))
            if due is None:
                break
            if not isinstance(self.clock, FakeClock):
                raise TypeError("advance_clock needs a FakeClock")
            if due > self.clock.now():
                self.clock.set(due)
        return total

    def load_contexts(self, tx: Tx, run_ids: Sequence[str]) -> dict[str, RunContext]:
        """Rebuild the contexts of runs from the store, in one pass."""
        ids = list(set(run_ids))
        heads, results = tx.run_contexts(ids)
        rows: dict[str, list[tuple[str, str | None, int | None, str | None, str | None]]] = {r: [] for r in ids}
        for run_id, type_, step_id, iteration, output, data in results:
            rows[run_id].append((type_, step_id, iteration, output, data))
        return {run_id: RunContext.from_history(head, input, rows[run_id]) for run_id, (head, input) in heads.items()}

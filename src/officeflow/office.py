"""The composition root: the one object the faces (the HTTP API, the web console, the CLI) and the
examples build, and which builds and owns everything else.

::

    with Office.open("sqlite:///office.db", handlers=[my_handlers], migrate=True) as office:
        office.engine.apply(Path("expense.yaml"))
        run = office.engine.start("expense-approval", {"employee_id": "e-7", "amount": 42.0})
        office.engine.run_until_idle()
        inbox = office.tasks.inbox(office.tasks.viewer("default", "mark"))

What it holds, and who builds on whom (nothing below imports anything above it)::

    Office
      queries     the typed reads of the faces (officeflow.queries)
      events      event ingestion (officeflow.ingest): types, triggers, publishing, replay
      schedules   cron schedules that publish events
      tasks       human tasks (officeflow.tasks): inbox, claim, decide ...
      directory   the people, groups and absences tasks are assigned from
      decision_tables  decision tables per tenant (officeflow.decision_tables), for the rules step
      documents   the document step's reading of stored files, each tenant's vendor memory
      llm_budgets the tenants' token budgets of llm steps: read, set, back to the setting's
      accounts    users, sessions, API keys (officeflow.security)
      engine      definitions, runs, workers (officeflow.engine), with the built-in step kinds
      audit, secrets, keyring   shared by the engine and the services above

Services that come later (the model registry, decision tables, documents) plug in the same way:
a class in its own package takes what it needs (the engine, the store, the clock, settings) in
its constructor, is built in :meth:`Office.build`, becomes a typed attribute here, and, when it
holds threads or connections, is added to the list :meth:`close` closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Self

from officeflow.appimport import import_app
from officeflow.clock import Clock, SystemClock
from officeflow.decision_tables import DecisionTables, Rules
from officeflow.documents.service import DocumentService
from officeflow.documents.step import Document
from officeflow.engine import Engine
from officeflow.ingest.schedules import Schedules
from officeflow.ingest.service import Ingestor
from officeflow.kinds import BUILTIN_KINDS
from officeflow.llm import kind as llm_kind
from officeflow.llm.budgets import LlmBudgets
from officeflow.llm.settings import LlmSettings, load_llm_settings
from officeflow.llm.storebudget import StoreTokenBudget
from officeflow.modelops import ModelRegistry
from officeflow.modelops.fallback import Tables
from officeflow.modelops.kind import ModelStep
from officeflow.modelops.scoring import Scorer
from officeflow.queries import Queries
from officeflow.security import keys
from officeflow.security.accounts import Accounts
from officeflow.security.audit import AuditLog
from officeflow.security.keys import Keyring
from officeflow.security.secrets import Secrets
from officeflow.settings import Settings
from officeflow.steps.base import StepKind
from officeflow.store import Store, open_store
from officeflow.store import migrate as migrations
from officeflow.tasks.directory import Directory
from officeflow.tasks.notify import Notifier
from officeflow.tasks.service import Tasks


def budgets_of(engine: Engine, llm: LlmSettings) -> LlmBudgets:
    """The tenants' token budgets in the engine's store, with the limit and window of ``llm``."""
    budget = StoreTokenBudget(
        engine.store, default_limit=llm.tenant_tokens, period=llm.token_period, clock=engine.clock
    )
    return LlmBudgets(budget, engine.keyring)


class Office:
    """Everything one process works with, built once and closed once (a context manager)."""

    def __init__(
        self,
        *,
        engine: Engine,
        accounts: Accounts,
        events: Ingestor,
        schedules: Schedules,
        tasks: Tasks,
        directory: Directory,
        queries: Queries,
        models: ModelRegistry | None = None,
        documents: DocumentService | None = None,
        decision_tables: DecisionTables | None = None,
        llm_budgets: LlmBudgets | None = None,
        closing: Iterable[Callable[[], None]] = (),
    ) -> None:
        """The parts, built elsewhere (tests may build them by hand); :meth:`build` builds them
        all. ``closing``: what :meth:`close` calls, in this order, before it closes the engine."""
        self.engine = engine
        self.accounts = accounts
        self.events = events
        self.schedules = schedules
        self.tasks = tasks
        self.directory = directory
        self.queries = queries
        self.decision_tables = decision_tables or DecisionTables(engine)
        """Decision tables stored per tenant: push, evaluate, check the rules steps of a definition."""
        self.documents = documents
        """Reads stored files for document steps; each tenant's vendor memory (None: built by hand without it)."""
        self.models = models or ModelRegistry(engine.store, engine.keyring, engine.clock.now)
        """Model versions, stages and routing; the ``model`` step's registry (officeflow.modelops)."""
        self.llm_budgets = llm_budgets or budgets_of(engine, load_llm_settings())
        """The tenants' token budgets of llm steps: read one, set a tenant's own limit (audited)."""
        self._closing = list(closing)
        self._closing.append(self.models.close)

    @classmethod
    def build(
        cls,
        store: Store,
        *,
        handlers: Iterable[object] = (),
        clock: Clock | None = None,
        check_schema: bool = True,
        keyring: Keyring | None = None,
        secret_key: str | None = None,
        retired_keys: str | None = None,
        http_allow: Iterable[str] = (),
        kinds: Iterable[type[StepKind]] = BUILTIN_KINDS,
        llm: LlmSettings | None = None,
    ) -> Office:
        """Build every part around ``store`` (which the office then owns and closes).
        ``secret_key`` (default: OFFICEFLOW_SECRET_KEY; on SQLite a generated key file) keys the
        audit log and stored secrets; ``retired_keys`` are earlier keys, still read. ``llm``: the
        endpoint and token budget of llm steps (default: the ``OFFICEFLOW_LLM_*`` variables)."""
        clock = clock or SystemClock()
        keyring = keyring or keys.load(secret_key, sqlite_path=getattr(store, "path", None), retired=retired_keys)
        audit_log = AuditLog(store, keyring)
        secrets = Secrets(store, keyring, clock.now)
        engine = Engine(
            store,
            handlers=handlers,
            clock=clock,
            check_schema=check_schema,
            keyring=keyring,
            http_allow=http_allow,
            kinds=kinds,
            audit_log=audit_log,
            secrets=secrets,
        )
        events = Ingestor(engine)
        models = ModelRegistry(store, keyring, engine.clock.now)
        model_step = engine.registry.kind("model")
        if isinstance(model_step, ModelStep):
            model_step.bind(Scorer(models, Tables(store), engine.clock.now))
        llm = llm or load_llm_settings()
        llm_budgets = budgets_of(engine, llm)
        llm_step = engine.registry.kind("llm")
        if isinstance(llm_step, llm_kind.Llm):
            llm_step.bind(llm_kind.services(store=store, settings=llm, clock=engine.clock, budget=llm_budgets.budget))
        documents = DocumentService(store, keyring=keyring, now=engine.clock.now)
        document_kind = engine.registry.kind("document")
        if isinstance(document_kind, Document):
            document_kind.bind(documents)
        tasks = Tasks(engine, listeners=[documents.learn])
        decision_tables = DecisionTables(engine)
        rules_kind = engine.registry.kind("rules")
        if isinstance(rules_kind, Rules):
            rules_kind.bind(decision_tables.models)
        return cls(
            engine=engine,
            accounts=Accounts(store, keyring, engine.clock.now),
            events=events,
            schedules=Schedules(engine, events),
            tasks=tasks,
            directory=Directory(engine),
            queries=Queries(engine, tasks),
            decision_tables=decision_tables,
            models=models,
            documents=documents,
            llm_budgets=llm_budgets,
            closing=[documents.close],
        )

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
        llm: LlmSettings | None = None,
    ) -> Office:
        """Open the database at ``url`` (``migrate=True`` first brings its schema up to date) and
        build the office on it; the parameters are those of :meth:`Engine.open`."""
        store = open_store(url, pool_size=pool_size, sqlite_synchronous=sqlite_synchronous)
        try:
            if migrate:
                migrations.upgrade(store)
            return cls.build(
                store,
                handlers=handlers,
                clock=clock,
                secret_key=secret_key,
                retired_keys=retired_keys,
                http_allow=http_allow,
                llm=llm,
            )
        except BaseException:
            store.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings, *, check_schema: bool = True) -> Office:
        """The office a process configured by ``OFFICEFLOW_*`` works with: the database, the
        user's app modules (``settings.apps``), the keys and the HTTP allowlist from ``settings``."""
        store = open_store(
            settings.database_url, pool_size=settings.pool_size, sqlite_synchronous=settings.sqlite_synchronous
        )
        try:
            return cls.build(
                store,
                handlers=[import_app(name) for name in settings.apps],
                check_schema=check_schema,
                secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
                retired_keys=settings.secret_keys_retired.get_secret_value() if settings.secret_keys_retired else None,
                http_allow=settings.http_allowlist,
                llm=settings.llm(),
            )
        except BaseException:
            store.close()
            raise

    # What the engine holds for everyone

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def clock(self) -> Clock:
        return self.engine.clock

    @property
    def keyring(self) -> Keyring:
        return self.engine.keyring

    @property
    def audit(self) -> AuditLog:
        return self.engine.audit

    @property
    def secrets(self) -> Secrets:
        return self.engine.secrets

    def now(self) -> float:
        return self.engine.now()

    def notifier(self, settings: Settings) -> Notifier | None:
        """The sender of task notifications (not started), unless they are turned off
        (``OFFICEFLOW_NOTIFY``)."""
        if not settings.notify:
            return None
        return Notifier(
            self.engine, smtp_url=settings.smtp_url, mail_from=settings.mail_from, http_allow=settings.http_allowlist
        )

    # Lifetime

    def close(self) -> None:
        for close in self._closing:
            close()
        self._closing.clear()
        self.engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

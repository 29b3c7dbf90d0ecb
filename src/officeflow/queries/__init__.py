"""The one typed query layer: what the faces (the HTTP API, the web console, the CLI) read.

Routers and pages never run SQL or open store transactions themselves; they call these
queries, which check what the principal may see, page with one cursor codec
(:mod:`officeflow.queries.cursor`), build their statements with SQLAlchemy Core on the tables of
:mod:`officeflow.store.schema` (or call the store's typed operations) and run them through the
store's public transaction API. What they give back are frozen records.
"""

from __future__ import annotations

from officeflow.engine import Engine
from officeflow.queries.audit import AuditQueries
from officeflow.queries.decision_tables import DecisionTableQueries
from officeflow.queries.definitions import DefinitionQueries
from officeflow.queries.model_monitoring import ModelMonitoringQueries
from officeflow.queries.models import ModelQueries
from officeflow.queries.runs import RunQueries
from officeflow.queries.stored import FileQueries, SecretQueries
from officeflow.queries.tasks import TaskQueries
from officeflow.tasks.service import Tasks


class Queries:
    """Every read of the faces, by subject."""

    def __init__(self, engine: Engine, tasks: Tasks) -> None:
        self.store = engine.store
        self.runs = RunQueries(engine)
        self.definitions = DefinitionQueries(engine)
        self.decision_tables = DecisionTableQueries(engine.store)
        self.models = ModelQueries(engine.store)
        self.model_monitoring = ModelMonitoringQueries(engine.store)
        self.tasks = TaskQueries(tasks)
        self.audit = AuditQueries(engine.store)
        self.files = FileQueries(engine.store)
        self.secrets = SecretQueries(engine.store)

    def health(self) -> str:
        """The database's name once a statement round-tripped to it (StoreUnavailable when it
        cannot be reached)."""
        with self.store.read() as tx:
            tx.ping()
        return self.store.dialect.name


__all__ = ["Queries"]

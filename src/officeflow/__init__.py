"""officeflow: durable, audited, AI-assisted office workflows on SQLite or PostgreSQL.

``Office.open(url)`` builds everything (the engine, event ingestion, human tasks, accounts, the
audit log); ``Engine.open(url)`` is the engine alone (definitions, runs and workers)."""

from officeflow.clock import Clock, FakeClock, SystemClock
from officeflow.definitions import Definition, load_definition
from officeflow.engine import (
    DEFAULT_TENANT,
    Applied,
    DeadLetter,
    Engine,
    MigrationPlan,
    Positions,
    StepTimeout,
    Worker,
)
from officeflow.errors import (
    Conflict,
    DecisionInvalid,
    DefinitionInvalid,
    DefinitionNotFound,
    DefinitionVersionExists,
    ExpressionError,
    IdempotencyConflict,
    InputInvalid,
    InvalidRunState,
    MigrationRefused,
    NonRetryableError,
    NotAllowed,
    NotFound,
    OfficeflowError,
    Problem,
    RequestInvalid,
    RunNotFound,
    SchemaOutOfDate,
    StepError,
    TaskConflict,
    TaskNotFound,
    WorkerShutdown,
)
from officeflow.office import Office
from officeflow.retry import RetryPolicy
from officeflow.steps import (
    ActivityConfig,
    ActivityKind,
    ControlKind,
    StepConfig,
    StepContext,
    handler,
    step_kind,
)
from officeflow.store import HistoryEvent, Job, JobStatus, Run, RunStatus, open_store

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TENANT",
    "ActivityConfig",
    "ActivityKind",
    "Applied",
    "Clock",
    "Conflict",
    "ControlKind",
    "DeadLetter",
    "DecisionInvalid",
    "Definition",
    "DefinitionInvalid",
    "DefinitionNotFound",
    "DefinitionVersionExists",
    "Engine",
    "ExpressionError",
    "FakeClock",
    "HistoryEvent",
    "IdempotencyConflict",
    "InputInvalid",
    "InvalidRunState",
    "Job",
    "JobStatus",
    "MigrationPlan",
    "MigrationRefused",
    "NonRetryableError",
    "NotAllowed",
    "NotFound",
    "Office",
    "OfficeflowError",
    "Positions",
    "Problem",
    "RequestInvalid",
    "RetryPolicy",
    "Run",
    "RunNotFound",
    "RunStatus",
    "SchemaOutOfDate",
    "StepConfig",
    "StepContext",
    "StepError",
    "StepTimeout",
    "SystemClock",
    "TaskConflict",
    "TaskNotFound",
    "Worker",
    "WorkerShutdown",
    "__version__",
    "handler",
    "load_definition",
    "open_store",
    "step_kind",
]

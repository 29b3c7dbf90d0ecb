"""What the store hands out and takes in: status enums, and frozen records built from rows.

Rows never leave the store layer; these records do. Each record is mapped to its table once, by
the :class:`~officeflow.store.rowmap.RowMap` at the end of this module (the records of tasks,
events, the directory and security are mapped next to their queries, in the ``tx_*`` modules).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_TUPLE, JSON_VALUE, SCOPE, Scope
from officeflow.store.rowmap import RowMap

__all__ = [
    "DEFINITIONS",
    "HEADS",
    "HISTORY",
    "JOBS",
    "JOINS",
    "NEW_AUDIT",
    "NEW_HISTORY",
    "NEW_JOBS",
    "NEW_RUNS",
    "RUNS",
    "SIGNALS",
    "WAITS",
    "WORKERS",
    "DefinitionRecord",
    "HistoryEvent",
    "Job",
    "JobKind",
    "JobStatus",
    "Join",
    "NewAuditEntry",
    "NewHistoryEvent",
    "NewJob",
    "NewRun",
    "Run",
    "RunHead",
    "RunStatus",
    "Scope",
    "Signal",
    "StepRecord",
    "Wait",
    "WorkerRecord",
]


class RunStatus(StrEnum):
    RUNNING = "running"
    """A step is queued or executing."""
    WAITING = "waiting"
    """Nothing to execute now: waiting for a signal, a timer or a child run."""
    PAUSED = "paused"
    """Stopped by an operator; nothing is claimed until it is resumed."""
    COMPLETED = "completed"
    """Ended normally; ``output`` holds the result."""
    FAILED = "failed"
    """A step exhausted its retries (it is in the dead-letter list); an operator can retry or skip it."""
    CANCELLED = "cancelled"
    """Stopped for good by an operator."""

    @property
    def terminal(self) -> bool:
        return self in (RunStatus.COMPLETED, RunStatus.CANCELLED)


class JobStatus(StrEnum):
    QUEUED = "queued"
    """Claimable once ``available_at`` has passed."""
    RUNNING = "running"
    """Claimed by ``lease_owner`` until ``lease_expires_at``."""
    PAUSED = "paused"
    """Its run is paused."""
    FAILED = "failed"
    """Retries exhausted: a dead letter, kept until an operator retries, skips or cancels."""


class JobKind(StrEnum):
    """The engine's own job kinds. A job's ``kind`` is one of these or a job kind that a step
    kind owns (its ``job_kinds``, e.g. ``task_sla`` of the ``human`` kind); the registry hands a
    fired job of such a kind to its owner."""

    STEP = "step"
    """Execute an activity step's handler (or re-enter a failed control step)."""
    TIMER = "timer"
    """Fire a timer step at ``available_at``."""
    TIMEOUT = "timeout"
    """Time out a wait at ``available_at`` unless its signal came first."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Run:
    id: str
    tenant: str
    workflow: str
    version: int
    status: RunStatus
    input: Any
    output: Any
    error: dict[str, Any] | None
    idempotency_key: str | None
    parent_run_id: str | None
    parent_step: str | None
    created_at: float
    updated_at: float
    completed_at: float | None
    created_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class RunHead:
    """The parts of a run a transition needs, read under the run's lock."""

    id: str
    tenant: str
    workflow: str
    version: int
    status: RunStatus
    parent_run_id: str | None
    parent_step: str | None
    parent_iteration: int | None
    parent_scope: Scope


@dataclass(frozen=True, kw_only=True, slots=True)
class Job:
    id: str
    run_id: str
    tenant: str
    kind: str
    """A :class:`JobKind` value, or a job kind a step kind owns."""
    step_id: str
    iteration: int
    scope: Scope
    queue: str
    status: JobStatus
    attempt: int
    retries_from: int
    available_at: float
    lease_owner: str | None
    lease_expires_at: float | None
    error: dict[str, Any] | None = None

    @property
    def attempts_counted(self) -> int:
        """Attempts since the last operator retry (what the retry policy counts)."""
        return self.attempt - self.retries_from


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryEvent:
    id: int
    run_id: str
    at: float
    type: str
    step_id: str | None
    iteration: int | None
    attempt: int | None
    actor: str | None
    output: Any
    data: dict[str, Any] | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Wait:
    run_id: str
    step_id: str
    iteration: int
    tenant: str
    scope: Scope
    kind: str
    signal: str | None
    child_run_id: str | None
    timeout_job_id: str | None
    deadline: float | None
    created_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Join:
    """A parallel step waiting for its branches."""

    run_id: str
    step_id: str
    iteration: int
    scope: Scope
    remaining: int
    """Branches still running."""
    outputs: dict[str, Any]
    """The outputs of the branches that ended, by branch."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Signal:
    id: str
    run_id: str
    name: str
    payload: Any
    created_at: float
    sender: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class DefinitionRecord:
    tenant: str
    name: str
    version: int
    digest: str
    title: str | None
    source: str
    data: dict[str, Any]
    created_at: float
    created_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkerRecord:
    id: str
    hostname: str
    pid: int
    queues: tuple[str, ...]
    concurrency: int
    started_at: float
    heartbeat_at: float
    stopped_at: float | None
    steps_done: int


@dataclass(frozen=True, kw_only=True, slots=True)
class StepRecord:
    """A completed step as a run context needs it."""

    step_id: str
    iteration: int
    output: Any


# What the store takes in: rows to insert.


@dataclass(frozen=True, kw_only=True, slots=True)
class NewRun:
    id: str
    tenant: str
    workflow: str
    version: int
    status: RunStatus
    input_json: str
    """The input, already JSON text."""
    idempotency_key: str | None
    parent_run_id: str | None = None
    parent_step: str | None = None
    parent_iteration: int | None = None
    parent_scope: Scope = ()
    created_at: float
    created_by: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class NewJob:
    id: str
    run_id: str
    tenant: str
    kind: str
    """A :class:`JobKind` value, or a job kind a step kind owns."""
    step_id: str
    iteration: int
    scope: Scope
    queue: str
    status: JobStatus
    available_at: float
    created_at: float
    attempt: int = 0
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    priority: int = 0
    error: Any = None

    def as_job(self) -> Job:
        return Job(
            id=self.id,
            run_id=self.run_id,
            tenant=self.tenant,
            kind=self.kind,
            step_id=self.step_id,
            iteration=self.iteration,
            scope=self.scope,
            queue=self.queue,
            status=self.status,
            attempt=self.attempt,
            retries_from=0,
            available_at=self.available_at,
            lease_owner=self.lease_owner,
            lease_expires_at=self.lease_expires_at,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class NewHistoryEvent:
    run_id: str
    tenant: str
    at: float
    type: str
    step_id: str | None = None
    iteration: int | None = None
    attempt: int | None = None
    actor: str | None = None
    output_json: str | None = None
    """The step's output, already JSON text."""
    data: Any = None


@dataclass(frozen=True, kw_only=True, slots=True)
class NewAuditEntry:
    """An audit entry as appended: unsealed (the sealer gives it its place in the chain)."""

    tenant: str
    at: float
    actor: str
    action: str
    object_type: str
    object_id: str
    before: str | None
    """JSON text, as the MAC covers it."""
    after: str | None
    mac: str
    nonce: str


# Each record mapped to its table, once.

RUNS = RowMap(
    schema.runs,
    Run,
    codecs={"input": JSON_VALUE, "output": JSON, "error": JSON},
    omit=("parent_iteration", "parent_scope"),
)
HEADS = RowMap(
    schema.runs,
    RunHead,
    codecs={"parent_scope": SCOPE},
    omit=(
        "input",
        "output",
        "error",
        "idempotency_key",
        "created_at",
        "updated_at",
        "completed_at",
        "created_by",
    ),
)
NEW_RUNS = RowMap(
    schema.runs,
    NewRun,
    writes_only=True,
    codecs={"parent_scope": SCOPE},
    columns={"input_json": "input"},
    derived={"updated_at": lambda run: run.created_at},
    constants={"output": None, "error": None, "completed_at": None},
)
JOBS = RowMap(schema.jobs, Job, codecs={"scope": SCOPE, "error": JSON}, omit=("priority", "created_at"))
NEW_JOBS = RowMap(
    schema.jobs, NewJob, codecs={"scope": SCOPE, "error": JSON}, constants={"retries_from": 0}, writes_only=True
)
HISTORY = RowMap(schema.history, HistoryEvent, codecs={"output": JSON, "data": JSON}, omit=("tenant",))
NEW_HISTORY = RowMap(
    schema.history, NewHistoryEvent, codecs={"data": JSON}, columns={"output_json": "output"}, writes_only=True
)
NEW_AUDIT = RowMap(schema.audit, NewAuditEntry, omit=("seq", "prev_hash", "hash"), writes_only=True)
WAITS = RowMap(schema.waits, Wait, codecs={"scope": SCOPE})
JOINS = RowMap(schema.joins, Join, codecs={"scope": SCOPE, "outputs": JSON_VALUE})
SIGNALS = RowMap(schema.signals, Signal, codecs={"payload": JSON}, omit=("tenant",))
DEFINITIONS = RowMap(schema.definitions, DefinitionRecord, codecs={"data": JSON_VALUE})
WORKERS = RowMap(schema.workers, WorkerRecord, codecs={"queues": JSON_TUPLE})

"""What the store hands out: status enums and frozen records built from rows.

Rows never leave the store layer; these records do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Scope = tuple[tuple[str, int, str], ...]
"""Runtime branch path: (parallel step id, its iteration, branch start step id) per level."""


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

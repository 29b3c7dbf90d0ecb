"""Request and response bodies of the HTTP API (they are what the OpenAPI document shows)."""

from __future__ import annotations

import functools
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from officeflow.clock import iso
from officeflow.store.records import DefinitionRecord, HistoryEvent, Job, Run, Wait
from officeflow.store.tx_audit import AuditRow
from officeflow.store.tx_events import EventRow, EventTypeRow, RejectRow, ScheduleRow, TriggerRow
from officeflow.store.tx_security import ApiKeyRow, UserRow

MAX_VERSION = 2**31 - 1
MAX_INT = 2**53 - 1
"""The largest integer a JSON reader holds exactly (a double); ids and counters stay below it."""
MAX_TIME = 253_402_300_799.0
"""9999-12-31T23:59:59Z, the last instant an ISO timestamp can show."""
Name = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", min_length=1, max_length=100)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """Text fields end up in database columns, which cannot hold NUL characters."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in items):
            raise ValueError("NUL characters are not allowed")
        return value


class Input(Model):
    """A request body, validated as strictly as the OpenAPI document describes it: ``false`` is
    not a number, ``"1"`` not an integer, ``1`` not text (pydantic's lax mode took them). A number
    without a fraction (``3.0``) is an integer, as in JSON Schema."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _whole_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, float) and value.is_integer() and info.field_name in _integer_fields(cls):
            return int(value)
        return value


@functools.cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold an integer (and not also a float)."""
    out = set()
    for name, field in model.model_fields.items():
        kinds = typing.get_args(field.annotation) or (field.annotation,)
        if int in kinds and float not in kinds:
            out.add(name)
    return frozenset(out)


# Definitions


class DefinitionSource(Input):
    source: str = Field(max_length=1_000_000, description="the definition as YAML (or JSON) text")


class DefinitionData(Input):
    definition: dict[str, Any] = Field(description="the definition as a JSON object")


DefinitionIn = DefinitionSource | DefinitionData


class DefinitionOut(Model):
    name: str
    version: int
    title: str | None
    digest: str
    created_at: str | None
    created_by: str | None
    source: str | None = None
    steps: list[str] | None = None

    @classmethod
    def of(cls, record: DefinitionRecord, *, full: bool = False) -> DefinitionOut:
        steps = list((record.data.get("steps") or {}).keys()) if full else None
        return cls(
            name=record.name,
            version=record.version,
            title=record.title,
            digest=record.digest,
            created_at=iso(record.created_at),
            created_by=record.created_by,
            source=record.source if full else None,
            steps=steps,
        )


class ApplyOut(Model):
    definition: DefinitionOut
    created: bool


# Runs


class StartIn(Input):
    workflow: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    version: int | None = Field(None, ge=1, le=MAX_VERSION)
    input: Any = None


class RunOut(Model):
    id: str
    workflow: str
    version: int
    status: str
    input: Any
    output: Any = None
    error: dict[str, Any] | None = None
    idempotency_key: str | None = None
    parent_run_id: str | None = None
    created_at: str | None
    updated_at: str | None
    completed_at: str | None = None
    created_by: str | None = None

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls(
            id=run.id,
            workflow=run.workflow,
            version=run.version,
            status=str(run.status),
            input=run.input,
            output=run.output,
            error=run.error,
            idempotency_key=run.idempotency_key,
            parent_run_id=run.parent_run_id,
            created_at=iso(run.created_at),
            updated_at=iso(run.updated_at),
            completed_at=iso(run.completed_at),
            created_by=run.created_by,
        )


class RunPage(Model):
    items: list[RunOut]
    next_cursor: str | None


class PositionOut(Model):
    step_id: str
    iteration: int
    kind: str
    status: str
    attempt: int | None = None
    due_at: str | None = None
    signal: str | None = None
    child_run_id: str | None = None
    error: dict[str, Any] | None = None

    @classmethod
    def of_job(cls, job: Job) -> PositionOut:
        return cls(
            step_id=job.step_id,
            iteration=job.iteration,
            kind=str(job.kind),
            status=str(job.status),
            attempt=job.attempt,
            due_at=iso(job.available_at),
            error=job.error,
        )

    @classmethod
    def of_wait(cls, wait: Wait) -> PositionOut:
        return cls(
            step_id=wait.step_id,
            iteration=wait.iteration,
            kind=f"wait:{wait.kind}",
            status="waiting",
            signal=wait.signal,
            child_run_id=wait.child_run_id,
            due_at=iso(wait.deadline),
        )


class RunDetail(RunOut):
    positions: list[PositionOut]


class HistoryOut(Model):
    id: int
    at: str | None
    type: str
    step_id: str | None
    iteration: int | None
    attempt: int | None
    actor: str | None
    output: Any = None
    data: Any = None

    @classmethod
    def of(cls, e: HistoryEvent) -> HistoryOut:
        return cls(
            id=e.id,
            at=iso(e.at),
            type=e.type,
            step_id=e.step_id,
            iteration=e.iteration,
            attempt=e.attempt,
            actor=e.actor,
            output=e.output,
            data=e.data,
        )


class RetryIn(Input):
    from_step: str | None = None


class SkipIn(Input):
    step_id: str
    output: Any = None


class CancelIn(Input):
    reason: str | None = Field(None, max_length=2000)


class MigrateIn(Input):
    to_version: int = Field(ge=1, le=MAX_VERSION)
    map: dict[str, str] = Field(default_factory=dict)
    dry_run: bool = False


class MigrateOut(Model):
    run_id: str
    from_version: int
    to_version: int
    moves: list[list[str]]
    applied: bool


class SignalIn(Input):
    payload: Any = None


class SignalOut(Model):
    delivered: bool
    """True when a waiting step took the signal; False when the run keeps it until it waits for it."""


class Done(Model):
    ok: bool = True
    detail: str | None = None


class DeadLetterOut(Model):
    run_id: str
    workflow: str
    version: int
    step_id: str
    iteration: int
    attempts: int
    error: dict[str, Any] | None
    failed_at: str | None


# Events


class EventTypeIn(Input):
    name: str = Name
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema (2020-12) of the event data")
    description: str | None = Field(None, max_length=2000)
    signature_secret: str | None = Field(
        None, description="name of a stored secret: events of this type must be signed with it (Standard Webhooks)"
    )
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EventTypeOut(Model):
    name: str
    version: int
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None
    signed: bool
    created_at: str | None
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def of(cls, row: EventTypeRow) -> EventTypeOut:
        return cls(
            name=row.name,
            version=row.version,
            schema_=row.schema,
            description=row.description,
            signed=row.signature_secret is not None,
            created_at=iso(row.created_at),
        )


class StartedOut(Model):
    trigger: str
    run_id: str
    new: bool


class TriggerFailureOut(Model):
    trigger: str
    detail: str
    problems: list[str]


class IngestOut(Model):
    event_id: str
    type: str
    version: int
    duplicate: bool
    runs: list[StartedOut]
    trigger_failures: list[TriggerFailureOut]


class EventOut(Model):
    seq: int
    id: str
    type: str
    version: int
    source: str
    subject: str | None
    data: Any
    meta: dict[str, Any] | None
    received_at: str | None

    @classmethod
    def of(cls, e: EventRow) -> EventOut:
        return cls(
            seq=e.seq,
            id=e.id,
            type=e.type,
            version=e.version,
            source=e.source,
            subject=e.subject,
            data=e.payload,
            meta=e.meta,
            received_at=iso(e.received_at),
        )


class RejectOut(Model):
    id: str
    type: str
    source: str
    payload: str
    reason: dict[str, Any]
    received_at: str | None

    @classmethod
    def of(cls, r: RejectRow) -> RejectOut:
        return cls(
            id=r.id, type=r.type, source=r.source, payload=r.payload, reason=r.reason, received_at=iso(r.received_at)
        )


class ReplayIn(Input):
    type: str = Name
    since: float | None = Field(None, ge=0, le=MAX_TIME, description="epoch seconds, inclusive")
    until: float | None = Field(None, ge=0, le=MAX_TIME, description="epoch seconds, exclusive")
    triggers: list[str] | None = None


class ReplayOut(Model):
    events: int
    runs_started: int


class TriggerIn(Input):
    event_type: str = Name
    workflow: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    version: int | None = Field(None, ge=1, le=MAX_VERSION)
    filter: str | None = Field(None, max_length=4000)
    input: Any = None
    idempotency_key: str | None = Field(None, max_length=4000)
    enabled: bool = True


class TriggerOut(Model):
    name: str
    event_type: str
    workflow: str
    version: int | None
    filter: str | None
    input: Any
    idempotency_key: str | None
    enabled: bool
    updated_at: str | None

    @classmethod
    def of(cls, t: TriggerRow) -> TriggerOut:
        return cls(
            name=t.name,
            event_type=t.event_type,
            workflow=t.workflow,
            version=t.version,
            filter=t.filter,
            input=t.input,
            idempotency_key=t.idempotency_key,
            enabled=t.enabled,
            updated_at=iso(t.updated_at),
        )


class ScheduleIn(Input):
    name: str = Name
    cron: str = Field(min_length=1, max_length=200)
    event_type: str = Name
    timezone: str = Field("UTC", max_length=64)
    payload: Any = None


class ScheduleOut(Model):
    name: str
    cron: str
    timezone: str
    event_type: str
    payload: Any
    enabled: bool
    next_fire_at: str | None
    last_fire_at: str | None

    @classmethod
    def of(cls, s: ScheduleRow) -> ScheduleOut:
        return cls(
            name=s.name,
            cron=s.cron,
            timezone=s.timezone,
            event_type=s.event_type,
            payload=s.payload,
            enabled=s.enabled,
            next_fire_at=iso(s.next_fire_at),
            last_fire_at=iso(s.last_fire_at),
        )


# Security


Grants = list[str]


class LoginIn(Input):
    tenant: str = Field("default", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class LoginOut(Model):
    token: str
    expires_at: str | None
    csrf_token: str


class MeOut(Model):
    tenant: str
    id: str
    kind: str
    name: str
    grants: list[str]


class UserIn(Input):
    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
    password: str | None = Field(None, min_length=10, max_length=1000, description="at least 10 characters")
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    grants: Grants = Field(default_factory=list, description='"role" or "role:workflow"')


class UserPatch(Input):
    password: str | None = Field(None, min_length=10, max_length=1000, description="at least 10 characters")
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    disabled: bool | None = None


class UserOut(Model):
    id: str
    username: str
    display_name: str | None
    email: str | None
    disabled: bool
    locked_until: str | None
    created_at: str | None
    grants: list[str] | None = None

    @classmethod
    def of(cls, u: UserRow, grants: list[str] | None = None) -> UserOut:
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            email=u.email,
            disabled=u.disabled,
            locked_until=iso(u.locked_until),
            created_at=iso(u.created_at),
            grants=grants,
        )


class GrantsIn(Input):
    grants: Grants


class ApiKeyIn(Input):
    name: str = Field(min_length=1, max_length=100)
    grants: Grants
    expires_at: float | None = Field(None, ge=0, le=MAX_TIME, description="epoch seconds")


class ApiKeyOut(Model):
    id: str
    name: str
    prefix: str
    created_at: str | None
    created_by: str | None
    expires_at: str | None
    revoked_at: str | None
    token: str | None = Field(None, description="the key itself: returned once, when it is created")

    @classmethod
    def of(cls, k: ApiKeyRow, token: str | None = None) -> ApiKeyOut:
        return cls(
            id=k.id,
            name=k.name,
            prefix=k.prefix,
            created_at=iso(k.created_at),
            created_by=k.created_by,
            expires_at=iso(k.expires_at),
            revoked_at=iso(k.revoked_at),
            token=token,
        )


class SecretIn(Input):
    value: str = Field(min_length=1, max_length=65536)
    description: str | None = Field(None, max_length=2000)


class SecretOut(Model):
    name: str
    description: str | None
    updated_at: str | None
    updated_by: str | None


class AuditOut(Model):
    id: int
    seq: int | None
    at: str | None
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    hash: str | None

    @classmethod
    def of(cls, a: AuditRow) -> AuditOut:
        import orjson

        return cls(
            id=a.id,
            seq=a.seq,
            at=iso(a.at),
            actor=a.actor,
            action=a.action,
            object_type=a.object_type,
            object_id=a.object_id,
            before=orjson.loads(a.before) if a.before else None,
            after=orjson.loads(a.after) if a.after else None,
            hash=a.hash,
        )


class FindingOut(Model):
    kind: str = Field(description="altered, inserted, deleted, duplicate or moved")
    seq: int | None = Field(description="the entry's number in the chain (none for an unsealed entry)")
    entry_id: int | None
    detail: str


class VerifyOut(Model):
    ok: bool
    entries: int
    head_seq: int
    unsealed: int
    finding: FindingOut | None = Field(description="the first problem found")
    findings: list[FindingOut] = Field(description="every problem found (at most 20), in chain order")


class HeadIn(Input):
    """A chain head written down earlier (GET /v1/audit/head): the chain must still hold it."""

    seq: int = Field(ge=0, le=MAX_INT)
    hash: str = Field(min_length=1, max_length=200)


class HeadOut(Model):
    tenant: str
    seq: int
    hash: str | None
    mac: str | None
    sealed_at: float | None


class FileOut(Model):
    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: str | None


class Health(Model):
    status: Literal["ok"]
    database: str
    version: str

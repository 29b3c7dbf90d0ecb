"""Triggers: what starts a workflow when an event arrives, and their expressions compiled and
checked (they may read only ``event``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from officeflow.errors import ExpressionError, Problem, RequestInvalid
from officeflow.expressions import Expr, Value, compile_expr, compile_value
from officeflow.store.tx_events import EventRow, TriggerRow

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
EVENT_VARIABLES = {"event"}


class TriggerSpec(BaseModel):
    """What starts a workflow when an event arrives."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME)
    event_type: str = Field(pattern=NAME)
    workflow: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    version: int | None = Field(None, ge=1)
    filter: str | None = Field(None, description="CEL over `event`; the trigger fires when it is true")
    input: Any = Field(None, description="the run input: a value over `event` (default: event.data)")
    idempotency_key: str | None = Field(None, description="CEL over `event` (default: event.id)")
    enabled: bool = True


@dataclass(frozen=True)
class CompiledTrigger:
    row: TriggerRow
    filter: Expr | None
    input: Value | None
    key: Expr


def event_variables(event: EventRow) -> dict[str, Any]:
    return {
        "event": {
            "id": event.id,
            "type": event.type,
            "version": event.version,
            "source": event.source,
            "subject": event.subject or "",
            "data": event.payload,
            "time": event.received_at,
            "meta": event.meta or {},
        }
    }


def _expr(source: str, what: str) -> Expr:
    try:
        expr = compile_expr(source)
    except ExpressionError as exc:
        raise _invalid(what, exc.message) from None
    unknown = expr.variables - EVENT_VARIABLES
    if unknown:
        raise _invalid(what, f"`{source}` reads {', '.join(sorted(unknown))}; triggers see only `event`")
    return expr


def _invalid(what: str, message: str) -> RequestInvalid:
    return RequestInvalid([Problem(pointer=f"/{what}", message=message)], f"{what}: {message}")


def compile_trigger(row: TriggerRow) -> CompiledTrigger:
    filter_ = _expr(row.filter, "filter") if row.filter else None
    value = None
    if row.input is not None:
        try:
            value = compile_value(row.input)
        except ExpressionError as exc:
            raise _invalid("input", exc.message) from None
        for _, expr in value.expressions():
            if expr.variables - EVENT_VARIABLES:
                raise _invalid(
                    "input",
                    f"`{expr.source}` reads {', '.join(sorted(expr.variables - EVENT_VARIABLES))}; "
                    "triggers see only `event`",
                )
    key = _expr(row.idempotency_key or "event.id", "idempotency_key")
    return CompiledTrigger(row, filter_, value, key)


def replace_trigger(draft: TriggerRow, existing: TriggerRow) -> TriggerRow:
    return TriggerRow(
        id=existing.id,
        tenant=draft.tenant,
        name=draft.name,
        event_type=draft.event_type,
        workflow=draft.workflow,
        version=draft.version,
        filter=draft.filter,
        input=draft.input,
        idempotency_key=draft.idempotency_key,
        enabled=draft.enabled,
        created_at=existing.created_at,
        updated_at=draft.updated_at,
    )


def trigger_doc(row: TriggerRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "event_type": row.event_type,
        "workflow": row.workflow,
        "version": row.version,
        "filter": row.filter,
        "input": row.input,
        "idempotency_key": row.idempotency_key,
        "enabled": row.enabled,
    }

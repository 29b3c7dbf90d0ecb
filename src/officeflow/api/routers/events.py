"""/v1/events: publish events (API key, or Standard Webhooks signature), list them, the rejected
ones, replay; /v1/event-types, /v1/triggers, /v1/schedules."""

from __future__ import annotations

import re
from typing import Any

import anyio
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.convertors import Convertor, register_url_convertor

from officeflow.api.auth import authorize, documented, guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas import (
    MAX_INT,
    Done,
    EventOut,
    EventTypeIn,
    EventTypeOut,
    IngestOut,
    RejectOut,
    ReplayIn,
    ReplayOut,
    ScheduleIn,
    ScheduleOut,
    TriggerIn,
    TriggerOut,
)
from officeflow.edge.problems import ApiProblem
from officeflow.ingest.outcomes import IngestResult
from officeflow.ingest.publish import Publication

router = APIRouter(tags=["events"])
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
NAME_RE = re.compile(NAME_PATTERN)


def _name() -> Any:
    """A fresh path parameter each time: FastAPI mutates (aliases) the object it is given."""
    return Path(pattern=NAME_PATTERN, max_length=100)


EVENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}$"


def ingest_out(result: IngestResult) -> dict[str, Any]:
    """The answer to a published event (an ``IngestOut``), built without a model: it is the
    busiest answer the API gives."""
    return {
        "event_id": result.event_id,
        "type": result.type,
        "version": result.version,
        "duplicate": result.duplicate,
        "runs": [{"trigger": s.trigger, "run_id": s.run_id, "new": s.new} for s in result.runs],
        "trigger_failures": [
            {"trigger": f.trigger, "detail": f.message, "problems": list(f.problems)} for f in result.failures
        ],
    }


def _publish_options() -> dict[str, Any]:
    """Documentation of the publish route; its permission and headers are checked by hand (see below)."""
    options = documented("events.publish")
    options["openapi_extra"] = {
        **options["openapi_extra"],
        "parameters": [
            {
                "name": "Event-Id",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": EVENT_ID},
                "description": "names the event: a repeat delivery with the same id starts nothing new",
            },
            {
                "name": "Event-Subject",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 500},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {}}},
            "description": "the event data (JSON), checked against the event type's schema",
        },
    }
    return options


def _header(request: Request, name: str, pattern: re.Pattern[str] | None, max_length: int) -> str | None:
    value = request.headers.get(name)
    if value is None:
        return None
    if len(value) > max_length or (pattern is not None and not pattern.fullmatch(value)):
        raise ApiProblem(
            422,
            "validation",
            "The request is not valid",
            f"the {name} header has the wrong form",
            errors=[
                {
                    "pointer": f"/{name}",
                    "in": "header",
                    "detail": f"at most {max_length} characters" + (f" matching {pattern.pattern}" if pattern else ""),
                }
            ],
        )
    return value


EVENT_ID_RE = re.compile(EVENT_ID)


class _AnyPath(Convertor[str]):
    """Starlette's ``path`` with line breaks too (its ``.*`` stops at one, and the request would
    then fall through to ``POST /v1/events/{ref}`` as a 405): an id that is no event's is a 404."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", _AnyPath())


@router.post(
    "/v1/events/{ref}",
    response_model=IngestOut,
    status_code=202,
    responses={200: {"model": IngestOut, "description": "a duplicate delivery: nothing new was started"}},
    **_publish_options(),
)
async def publish_event(
    request: Request, ref: str = Path(pattern=NAME_PATTERN, max_length=100, description="the event type")
) -> JSONResponse:
    """Publish an event of the type ``ref``: the body is its data (JSON). ``Event-Id`` names it (a
    repeat delivery with the same id starts nothing new); without it an id is assigned. Types that
    require signatures also need the Standard Webhooks headers. (``/v1/events/{ref}`` is one
    resource: GET reads the event whose id is ``ref``.)"""
    # The headers are read here rather than declared as parameters, and the permission is checked
    # inline: FastAPI's parameter and dependency solving would cost more than the rest of this path.
    principal = authorize(request, "events.publish")
    item = Publication(
        tenant=principal.tenant,
        type=ref,
        body=await request.body(),
        event_id=_header(request, "event-id", EVENT_ID_RE, 200),
        subject=_header(request, "event-subject", None, 500),
        source="http",
        actor=principal.actor,
        meta={"content_type": request.headers.get("content-type")},
        signature=dict(request.headers),
    )
    events = office(request).events
    event_type = events.cached_type(principal.tenant, ref)
    if event_type is None or event_type.signature_secret is not None:
        result = await anyio.to_thread.run_sync(events.publish, item)
    else:  # the common path: the commit is shared with other events and awaited without a thread
        result = await events.publish_async(item, event_type)
    return JSONResponse(ingest_out(result), status_code=200 if result.duplicate else 202)


@router.post(
    "/v1/webhooks/{tenant}/{type}",
    response_model=IngestOut,
    status_code=202,
    responses={200: {"model": IngestOut}},
    openapi_extra={"x-officeflow-permission": "signature"},
)
async def receive_webhook(
    request: Request,
    tenant: str = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"),
    type: str = _name(),
) -> JSONResponse:
    """Receive a signed webhook (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``) for an event type that has a signature secret. No API key: the
    signature is the authentication. The ``webhook-id`` is the event id."""
    item = Publication(
        tenant=tenant,
        type=type,
        body=await request.body(),
        source="webhook",
        actor=f"webhook:{type}",
        meta={"content_type": request.headers.get("content-type")},
        signature=dict(request.headers),
        signed_only=True,
    )
    result = await anyio.to_thread.run_sync(office(request).events.publish, item)
    return JSONResponse(ingest_out(result), status_code=200 if result.duplicate else 202)


@router.get("/v1/events", response_model=list[EventOut], **guarded("events.read"))
def list_events(
    request: Request,
    type: str | None = Query(None, max_length=100),
    since: float | None = Query(None, ge=0, le=253_402_300_799.0),
    until: float | None = Query(None, ge=0, le=253_402_300_799.0),
    before: int | None = Query(None, ge=0, le=MAX_INT, description="only events with seq below this"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[EventOut]:
    """Stored events, newest first."""
    principal = principal_of(request)
    rows = office(request).events.events(
        principal.tenant, type=type, since=since, until=until, before_seq=before, limit=limit
    )
    return [EventOut.of(r) for r in rows]


@router.get("/v1/events/{ref:anypath}", response_model=EventOut, **guarded("events.read"))
def get_event(request: Request, ref: str = Path(max_length=200, description="the event's id")) -> EventOut:
    """The stored event whose id is ``ref`` (event ids may contain ``/``:
    ``/v1/events/orders/2026/17``). (``/v1/events/{ref}`` is one resource: POST publishes an event
    of the type ``ref``.)"""
    principal = principal_of(request)
    return EventOut.of(office(request).events.event(principal.tenant, ref))


@router.get("/v1/event-rejects", response_model=list[RejectOut], **guarded("events.read"))
def list_rejects(
    request: Request, type: str | None = Query(None, max_length=100), limit: int = Query(100, ge=1, le=1000)
) -> list[RejectOut]:
    """Refused events (schema errors, unknown types, failing triggers), newest first, with why."""
    principal = principal_of(request)
    return [RejectOut.of(r) for r in office(request).events.rejects(principal.tenant, type=type, limit=limit)]


@router.post("/v1/event-replays", response_model=ReplayOut, **guarded("events.replay"))
def replay_events(request: Request, body: ReplayIn) -> ReplayOut:
    """Deliver stored events again to their triggers; runs that exist already are not started twice."""
    principal = principal_of(request)
    events, started = office(request).events.replay(
        principal.tenant, body.type, since=body.since, until=body.until, triggers=body.triggers, actor=principal.actor
    )
    return ReplayOut(events=events, runs_started=started)


@router.get("/v1/event-types", response_model=list[EventTypeOut], **guarded("event_types.read"))
def list_event_types(request: Request) -> list[EventTypeOut]:
    principal = principal_of(request)
    return [EventTypeOut.of(r) for r in office(request).events.event_types(principal.tenant)]


@router.post("/v1/event-types", response_model=EventTypeOut, status_code=201, **guarded("event_types.write"))
def register_event_type(request: Request, body: EventTypeIn) -> EventTypeOut:
    """Register an event type, or its next version; refused (409) when the new schema would break
    existing producers, with the reasons."""
    principal = principal_of(request)
    where = office(request)
    if body.signature_secret is not None:
        where.secrets.get(principal.tenant, body.signature_secret)  # must exist: 404 otherwise
    row = where.events.register_type(
        principal.tenant,
        body.name,
        body.schema_,
        description=body.description,
        signature_secret=body.signature_secret,
        actor=principal.actor,
    )
    return EventTypeOut.of(row)


@router.get("/v1/event-types/{name}", response_model=EventTypeOut, **guarded("event_types.read"))
def get_event_type(
    request: Request, name: str = _name(), version: int | None = Query(None, ge=1, le=2**31 - 1)
) -> EventTypeOut:
    principal = principal_of(request)
    return EventTypeOut.of(office(request).events.event_type(principal.tenant, name, version))


@router.get("/v1/triggers", response_model=list[TriggerOut], **guarded("triggers.read"))
def list_triggers(request: Request) -> list[TriggerOut]:
    principal = principal_of(request)
    return [TriggerOut.of(t) for t in office(request).events.triggers(principal.tenant)]


@router.put("/v1/triggers/{name}", response_model=TriggerOut, **guarded("triggers.write"))
def save_trigger(request: Request, body: TriggerIn, name: str = _name()) -> TriggerOut:
    """Create or replace the trigger ``name``."""
    principal = principal_of(request)
    row = office(request).events.save_trigger(
        principal.tenant, {"name": name, **body.model_dump()}, actor=principal.actor
    )
    return TriggerOut.of(row)


@router.get("/v1/triggers/{name}", response_model=TriggerOut, **guarded("triggers.read"))
def get_trigger(request: Request, name: str = _name()) -> TriggerOut:
    principal = principal_of(request)
    return TriggerOut.of(office(request).events.trigger(principal.tenant, name))


@router.delete("/v1/triggers/{name}", response_model=Done, **guarded("triggers.write"))
def delete_trigger(request: Request, name: str = _name()) -> Done:
    principal = principal_of(request)
    office(request).events.delete_trigger(principal.tenant, name, actor=principal.actor)
    return Done()


@router.get("/v1/schedules", response_model=list[ScheduleOut], **guarded("schedules.read"))
def list_schedules(request: Request) -> list[ScheduleOut]:
    principal = principal_of(request)
    return [ScheduleOut.of(s) for s in office(request).schedules.list(principal.tenant)]


@router.post("/v1/schedules", response_model=ScheduleOut, status_code=201, **guarded("schedules.write"))
def create_schedule(request: Request, body: ScheduleIn) -> ScheduleOut:
    """Publish an event of ``event_type`` at every slot of ``cron`` (five fields, in ``timezone``)."""
    principal = principal_of(request)
    row = office(request).schedules.create(
        principal.tenant,
        body.name,
        body.cron,
        body.event_type,
        payload=body.payload,
        timezone=body.timezone,
        actor=principal.actor,
    )
    return ScheduleOut.of(row)


@router.get("/v1/schedules/{name}", response_model=ScheduleOut, **guarded("schedules.read"))
def get_schedule(request: Request, name: str = _name()) -> ScheduleOut:
    principal = principal_of(request)
    return ScheduleOut.of(office(request).schedules.get(principal.tenant, name))


@router.delete("/v1/schedules/{name}", response_model=Done, **guarded("schedules.write"))
def delete_schedule(request: Request, name: str = _name()) -> Done:
    principal = principal_of(request)
    office(request).schedules.delete(principal.tenant, name, actor=principal.actor)
    return Done()


@router.post("/v1/schedules/{name}/enable", response_model=ScheduleOut, **guarded("schedules.write"))
def enable_schedule(request: Request, name: str = _name()) -> ScheduleOut:
    principal = principal_of(request)
    return ScheduleOut.of(office(request).schedules.set_enabled(principal.tenant, name, True, actor=principal.actor))


@router.post("/v1/schedules/{name}/disable", response_model=ScheduleOut, **guarded("schedules.write"))
def disable_schedule(request: Request, name: str = _name()) -> ScheduleOut:
    principal = principal_of(request)
    return ScheduleOut.of(office(request).schedules.set_enabled(principal.tenant, name, False, actor=principal.actor))

"""The busiest request without the framework: ``POST /v1/events/{type}``.

Publishing an event is the one request an office sends thousands of times a minute (sensors,
forms, mail). The gate (officeflow.api.gate) has already limited the body, resolved the caller
and applied the rate limits; for the common case, an API key allowed to publish and an unsigned
event type this process knows, this module does what the route in officeflow.api.routers.events
does through the one publish path (officeflow.ingest.publish), with the same answers, but
without FastAPI's routing, dependency solving and response classes, which cost more CPU than the
ingest itself.

Anything else (a type this process has not loaded, a signed type, a caller without the
permission, a header of the wrong form, a body that is not JSON) returns False before anything is
written, and the request takes the full way to the route, which answers it. Once the ingest has
begun, errors are answered here by the application's own exception handlers, so a problem
document is the same whichever way the request went.
"""

from __future__ import annotations

import inspect

import orjson
from starlette.requests import Request
from starlette.types import Message, Scope, Send

from officeflow import safeyaml
from officeflow.api.routers.events import EVENT_ID_RE, NAME_RE, ingest_out
from officeflow.ingest.publish import Publication
from officeflow.ingest.service import Ingestor
from officeflow.security.permissions import Principal

PREFIX = "/v1/events/"
JSON = (b"content-type", b"application/json")


def applies(scope: Scope) -> bool:
    """Whether the request may be the one this module serves (a cheap test on the method and path)."""
    return bool(scope["method"] == "POST" and scope["path"].startswith(PREFIX))


async def publish(
    events: Ingestor, scope: Scope, headers: dict[str, str], body: bytes, principal: Principal, send: Send
) -> bool:
    """Ingest the event and answer; False (nothing written, nothing sent) when the full route
    must answer instead."""
    type_name = scope["path"][len(PREFIX) :]
    if len(type_name) > 100 or not NAME_RE.fullmatch(type_name) or not principal.can("events.publish"):
        return False
    event_id = headers.get("event-id")
    if event_id is not None and (len(event_id) > 200 or not EVENT_ID_RE.fullmatch(event_id)):
        return False
    subject = headers.get("event-subject")
    if subject is not None and len(subject) > 500:
        return False
    event_type = events.cached_type(principal.tenant, type_name)
    if event_type is None or event_type.signature_secret is not None:
        return False
    try:
        data = safeyaml.load_json(body, "the body")
    except safeyaml.DocumentRefused:
        return False
    item = Publication(
        tenant=principal.tenant,
        type=type_name,
        data=data,
        event_id=event_id,
        source="http",
        subject=subject,
        meta={"content_type": headers.get("content-type")},
        actor=principal.actor,
    )
    try:
        result = await events.publish_async(item, event_type)
    except Exception as exc:  # answered as the application answers it
        await _answer_error(scope, exc, send)
        return True
    answer = orjson.dumps(ingest_out(result))
    await send(
        {
            "type": "http.response.start",
            "status": 200 if result.duplicate else 202,
            "headers": [JSON, (b"content-length", str(len(answer)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": answer})
    return True


async def _answer_error(scope: Scope, exc: Exception, send: Send) -> None:
    """Answer ``exc`` with the handler the application registered for it (by class, nearest first)."""
    handlers = scope["app"].exception_handlers
    handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
    response = handler(Request(scope), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}

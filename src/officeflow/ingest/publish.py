"""Publishing an event: the one path every way in takes (the API's publish route and its fast
path, signed webhooks, the NATS, MQTT and SMTP sources).

In order, for an event of type T in tenant N:

1. the type: unknown, the event is kept among the rejects (with why) and refused
   (EventTypeNotFound); a webhook for a type that takes no signatures is refused the same way;
2. the signature, when T requires one and the event came over HTTP (Standard Webhooks: id,
   timestamp, HMAC within the replay window; a message id seen before is WebhookReplayed);
3. the data: JSON text is parsed (BodyNotJSON otherwise), within the request limits;
4. the ingest itself (officeflow.ingest.service): checked against T's schema (a mismatch is kept
   among the rejects and refused), stored and acted on by T's triggers in one transaction,
   shared with the other events arriving at the same moment;
5. a signed message's id is remembered, so a replay of it is refused.

:func:`publish` blocks until the commit (call it from a worker thread); :func:`publish_async`
awaits it without holding a thread, for a caller that holds the type fresh from
``Ingestor.cached_type`` and unsigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from officeflow import safeyaml
from officeflow.ingest.outcomes import BodyNotJSON, EventTypeNotFound, IngestResult
from officeflow.security import webhooks
from officeflow.store.tx_events import EventTypeRow

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor


@dataclass(frozen=True, kw_only=True, slots=True)
class Publication:
    """One event as it arrives."""

    tenant: str
    type: str
    data: Any = None
    """The event's data, already parsed (the sources); ignored when ``body`` is given."""
    body: bytes | None = None
    """The event's data as JSON text, as it arrived (HTTP)."""
    event_id: str | None = None
    """Names the event (a repeat with the same id starts nothing new); None: the webhook's
    message id for a signed type, else a new id."""
    subject: str | None = None
    source: str = "api"
    actor: str | None = None
    meta: dict[str, Any] | None = None
    signature: Mapping[str, str] | None = None
    """The request's headers, where a Standard Webhooks signature is (HTTP: a type that requires
    signatures refuses an event without a valid one). None: the way in speaks for the tenant
    itself (a source's broker or mail server) and no signature is checked."""
    signed_only: bool = False
    """Only a type that requires signatures may be published this way (the webhook route)."""


def publish(events: Ingestor, item: Publication) -> IngestResult:
    """Publish ``item`` (steps 1 to 5 of the module docstring); blocks until the commit."""
    kept = item.data if item.body is None else item.body.decode("utf-8", "replace")
    event_type = events.type_or_reject(item.tenant, item.type, kept, source=item.source, event_id=item.event_id)
    if item.signed_only and event_type.signature_secret is None:
        raise EventTypeNotFound(f"event type '{item.type}' takes no signed webhooks")
    message_id = _verify(events, event_type, item)
    result = events.ingest(
        item.tenant,
        item.type,
        _data(item),
        event_type=event_type,
        event_id=item.event_id or message_id,
        source=item.source,
        subject=item.subject,
        meta=item.meta,
        actor=item.actor,
    )
    if message_id is not None:
        webhooks.remember(events.store, item.tenant, message_id, events.engine.now())
    return result


async def publish_async(events: Ingestor, item: Publication, event_type: EventTypeRow) -> IngestResult:
    """Publish ``item`` of the unsigned ``event_type`` the caller holds (steps 3 and 4): the
    validation here, the commit shared with other events and awaited without holding a thread."""
    if event_type.signature_secret is not None:
        raise ValueError(f"event type '{event_type.name}' requires signatures: publish() checks them")
    return await events.ingest_async(
        item.tenant,
        item.type,
        _data(item),
        event_type=event_type,
        event_id=item.event_id,
        source=item.source,
        subject=item.subject,
        meta=item.meta,
        actor=item.actor,
    )


def parse(body: bytes) -> Any:
    """An event's data from its JSON text; BodyNotJSON when it is not JSON (a document within
    the limits that breaks another limit is refused as the request limits say)."""
    try:
        return safeyaml.load_json(body, "the request body")
    except safeyaml.NotJSON as exc:
        raise BodyNotJSON(exc.message) from None


def _data(item: Publication) -> Any:
    return item.data if item.body is None else parse(item.body)


def _verify(events: Ingestor, event_type: EventTypeRow, item: Publication) -> str | None:
    """The webhook's message id once its signature verifies and it was not seen before, when the
    type requires signatures; None when it does not."""
    if event_type.signature_secret is None or item.signature is None:
        return None
    secret = events.engine.secrets.get(item.tenant, event_type.signature_secret)
    message_id = webhooks.verify(secret, item.body or b"", dict(item.signature))
    webhooks.check_not_replayed(events.store, item.tenant, message_id)
    return message_id

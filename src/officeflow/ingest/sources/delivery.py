"""One delivery of one message: ingest it and say what the source should tell its broker.

Every source acknowledges only what this module reports as committed (``STORED`` or
``DUPLICATE``), drops for good what it reports as ``REJECTED`` (after the refused message is kept
in the events' dead-letter list, so nothing is lost silently), and delivers again later what it
reports as ``RETRY`` (the database unreachable, the engine closing: nothing was committed).

These functions block (they wait for the commit): sources call them from worker threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.errors import Conflict, InputInvalid, NotFound, StoreUnavailable
from officeflow.ingest.outcomes import EventInvalid, EventTypeNotFound, IngestResult
from officeflow.ingest.publish import Publication

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")


class Outcome(StrEnum):
    """What became of one delivery."""

    STORED = "stored"
    """A new event, committed with the runs its triggers started: acknowledge."""
    DUPLICATE = "duplicate"
    """An event id seen before: nothing new was started: acknowledge."""
    REJECTED = "rejected"
    """Refused for good (bad payload, schema, unknown type) and kept as a reject: never deliver again."""
    RETRY = "retry"
    """Nothing committed (a transient failure): deliver again later."""


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    event_id: str | None = None
    result: IngestResult | None = None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class Message:
    """A message as a source hands it over."""

    tenant: str
    type: str
    data: Any
    event_id: str
    source: str
    subject: str | None = None
    meta: dict[str, Any] | None = None


def deliver(events: Ingestor, message: Message) -> Attempt:
    """Publish ``message``: its event and triggered runs commit together, or nothing does."""
    try:
        result = events.publish(
            Publication(
                tenant=message.tenant,
                type=message.type,
                data=message.data,
                event_id=message.event_id,
                source=message.source,
                subject=message.subject,
                meta=message.meta,
            )
        )
    except (EventInvalid, EventTypeNotFound) as exc:
        # The ingestor has kept the event in the dead-letter list before raising.
        return Attempt(Outcome.REJECTED, message.event_id, reason=exc.message)
    except (NotFound, Conflict, InputInvalid) as exc:
        # e.g. the event id is taken by an event of another type: permanent, keep it ourselves.
        return refuse(events, message, {"error": type(exc).__name__, "message": exc.message})
    except StoreUnavailable as exc:  # logged once per outage by the store, not once per message
        return Attempt(Outcome.RETRY, message.event_id, reason=exc.message)
    except Exception as exc:
        log.warning(
            "ingest failed; to be delivered again",
            source=message.source,
            event_id=message.event_id,
            error=f"{type(exc).__name__}: {exc}",
        )
        return Attempt(Outcome.RETRY, message.event_id, reason=f"{type(exc).__name__}: {exc}")
    return Attempt(Outcome.DUPLICATE if result.duplicate else Outcome.STORED, message.event_id, result)


def refuse(events: Ingestor, message: Message, reason: dict[str, Any]) -> Attempt:
    """Keep a message that cannot become an event in the dead-letter list; RETRY if even that fails."""
    why = {**reason, "event_id": message.event_id, "subject": message.subject, "meta": message.meta}
    try:
        events.reject(message.tenant, message.type, message.source, message.data, why)
    except Exception as exc:
        log.warning(
            "could not keep a refused message; to be delivered again",
            source=message.source,
            event_id=message.event_id,
            error=f"{type(exc).__name__}: {exc}",
        )
        return Attempt(Outcome.RETRY, message.event_id, reason=f"{type(exc).__name__}: {exc}")
    log.info(
        "message refused and kept as a reject",
        source=message.source,
        tenant=message.tenant,
        event_id=message.event_id,
        reason=reason.get("message") or reason.get("error"),
    )
    return Attempt(Outcome.REJECTED, message.event_id, reason=str(reason.get("message") or reason.get("error")))


@dataclass
class Stats:
    """Counters of one source (read them any time; updated from several threads). ``unrouted``
    messages (no route matched) are counted among the ``rejected`` too."""

    received: int = 0
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0
    unrouted: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def count(self, what: Outcome | str) -> None:
        with self._lock:
            setattr(self, str(what), getattr(self, str(what)) + 1)

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:
        return ", ".join(f"{v} {k}" for k, v in self.as_dict().items())

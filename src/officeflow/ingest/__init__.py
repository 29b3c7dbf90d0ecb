"""Event ingestion: event types, the event store, publishing (one path), triggers, rejects, replay,
schedules, files and sources."""

from officeflow.ingest.publish import Publication
from officeflow.ingest.service import (
    EventInvalid,
    EventTypeNotFound,
    Ingestor,
    IngestResult,
    SchemaIncompatible,
    TriggerNotFound,
    TriggerSpec,
)

__all__ = [
    "EventInvalid",
    "EventTypeNotFound",
    "IngestResult",
    "Ingestor",
    "Publication",
    "SchemaIncompatible",
    "TriggerNotFound",
    "TriggerSpec",
]

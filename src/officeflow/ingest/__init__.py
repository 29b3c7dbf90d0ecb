"""Event ingestion: event types, the event store, triggers, rejects, replay, schedules, files and sources."""

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
    "SchemaIncompatible",
    "TriggerNotFound",
    "TriggerSpec",
]

"""Ingestion sources: NATS JetStream, MQTT and SMTP messages turned into events.

Every source acknowledges a message only after its event committed, deduplicates by event id
(redeliveries start nothing new), keeps what it refuses in the events' dead-letter list, and
delivers again what failed for a transient reason. See docs/ingestion-sources.md.
"""

from officeflow.ingest.sources.config import (
    MqttConfig,
    NatsConfig,
    SmtpConfig,
    SourcesConfig,
    load_config,
    parse_config,
)
from officeflow.ingest.sources.delivery import Attempt, Message, Outcome, Stats, deliver
from officeflow.ingest.sources.runner import Ingesting, Source, SourceFailed, build_sources

__all__ = [
    "Attempt",
    "Ingesting",
    "Message",
    "MqttConfig",
    "NatsConfig",
    "Outcome",
    "SmtpConfig",
    "Source",
    "SourceFailed",
    "SourcesConfig",
    "Stats",
    "build_sources",
    "deliver",
    "load_config",
    "parse_config",
]

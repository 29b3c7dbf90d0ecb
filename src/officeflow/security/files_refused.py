"""Error types of refused attachments, without importing the ingest package at module load."""

from __future__ import annotations


def refused_types() -> tuple[type[Exception], ...]:
    from officeflow.ingest.files import AttachmentRefused

    return (AttachmentRefused,)

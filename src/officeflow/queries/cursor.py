"""The one cursor codec: where the next page of a keyset listing starts, as an opaque text.

A cursor is the sort key of the last row a page showed, its parts joined by ``|`` (numbers as
Python writes them back exactly: ``repr`` of a float) and encoded as URL-safe base64 without
padding. :func:`decode` reads it back into the parts of a given shape; anything else (another
API's cursor, a truncated link, a changed part) is :class:`CursorInvalid`, never a crash.

    runs     (created_at: float, run id: str)          newest first
    tasks    (priority: int, due_at: float, task id: str)   most urgent first
"""

from __future__ import annotations

import base64
import binascii

from officeflow.errors import OfficeflowError, ProblemType

Part = int | float | str


class CursorInvalid(OfficeflowError):
    """The cursor is not one this listing gave."""

    problem = ProblemType("bad-cursor", "Bad cursor")


def encode(*parts: Part) -> str:
    """The cursor of a sort key (the last part may hold ``|``; the others may not)."""
    text = "|".join(repr(p) if isinstance(p, float) else str(p) for p in parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, shape: tuple[type[Part], ...]) -> tuple[Part, ...]:
    """The parts of ``cursor``, each converted to its type in ``shape``; CursorInvalid when it
    does not hold that many parts of those types."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = text.split("|", len(shape) - 1)
        if len(parts) != len(shape) or not all(parts):
            raise ValueError(text)
        return tuple(kind(part) for kind, part in zip(shape, parts, strict=True))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise CursorInvalid(f"not a cursor of this listing: {cursor[:100]!r}") from None


def run_position(cursor: str) -> tuple[float, str]:
    """(created_at, run id) from a cursor of a runs listing."""
    created_at, run_id = decode(cursor, (float, str))
    return float(created_at), str(run_id)


def task_position(cursor: str) -> tuple[int, float, str]:
    """(priority, due_at, task id) from a cursor of an inbox."""
    priority, due_at, task_id = decode(cursor, (int, float, str))
    return int(priority), float(due_at), str(task_id)

"""JSON in and out of the store: compact, fast (orjson), and strict about what is JSON; and
the one way officeflow writes a JSON pointer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from officeflow.errors import OfficeflowError


class NotJSON(OfficeflowError):
    """The value cannot be written as JSON."""


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError as exc:
        raise NotJSON(f"value is not JSON-serialisable: {exc}") from None


def loads(text: str | bytes | None) -> Any:
    if text is None:
        return None
    return orjson.loads(text)


def dumps_or_none(value: Any) -> str | None:
    return None if value is None else dumps(value)


def json_pointer(path: Iterable[object]) -> str:
    """The JSON pointer (RFC 6901) to the place ``path`` names, one key or index per part:
    ``~`` is written ``~0`` and ``/`` is written ``~1`` in each part. The root (an empty path)
    is written ``/``, as every officeflow answer writes it."""
    return "/" + "/".join(_escape(part) for part in path)


def child_pointer(parent: str, key: object) -> str:
    """The pointer to ``key`` inside the place ``parent`` points to (``""`` is the document)."""
    return f"{'' if parent == '/' else parent}/{_escape(key)}"


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")

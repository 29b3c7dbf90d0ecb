"""JSON in and out of the store: compact, fast (orjson), and strict about what is JSON."""

from __future__ import annotations

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

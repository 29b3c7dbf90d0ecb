"""Row values to Python and back: JSON text, scopes; the codecs the row maps use."""

from __future__ import annotations

from typing import Any

from officeflow.jsonutil import dumps, dumps_or_none, loads
from officeflow.store.rowmap import Codec

Scope = tuple[tuple[str, int, str], ...]
"""Runtime branch path: (parallel step id, its iteration, branch start step id) per level."""


def scope_text(scope: Scope) -> str:
    return dumps([list(frame) for frame in scope]) if scope else ""


def scope_of(text: str | None) -> Scope:
    if not text:
        return ()
    return tuple((str(a), int(b), str(c)) for a, b, c in loads(text))


def json_or_none(text: str | None) -> Any:
    return None if text is None else loads(text)


def _tuple_of(text: str | None) -> tuple[Any, ...]:
    return tuple(json_or_none(text) or ())


def _list_text(values: tuple[Any, ...]) -> str:
    return dumps(list(values))


JSON = Codec("JSON", dumps_or_none, json_or_none)
"""A JSON value in a text column that may be NULL; None is NULL."""
JSON_VALUE = Codec("JSON value", dumps, loads, stores_none=True)
"""A JSON value in a text column that is never NULL; None is JSON ``null``."""
JSON_TUPLE = Codec("JSON list", _list_text, _tuple_of, reads_null=True)
"""A tuple stored as a JSON list; NULL reads as the empty tuple."""
SCOPE = Codec("scope", scope_text, scope_of, reads_null=True)
"""A :data:`Scope` as JSON text; the empty scope is stored as an empty string (or NULL)."""

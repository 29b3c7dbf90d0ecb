"""Row values to Python and back: JSON text, scopes."""

from __future__ import annotations

from typing import Any

from officeflow.jsonutil import dumps, loads
from officeflow.store.records import Scope


def scope_text(scope: Scope) -> str:
    return dumps([list(frame) for frame in scope]) if scope else ""


def scope_of(text: str | None) -> Scope:
    if not text:
        return ()
    return tuple((str(a), int(b), str(c)) for a, b, c in loads(text))


def json_or_none(text: str | None) -> Any:
    return None if text is None else loads(text)

"""A step failure captured as data: what is recorded, shown and decided on."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

MAX_TRACEBACK = 16_000


@dataclass(frozen=True, kw_only=True)
class ErrorInfo:
    type: str
    """Qualified class name of the exception."""
    message: str
    types: tuple[str, ...] = ()
    """The class and its bases, most specific first (what non_retryable lists match)."""
    retryable: bool = True
    traceback: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorInfo:
        types = tuple(
            f"{c.__module__}.{c.__qualname__}" if c.__module__ != "builtins" else c.__qualname__
            for c in type(exc).__mro__
            if c not in (object, BaseException)
        )
        tb = "".join(traceback.format_exception(exc))
        if len(tb) > MAX_TRACEBACK:
            tb = tb[: MAX_TRACEBACK // 2] + "\n...\n" + tb[-MAX_TRACEBACK // 2 :]
        retryable = getattr(exc, "retryable", True)
        return cls(
            type=types[0] if types else type(exc).__name__,
            message=str(exc) or type(exc).__name__,
            types=types,
            retryable=bool(retryable),
            traceback=tb,
        )

    @classmethod
    def plain(cls, type: str, message: str, *, retryable: bool = False, **details: Any) -> ErrorInfo:
        return cls(type=type, message=message, types=(type,), retryable=retryable, details=details)

    def record(self, *, with_traceback: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "message": self.message,
            "retryable": self.retryable,
        }
        if with_traceback and self.traceback:
            out["traceback"] = self.traceback
        if self.details:
            out["details"] = self.details
        return out

"""Errors as problem details (RFC 9457): a stable ``type`` URI, a title, the HTTP status, a human
``detail`` and, for errors that list what is wrong, each item with its JSON pointer.

:func:`answer_for` reads all of it from the error's class (officeflow.errors: ``status``,
``problem``, ...), one lookup along the MRO; the API writes the answer as
``application/problem+json``, the console as a page. :class:`ApiProblem` is for what only the
HTTP edge knows about (no token, a foreign cursor, a header of the wrong form)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from officeflow.errors import OfficeflowError, Problem

BASE = "https://officeflow.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra


@dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    """What an error answers: status, problem type, detail, the items it lists, headers."""

    status: int
    slug: str
    title: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    hidden: bool = False
    """The detail is not the error's message (a server error: the message goes to the log)."""


def answer_for(exc: OfficeflowError, *, now: float) -> Answer:
    """The answer to ``exc``, from its class (status, problem type, what a client is told, where
    its pointers point from) and its findings; ``now`` (epoch seconds) dates ``Retry-After``."""
    kind = type(exc)
    hidden = kind.public_detail is not None
    wait = exc.retry_delay(now)
    return Answer(
        status=kind.http_status,
        slug=kind.problem.slug,
        title=kind.problem.title,
        detail=kind.public_detail if kind.public_detail is not None else exc.summary,
        errors=[] if hidden else items(exc.findings(), kind.pointer_prefix),
        headers={"Retry-After": str(max(1, int(wait)))} if wait is not None else {},
        hidden=hidden,
    )


def items(problems: Sequence[Problem], prefix: str = "") -> list[dict[str, Any]]:
    """The ``errors`` of a problem document: each problem's detail and, where it has them, its
    pointer (under ``prefix``), line, column, step, what was expected, the file and the element id."""
    out = []
    for p in problems:
        item: dict[str, Any] = {"detail": p.message}
        if p.pointer is not None:
            item["pointer"] = prefix + (p.pointer if p.pointer != "/" else "")
        if p.line:
            item["line"] = p.line
        if p.column:
            item["column"] = p.column
        if p.step:
            item["step"] = p.step
        if p.expected:
            item["expected"] = p.expected
        if p.file:
            item["file"] = p.file
        if p.element:
            item["element"] = p.element
        out.append(item)
    return out

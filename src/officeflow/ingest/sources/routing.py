"""Which route a message takes: NATS subjects and MQTT topics against the patterns in the config.

NATS: tokens are separated by ``.``; ``*`` matches one part, ``>`` (last) one or more.
MQTT: levels are separated by ``/``; ``+`` matches one level, ``#`` (last) any number of levels,
none included (``plant/#`` matches ``plant``); a wildcard in the first level does not match a
topic starting with ``$`` (``$SYS/...``), as the MQTT specification says.

The first route whose pattern matches wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

R = TypeVar("R")


def check_nats_subject(pattern: str) -> str:
    """``pattern`` if it is a NATS subject filter; otherwise ValueError saying what is wrong."""
    if not pattern or pattern != pattern.strip() or any(c.isspace() for c in pattern):
        raise ValueError(f"{pattern!r} is not a NATS subject (no spaces; tokens separated by '.')")
    parts = pattern.split(".")
    for i, part in enumerate(parts):
        if not part:
            raise ValueError(f"{pattern!r} has an empty token (expected e.g. 'office.invoices.>')")
        if part == ">" and i != len(parts) - 1:
            raise ValueError(f"{pattern!r}: '>' may only be the last token")
        if len(part) > 1 and ("*" in part or ">" in part):
            raise ValueError(f"{pattern!r}: a wildcard must be a whole token ('a.*.c', not 'a.b*.c')")
    return pattern


def nats_matches(pattern: str, subject: str) -> bool:
    want = pattern.split(".")
    got = subject.split(".")
    for i, part in enumerate(want):
        if part == ">":
            return len(got) > i
        if i >= len(got) or (part != "*" and part != got[i]):
            return False
    return len(got) == len(want)


def check_mqtt_filter(pattern: str) -> str:
    """``pattern`` if it is an MQTT topic filter; otherwise ValueError saying what is wrong."""
    if not pattern or "\x00" in pattern:
        raise ValueError(f"{pattern!r} is not an MQTT topic filter")
    if pattern.startswith("$share/"):
        raise ValueError(f"{pattern!r}: give the plain filter and set `shared_group` for a shared subscription")
    levels = pattern.split("/")
    for i, level in enumerate(levels):
        if level == "#" and i != len(levels) - 1:
            raise ValueError(f"{pattern!r}: '#' may only be the last level")
        if len(level) > 1 and ("+" in level or "#" in level):
            raise ValueError(f"{pattern!r}: a wildcard must be a whole level ('a/+/c', not 'a/b+/c')")
    return pattern


def mqtt_matches(pattern: str, topic: str) -> bool:
    if topic.startswith("$") and pattern[:1] in ("+", "#"):
        return False
    want = pattern.split("/")
    got = topic.split("/")
    for i, level in enumerate(want):
        if level == "#":
            return True
        if i >= len(got) or (level != "+" and level != got[i]):
            return False
    return len(got) == len(want)


class Router(Generic[R]):
    """The routes of one source, tried in order."""

    def __init__(self, routes: Sequence[R], pattern: Callable[[R], str], matches: Callable[[str, str], bool]) -> None:
        self._routes = [(pattern(r), r) for r in routes]
        self._matches = matches

    def route(self, name: str) -> R | None:
        for pattern, route in self._routes:
            if self._matches(pattern, name):
                return route
        return None

    @property
    def patterns(self) -> list[str]:
        """Each distinct pattern once, in config order."""
        return list(dict.fromkeys(p for p, _ in self._routes))

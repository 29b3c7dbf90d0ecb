"""The console's top navigation: one list, in order. A page that is added to the console adds
its entry here; an entry shows only when the app serves its page and the viewer may use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    permission: str
    """The action a viewer needs (on some workflow) to see the entry."""
    section: str
    """Pages of this section mark the entry as current."""


NAV: list[NavItem] = [
    NavItem("Inbox", "/inbox", "tasks.read", "inbox"),
    NavItem("New request", "/start", "runs.start", "start"),
    NavItem("Runs", "/runs", "runs.read", "runs"),
    NavItem("Definitions", "/definitions", "definitions.read", "definitions"),
    NavItem("Decision tables", "/decision-tables", "definitions.read", "decision-tables"),
    NavItem("Models", "/models", "models.read", "models"),
    NavItem("Dead letters", "/dead-letters", "runs.read", "dead-letters"),
    NavItem("Audit", "/audit", "audit.read", "audit"),
]

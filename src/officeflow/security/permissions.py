"""Roles and permissions: the one place that decides who may do what.

A principal (a user or an API key) holds grants: (role, scope), where scope is ``*`` (the whole
tenant) or one workflow name. Workflow-scoped actions are allowed by a grant on that workflow or
on ``*``; tenant-wide actions only by a grant on ``*``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    """Everything in the tenant: users, keys, grants, secrets, the LLM token budget, the documents'
    vendor memory, and all below."""
    DESIGNER = "designer"
    """Definitions, event types, triggers and schedules; reads runs and events."""
    OPERATOR = "operator"
    """Runs: start, retry, skip, cancel, pause, resume, migrate, signal; replays events; sees
    and reassigns every task."""
    APPROVER = "approver"
    """Decides the human tasks given to them or their groups; reads the runs behind them."""
    SUBMITTER = "submitter"
    """Starts runs (requests) and publishes events; follows the tasks of their requests."""
    AUDITOR = "auditor"
    """Reads everything (the LLM token budget and the vendor memory too), verifies and exports the
    audit log; changes nothing."""


SCOPED = frozenset(
    {
        "definitions.read",
        "definitions.write",
        "runs.read",
        "runs.start",
        "runs.operate",
        "runs.signal",
        "tasks.read",
        "tasks.decide",
        "tasks.assign",
    }
)
"""Actions a grant on a single workflow can allow; every other action is tenant-wide."""

ALL_ACTIONS = frozenset(
    SCOPED
    | {
        "events.publish",
        "events.read",
        "events.replay",
        "event_types.read",
        "event_types.write",
        "triggers.read",
        "triggers.write",
        "schedules.read",
        "schedules.write",
        "audit.read",
        "audit.verify",
        "audit.export",
        "users.read",
        "users.write",
        "secrets.read",
        "secrets.write",
        "files.read",
        "files.write",
        "directory.read",
        "directory.write",
        "models.read",
        "models.write",
        "llm.read",
        "llm.write",
        "documents.read",
        "documents.write",
    }
)

READ_ALL = frozenset(
    {
        "definitions.read",
        "runs.read",
        "events.read",
        "event_types.read",
        "triggers.read",
        "schedules.read",
        "tasks.read",
        "files.read",
        "directory.read",
        "models.read",
    }
)

ROLE_ACTIONS: Mapping[Role, frozenset[str]] = {
    Role.ADMIN: ALL_ACTIONS,
    Role.DESIGNER: READ_ALL
    | {"definitions.write", "event_types.write", "triggers.write", "schedules.write", "models.write"},
    Role.OPERATOR: READ_ALL | {"runs.start", "runs.operate", "runs.signal", "events.replay", "tasks.assign"},
    Role.APPROVER: frozenset(
        {"definitions.read", "runs.read", "runs.signal", "tasks.read", "tasks.decide", "files.read", "directory.read"}
    ),
    Role.SUBMITTER: frozenset(
        {
            "definitions.read",
            "runs.read",
            "runs.start",
            "events.publish",
            "files.read",
            "files.write",
            "tasks.read",
            "directory.read",
        }
    ),
    Role.AUDITOR: READ_ALL
    | {"audit.read", "audit.verify", "audit.export", "users.read", "secrets.read", "llm.read", "documents.read"},
}

WILDCARD = "*"


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: str = WILDCARD


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (through a session) or an API key."""

    tenant: str
    id: str
    kind: str
    """'user', 'api_key' or 'system'"""
    name: str
    grants: frozenset[Grant] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How the principal appears in history and the audit log."""
        return f"{self.kind}:{self.name}"

    def can(self, action: str, workflow: str | None = None) -> bool:
        """Whether the principal may perform ``action`` (on ``workflow``, when given)."""
        return decide(self.grants, action, workflow)

    def workflows(self, action: str) -> set[str] | None:
        """Workflows the principal may ``action``; None when it may on every workflow."""
        scopes = {g.scope for g in self.grants if action in ROLE_ACTIONS[g.role]}
        return None if WILDCARD in scopes else scopes

    @property
    def roles(self) -> set[str]:
        return {str(g.role) for g in self.grants}


def decide(grants: Iterable[Grant], action: str, workflow: str | None = None) -> bool:
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    for grant in grants:
        if action not in ROLE_ACTIONS[grant.role]:
            continue
        if grant.scope == WILDCARD:
            return True
        if action in SCOPED and (workflow is None or workflow == grant.scope):
            return True
    return False

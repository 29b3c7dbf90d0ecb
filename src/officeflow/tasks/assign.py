"""Who gets a task: a user walked up the directory, a group, round-robin within a group, with
four-eyes exclusions and dated out-of-office substitutes applied."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from officeflow.errors import NonRetryableError
from officeflow.store.tx_directory import AbsenceRow, DepartmentRow, GroupRow, PersonRow
from officeflow.tasks.human import AssignSpec

MAX_CHAIN = 20
"""How far up the manager chain assignment may walk (cycles in a directory stop it too)."""


class AssignmentFailed(NonRetryableError):
    """Nobody can be given the task."""


class DirectoryView(Protocol):
    """What assignment reads of the directory (and the one thing it changes: a group's
    round-robin turn). A transaction is one; the rules below need nothing else."""

    def get_person(self, tenant: str, username: str) -> PersonRow | None: ...

    def get_department(self, tenant: str, name: str) -> DepartmentRow | None: ...

    def get_group(self, tenant: str, name: str) -> GroupRow | None: ...

    def group_members(self, tenant: str, name: str) -> list[str]: ...

    def substitute_for(self, tenant: str, username: str, now: float) -> AbsenceRow | None: ...

    def take_round_robin(self, tenant: str, name: str) -> int | None: ...


@dataclass
class Assignment:
    assignee: str | None
    group: str | None
    notes: list[dict[str, Any]] = field(default_factory=list)
    """How the assignee was found, for the task's log: passed over, substitutes, round-robin."""


def username(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AssignmentFailed(f"{what} gave {value!r}; expected a username")
    return value.strip()


def resolve(
    tx: DirectoryView, tenant: str, spec: AssignSpec, user: Any, now: float, excluded: Collection[str]
) -> Assignment:
    """The assignment ``spec`` names, ``user`` being ``spec.user`` evaluated."""
    if spec.group is not None:
        return _group(tx, tenant, spec.group, spec.round_robin, now, excluded)
    name = username(user, f"assign.user `{spec.user.source}`" if spec.user else "the requester")
    notes: list[dict[str, Any]] = []
    if spec.via == "manager":
        name = _manager(tx, tenant, name)
        notes.append({"via": "manager"})
    elif spec.via == "department_head":
        person = tx.get_person(tenant, name)
        if person is None or not person.department:
            raise AssignmentFailed(f"'{name}' has no department in the directory")
        department = tx.get_department(tenant, person.department)
        if department is None or not department.head:
            raise AssignmentFailed(f"department '{person.department}' has no head in the directory")
        name = department.head
        notes.append({"via": "department_head", "department": person.department})
    return to_user(tx, tenant, name, now, excluded, notes)


def to_user(
    tx: DirectoryView,
    tenant: str,
    name: str,
    now: float,
    excluded: Collection[str],
    notes: list[dict[str, Any]] | None = None,
) -> Assignment:
    """Give the task to ``name``; someone four-eyes rules exclude passes it to their manager; an
    absent person to their substitute."""
    notes = notes if notes is not None else []
    seen = {name}
    while name in excluded:
        manager = _manager(tx, tenant, name, reason="may not decide this task (four-eyes) and")
        if manager in seen or len(seen) > MAX_CHAIN:
            raise AssignmentFailed(f"the manager chain of '{name}' loops")
        notes.append({"passed_over": name, "to": manager, "reason": "four-eyes"})
        seen.add(manager)
        name = manager
    absence = tx.substitute_for(tenant, name, now)
    if absence is not None and absence.substitute not in excluded:
        notes.append({"substitute_for": name, "substitute": absence.substitute, "until": absence.ends_at})
        name = absence.substitute
    return Assignment(name, None, notes)


def _manager(tx: DirectoryView, tenant: str, name: str, reason: str = "") -> str:
    person = tx.get_person(tenant, name)
    if person is None or not person.manager:
        lead = f"'{name}' {reason} " if reason else f"'{name}' "
        raise AssignmentFailed(f"{lead}has no manager in the directory")
    return person.manager


def _group(
    tx: DirectoryView, tenant: str, group: str, round_robin: bool, now: float, excluded: Collection[str]
) -> Assignment:
    if tx.get_group(tenant, group) is None:
        raise AssignmentFailed(f"there is no group '{group}' in the directory")
    if not round_robin:
        return Assignment(None, group)
    members = [
        m for m in tx.group_members(tenant, group) if m not in excluded and tx.substitute_for(tenant, m, now) is None
    ]
    if not members:
        raise AssignmentFailed(f"group '{group}' has nobody present who may take this task")
    turn = tx.take_round_robin(tenant, group) or 0
    return Assignment(members[turn % len(members)], group, [{"round_robin": group}])

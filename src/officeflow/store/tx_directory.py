"""The directory tasks are assigned from: people (manager, department, cost centre), departments,
groups (candidate users, round-robin), and dated absences with substitutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from officeflow.store import schema
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase


@dataclass(frozen=True, kw_only=True, slots=True)
class PersonRow:
    tenant: str
    username: str
    display_name: str | None = None
    email: str | None = None
    manager: str | None = None
    department: str | None = None
    cost_centre: str | None = None
    updated_at: float = 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class DepartmentRow:
    tenant: str
    name: str
    head: str | None
    cost_centre: str | None
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupRow:
    tenant: str
    name: str
    description: str | None
    members: tuple[str, ...] = ()
    """Its members' usernames (from ``of_group_members``)."""
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class AbsenceRow:
    id: str
    tenant: str
    username: str
    substitute: str
    starts_at: float
    ends_at: float
    reason: str | None
    created_at: float
    created_by: str | None


PEOPLE = RowMap(schema.people, PersonRow)
DEPARTMENTS = RowMap(schema.departments, DepartmentRow)
GROUPS = RowMap(schema.groups, GroupRow, elsewhere=("members",), constants={"next_member": 0})
ABSENCES = RowMap(schema.absences, AbsenceRow)

_PUT_PERSON = PEOPLE.upsert(("tenant", "username"))
_PUT_DEPARTMENT = DEPARTMENTS.upsert(("tenant", "name"))
_PUT_GROUP = GROUPS.upsert(("tenant", "name"), keep=("next_member",))
"""A group's round-robin position survives a change of its description or members."""


class DirectoryMixin(TxBase):
    # People

    def put_person(self, person: PersonRow) -> None:
        self._exec(_PUT_PERSON, PEOPLE.params(person))

    def get_person(self, tenant: str, username: str) -> PersonRow | None:
        row = self._one(
            f"SELECT {PEOPLE.select} FROM of_people WHERE tenant = :t AND username = :u", {"t": tenant, "u": username}
        )
        return PEOPLE.load(row) if row else None

    def list_people(self, tenant: str, *, after: str | None = None, limit: int = 100) -> list[PersonRow]:
        rows = self._all(
            f"SELECT {PEOPLE.select} FROM of_people WHERE tenant = :t AND username > :after ORDER BY username LIMIT :n",
            {"t": tenant, "after": after or "", "n": limit},
        )
        return PEOPLE.load_all(rows)

    def delete_person(self, tenant: str, username: str) -> bool:
        return (
            self._count("DELETE FROM of_people WHERE tenant = :t AND username = :u", {"t": tenant, "u": username}) > 0
        )

    # Departments

    def put_department(self, row: DepartmentRow) -> None:
        self._exec(_PUT_DEPARTMENT, DEPARTMENTS.params(row))

    def get_department(self, tenant: str, name: str) -> DepartmentRow | None:
        row = self._one(
            f"SELECT {DEPARTMENTS.select} FROM of_departments WHERE tenant = :t AND name = :n", {"t": tenant, "n": name}
        )
        return DEPARTMENTS.load(row) if row else None

    def list_departments(self, tenant: str) -> list[DepartmentRow]:
        rows = self._all(
            f"SELECT {DEPARTMENTS.select} FROM of_departments WHERE tenant = :t ORDER BY name", {"t": tenant}
        )
        return DEPARTMENTS.load_all(rows)

    # Groups

    def put_group(self, tenant: str, name: str, description: str | None, members: Sequence[str], now: float) -> None:
        group = GroupRow(tenant=tenant, name=name, description=description, updated_at=now)
        self._exec(_PUT_GROUP, GROUPS.params(group))
        self._exec("DELETE FROM of_group_members WHERE tenant = :t AND group_name = :n", {"t": tenant, "n": name})
        self._many(
            "INSERT INTO of_group_members (tenant, group_name, username) VALUES (:t, :n, :u)",
            [{"t": tenant, "n": name, "u": u} for u in dict.fromkeys(members)],
        )

    def get_group(self, tenant: str, name: str) -> GroupRow | None:
        row = self._one(
            f"SELECT {GROUPS.select} FROM of_groups WHERE tenant = :t AND name = :n", {"t": tenant, "n": name}
        )
        if row is None:
            return None
        return replace(GROUPS.load(row), members=tuple(self.group_members(tenant, name)))

    def list_groups(self, tenant: str) -> list[GroupRow]:
        rows = self._all(f"SELECT {GROUPS.select} FROM of_groups WHERE tenant = :t ORDER BY name", {"t": tenant})
        members: dict[str, list[str]] = {}
        for group_name, username in self._all(
            "SELECT group_name, username FROM of_group_members WHERE tenant = :t ORDER BY group_name, username",
            {"t": tenant},
        ):
            members.setdefault(group_name, []).append(username)
        return [replace(group, members=tuple(members.get(group.name, ()))) for group in GROUPS.load_all(rows)]

    def delete_group(self, tenant: str, name: str) -> bool:
        self._exec("DELETE FROM of_group_members WHERE tenant = :t AND group_name = :n", {"t": tenant, "n": name})
        return self._count("DELETE FROM of_groups WHERE tenant = :t AND name = :n", {"t": tenant, "n": name}) > 0

    def group_members(self, tenant: str, name: str) -> list[str]:
        rows = self._all(
            "SELECT username FROM of_group_members WHERE tenant = :t AND group_name = :n ORDER BY username",
            {"t": tenant, "n": name},
        )
        return [username for (username,) in rows]

    def groups_of(self, tenant: str, username: str) -> list[str]:
        rows = self._all(
            "SELECT group_name FROM of_group_members WHERE tenant = :t AND username = :u ORDER BY group_name",
            {"t": tenant, "u": username},
        )
        return [group for (group,) in rows]

    def take_round_robin(self, tenant: str, name: str) -> int | None:
        """Advance the group's round-robin counter (locking the group row); the value before, or
        None when the group does not exist."""
        row = self._one(
            "UPDATE of_groups SET next_member = next_member + 1 WHERE tenant = :t AND name = :n RETURNING next_member",
            {"t": tenant, "n": name},
        )
        return int(row[0]) - 1 if row else None

    # Absences

    def add_absence(self, row: AbsenceRow) -> None:
        self._exec(ABSENCES.insert(), ABSENCES.params(row))

    def delete_absence(self, tenant: str, absence_id: str) -> bool:
        return (
            self._count("DELETE FROM of_absences WHERE tenant = :t AND id = :id", {"t": tenant, "id": absence_id}) > 0
        )

    def list_absences(self, tenant: str, *, current_after: float | None = None) -> list[AbsenceRow]:
        """Absences, or only those not over at ``current_after``."""
        rows = self._all(
            f"SELECT {ABSENCES.select} FROM of_absences WHERE tenant = :t AND ends_at > :after "
            "ORDER BY starts_at, username",
            {"t": tenant, "after": current_after if current_after is not None else float("-inf")},
        )
        return ABSENCES.load_all(rows)

    def substitute_for(self, tenant: str, username: str, now: float) -> AbsenceRow | None:
        """The absence of ``username`` at ``now`` (with its substitute), if any."""
        row = self._one(
            f"SELECT {ABSENCES.select} FROM of_absences WHERE tenant = :t AND username = :u "
            "AND starts_at <= :now AND ends_at > :now ORDER BY starts_at DESC LIMIT 1",
            {"t": tenant, "u": username, "now": now},
        )
        return ABSENCES.load(row) if row else None

    def substituting(self, tenant: str, substitute: str, now: float) -> list[str]:
        """Users ``substitute`` stands in for at ``now``."""
        rows = self._all(
            "SELECT username FROM of_absences WHERE tenant = :t AND substitute = :s "
            "AND starts_at <= :now AND ends_at > :now ORDER BY username",
            {"t": tenant, "s": substitute, "now": now},
        )
        return list(dict.fromkeys(username for (username,) in rows))

"""The directory tasks are assigned from: people (manager, department, cost centre), departments,
groups (candidate users, round-robin), and dated absences with substitutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.store.tx_base import TxBase

PERSON_COLUMNS = "tenant, username, display_name, email, manager, department, cost_centre, updated_at"
ABSENCE_COLUMNS = "id, tenant, username, substitute, starts_at, ends_at, reason, created_at, created_by"


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
    members: tuple[str, ...]
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


def _person(row: tuple[object, ...]) -> PersonRow:
    return PersonRow(
        tenant=str(row[0]),
        username=str(row[1]),
        display_name=row[2],  # type: ignore[arg-type]
        email=row[3],  # type: ignore[arg-type]
        manager=row[4],  # type: ignore[arg-type]
        department=row[5],  # type: ignore[arg-type]
        cost_centre=row[6],  # type: ignore[arg-type]
        updated_at=float(row[7]),  # type: ignore[arg-type]
    )


def _absence(row: tuple[object, ...]) -> AbsenceRow:
    return AbsenceRow(
        id=str(row[0]),
        tenant=str(row[1]),
        username=str(row[2]),
        substitute=str(row[3]),
        starts_at=float(row[4]),  # type: ignore[arg-type]
        ends_at=float(row[5]),  # type: ignore[arg-type]
        reason=row[6],  # type: ignore[arg-type]
        created_at=float(row[7]),  # type: ignore[arg-type]
        created_by=row[8],  # type: ignore[arg-type]
    )


class DirectoryMixin(TxBase):
    # People

    def put_person(self, person: PersonRow) -> None:
        self._exec(
            f"INSERT INTO of_people ({PERSON_COLUMNS}) VALUES (:tenant, :username, :display_name, :email, "
            ":manager, :department, :cost_centre, :updated_at) ON CONFLICT (tenant, username) DO UPDATE SET "
            "display_name = excluded.display_name, email = excluded.email, manager = excluded.manager, "
            "department = excluded.department, cost_centre = excluded.cost_centre, updated_at = excluded.updated_at",
            {
                "tenant": person.tenant,
                "username": person.username,
                "display_name": person.display_name,
                "email": person.email,
                "manager": person.manager,
                "department": person.department,
                "cost_centre": person.cost_centre,
                "updated_at": person.updated_at,
            },
        )

    def get_person(self, tenant: str, username: str) -> PersonRow | None:
        row = self._one(
            f"SELECT {PERSON_COLUMNS} FROM of_people WHERE tenant = :t AND username = :u", {"t": tenant, "u": username}
        )
        return _person(row) if row else None

    def list_people(self, tenant: str, *, after: str | None = None, limit: int = 100) -> list[PersonRow]:
        rows = self._all(
            f"SELECT {PERSON_COLUMNS} FROM of_people WHERE tenant = :t AND username > :after "
            "ORDER BY username LIMIT :n",
            {"t": tenant, "after": after or "", "n": limit},
        )
        return [_person(r) for r in rows]

    def delete_person(self, tenant: str, username: str) -> bool:
        return (
            self._count("DELETE FROM of_people WHERE tenant = :t AND username = :u", {"t": tenant, "u": username}) > 0
        )

    # Departments

    def put_department(self, row: DepartmentRow) -> None:
        self._exec(
            "INSERT INTO of_departments (tenant, name, head, cost_centre, updated_at) VALUES (:t, :n, :h, :c, :at) "
            "ON CONFLICT (tenant, name) DO UPDATE SET head = excluded.head, cost_centre = excluded.cost_centre, "
            "updated_at = excluded.updated_at",
            {"t": row.tenant, "n": row.name, "h": row.head, "c": row.cost_centre, "at": row.updated_at},
        )

    def get_department(self, tenant: str, name: str) -> DepartmentRow | None:
        row = self._one(
            "SELECT tenant, name, head, cost_centre, updated_at FROM of_departments WHERE tenant = :t AND name = :n",
            {"t": tenant, "n": name},
        )
        if row is None:
            return None
        return DepartmentRow(tenant=row[0], name=row[1], head=row[2], cost_centre=row[3], updated_at=row[4])

    def list_departments(self, tenant: str) -> list[DepartmentRow]:
        rows = self._all(
            "SELECT tenant, name, head, cost_centre, updated_at FROM of_departments WHERE tenant = :t ORDER BY name",
            {"t": tenant},
        )
        return [DepartmentRow(tenant=r[0], name=r[1], head=r[2], cost_centre=r[3], updated_at=r[4]) for r in rows]

    # Groups

    def put_group(self, tenant: str, name: str, description: str | None, members: Sequence[str], now: float) -> None:
        self._exec(
            "INSERT INTO of_groups (tenant, name, description, next_member, updated_at) VALUES (:t, :n, :d, 0, :at) "
            "ON CONFLICT (tenant, name) DO UPDATE SET description = excluded.description, "
            "updated_at = excluded.updated_at",
            {"t": tenant, "n": name, "d": description, "at": now},
        )
        self._exec("DELETE FROM of_group_members WHERE tenant = :t AND group_name = :n", {"t": tenant, "n": name})
        self._many(
            "INSERT INTO of_group_members (tenant, group_name, username) VALUES (:t, :n, :u)",
            [{"t": tenant, "n": name, "u": u} for u in dict.fromkeys(members)],
        )

    def get_group(self, tenant: str, name: str) -> GroupRow | None:
        row = self._one(
            "SELECT tenant, name, description, updated_at FROM of_groups WHERE tenant = :t AND name = :n",
            {"t": tenant, "n": name},
        )
        if row is None:
            return None
        return GroupRow(
            tenant=row[0],
            name=row[1],
            description=row[2],
            members=tuple(self.group_members(tenant, name)),
            updated_at=row[3],
        )

    def list_groups(self, tenant: str) -> list[GroupRow]:
        rows = self._all(
            "SELECT tenant, name, description, updated_at FROM of_groups WHERE tenant = :t ORDER BY name", {"t": tenant}
        )
        members: dict[str, list[str]] = {}
        for group_name, username in self._all(
            "SELECT group_name, username FROM of_group_members WHERE tenant = :t ORDER BY group_name, username",
            {"t": tenant},
        ):
            members.setdefault(group_name, []).append(username)
        return [
            GroupRow(tenant=r[0], name=r[1], description=r[2], members=tuple(members.get(r[1], [])), updated_at=r[3])
            for r in rows
        ]

    def delete_group(self, tenant: str, name: str) -> bool:
        self._exec("DELETE FROM of_group_members WHERE tenant = :t AND group_name = :n", {"t": tenant, "n": name})
        return self._count("DELETE FROM of_groups WHERE tenant = :t AND name = :n", {"t": tenant, "n": name}) > 0

    def group_members(self, tenant: str, name: str) -> list[str]:
        rows = self._all(
            "SELECT username FROM of_group_members WHERE tenant = :t AND group_name = :n ORDER BY username",
            {"t": tenant, "n": name},
        )
        return [r[0] for r in rows]

    def groups_of(self, tenant: str, username: str) -> list[str]:
        rows = self._all(
            "SELECT group_name FROM of_group_members WHERE tenant = :t AND username = :u ORDER BY group_name",
            {"t": tenant, "u": username},
        )
        return [r[0] for r in rows]

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
        self._exec(
            f"INSERT INTO of_absences ({ABSENCE_COLUMNS}) VALUES (:id, :t, :u, :s, :a, :b, :r, :at, :by)",
            {
                "id": row.id,
                "t": row.tenant,
                "u": row.username,
                "s": row.substitute,
                "a": row.starts_at,
                "b": row.ends_at,
                "r": row.reason,
                "at": row.created_at,
                "by": row.created_by,
            },
        )

    def delete_absence(self, tenant: str, absence_id: str) -> bool:
        return (
            self._count("DELETE FROM of_absences WHERE tenant = :t AND id = :id", {"t": tenant, "id": absence_id}) > 0
        )

    def list_absences(self, tenant: str, *, current_after: float | None = None) -> list[AbsenceRow]:
        """Absences, or only those not over at ``current_after``."""
        rows = self._all(
            f"SELECT {ABSENCE_COLUMNS} FROM of_absences WHERE tenant = :t AND ends_at > :after "
            "ORDER BY starts_at, username",
            {"t": tenant, "after": current_after if current_after is not None else float("-inf")},
        )
        return [_absence(r) for r in rows]

    def substitute_for(self, tenant: str, username: str, now: float) -> AbsenceRow | None:
        """The absence of ``username`` at ``now`` (with its substitute), if any."""
        row = self._one(
            f"SELECT {ABSENCE_COLUMNS} FROM of_absences WHERE tenant = :t AND username = :u "
            "AND starts_at <= :now AND ends_at > :now ORDER BY starts_at DESC LIMIT 1",
            {"t": tenant, "u": username, "now": now},
        )
        return _absence(row) if row else None

    def substituting(self, tenant: str, substitute: str, now: float) -> list[str]:
        """Users ``substitute`` stands in for at ``now``."""
        rows = self._all(
            "SELECT username FROM of_absences WHERE tenant = :t AND substitute = :s "
            "AND starts_at <= :now AND ends_at > :now ORDER BY username",
            {"t": tenant, "s": substitute, "now": now},
        )
        return list(dict.fromkeys(r[0] for r in rows))

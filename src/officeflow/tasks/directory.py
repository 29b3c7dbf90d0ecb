"""The directory officeflow keeps for assigning tasks: people with their manager, department and
cost centre; departments with their head; groups; dated absences with substitutes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from officeflow.errors import Conflict, NotFound, Problem, RequestInvalid
from officeflow.ids import uuid7
from officeflow.store.tx import Tx
from officeflow.store.tx_directory import AbsenceRow, DepartmentRow, GroupRow, PersonRow

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MAX_ABSENCE = 366 * 86400.0


def _name(value: Any, pointer: str, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        problems.append(Problem(pointer=pointer, message=f"{value!r} is not a valid name", expected=NAME.pattern))


def _check(problems: list[Problem], what: str) -> None:
    if problems:
        raise RequestInvalid(problems, f"the {what} is not valid")


class Directory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _audit(self, tx: Tx, tenant: str, actor: str, action: str, kind: str, name: str, **change: Any) -> None:
        self.engine.record_audit(tx, tenant, actor, action, kind, name, **change)

    # People

    def put_person(
        self,
        tenant: str,
        username: str,
        *,
        actor: str,
        display_name: str | None = None,
        email: str | None = None,
        manager: str | None = None,
        department: str | None = None,
        cost_centre: str | None = None,
    ) -> PersonRow:
        problems: list[Problem] = []
        _name(username, "/username", problems)
        if manager is not None:
            _name(manager, "/manager", problems)
            if manager == username:
                problems.append(Problem(pointer="/manager", message="a person cannot be their own manager"))
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            problems.append(Problem(pointer="/email", message=f"{email!r} is not an e-mail address"))
        _check(problems, "person")
        row = PersonRow(
            tenant=tenant,
            username=username,
            display_name=display_name,
            email=email,
            manager=manager,
            department=department,
            cost_centre=cost_centre,
            updated_at=self.engine.now(),
        )

        def body(tx: Tx) -> PersonRow:
            before = tx.get_person(tenant, username)
            tx.put_person(row)
            self._audit(
                tx,
                tenant,
                actor,
                "directory.person_saved",
                "person",
                username,
                before=_doc(before) if before else None,
                after=_doc(row),
            )
            return row

        return self.engine.store.run(body)

    def person(self, tenant: str, username: str) -> PersonRow:
        with self.engine.store.read() as tx:
            row = tx.get_person(tenant, username)
        if row is None:
            raise NotFound(f"no person '{username}' in the directory of tenant '{tenant}'")
        return row

    def people(self, tenant: str, *, after: str | None = None, limit: int = 100) -> list[PersonRow]:
        with self.engine.store.read() as tx:
            return tx.list_people(tenant, after=after, limit=limit)

    def delete_person(self, tenant: str, username: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            before = tx.get_person(tenant, username)
            if before is None or not tx.delete_person(tenant, username):
                raise NotFound(f"no person '{username}' in the directory of tenant '{tenant}'")
            self._audit(tx, tenant, actor, "directory.person_deleted", "person", username, before=_doc(before))

        self.engine.store.run(body)

    # Departments

    def put_department(
        self, tenant: str, name: str, *, actor: str, head: str | None = None, cost_centre: str | None = None
    ) -> DepartmentRow:
        problems: list[Problem] = []
        _name(name, "/name", problems)
        if head is not None:
            _name(head, "/head", problems)
        _check(problems, "department")
        row = DepartmentRow(tenant=tenant, name=name, head=head, cost_centre=cost_centre, updated_at=self.engine.now())

        def body(tx: Tx) -> DepartmentRow:
            tx.put_department(row)
            self._audit(tx, tenant, actor, "directory.department_saved", "department", name, after=_doc(row))
            return row

        return self.engine.store.run(body)

    def departments(self, tenant: str) -> list[DepartmentRow]:
        with self.engine.store.read() as tx:
            return tx.list_departments(tenant)

    # Groups

    def put_group(
        self, tenant: str, name: str, members: Sequence[str], *, actor: str, description: str | None = None
    ) -> GroupRow:
        problems: list[Problem] = []
        _name(name, "/name", problems)
        for i, member in enumerate(members):
            _name(member, f"/members/{i}", problems)
        if len(members) > 10_000:
            problems.append(Problem(pointer="/members", message="too many members", expected="at most 10000"))
        _check(problems, "group")

        def body(tx: Tx) -> GroupRow:
            before = tx.get_group(tenant, name)
            tx.put_group(tenant, name, description, members, self.engine.now())
            after = tx.get_group(tenant, name)
            assert after is not None
            self._audit(
                tx,
                tenant,
                actor,
                "directory.group_saved",
                "group",
                name,
                before={"members": list(before.members)} if before else None,
                after={"members": list(after.members), "description": description},
            )
            return after

        return self.engine.store.run(body)

    def group(self, tenant: str, name: str) -> GroupRow:
        with self.engine.store.read() as tx:
            row = tx.get_group(tenant, name)
        if row is None:
            raise NotFound(f"no group '{name}' in tenant '{tenant}'")
        return row

    def groups(self, tenant: str) -> list[GroupRow]:
        with self.engine.store.read() as tx:
            return tx.list_groups(tenant)

    def groups_of(self, tenant: str, username: str) -> list[str]:
        with self.engine.store.read() as tx:
            return tx.groups_of(tenant, username)

    def delete_group(self, tenant: str, name: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            if not tx.delete_group(tenant, name):
                raise NotFound(f"no group '{name}' in tenant '{tenant}'")
            self._audit(tx, tenant, actor, "directory.group_deleted", "group", name)

        self.engine.store.run(body)

    # Absences

    def add_absence(
        self,
        tenant: str,
        username: str,
        substitute: str,
        starts_at: float,
        ends_at: float,
        *,
        actor: str,
        reason: str | None = None,
    ) -> AbsenceRow:
        problems: list[Problem] = []
        _name(username, "/username", problems)
        _name(substitute, "/substitute", problems)
        if substitute == username:
            problems.append(Problem(pointer="/substitute", message="a person cannot substitute for themselves"))
        if ends_at <= starts_at:
            problems.append(Problem(pointer="/ends_at", message="the absence ends before it starts"))
        elif ends_at - starts_at > MAX_ABSENCE:
            problems.append(
                Problem(pointer="/ends_at", message="an absence lasts at most a year", expected="<= 366 days")
            )
        _check(problems, "absence")
        row = AbsenceRow(
            id=uuid7(),
            tenant=tenant,
            username=username,
            substitute=substitute,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_at=self.engine.now(),
            created_by=actor,
        )

        def body(tx: Tx) -> AbsenceRow:
            for other in tx.list_absences(tenant, current_after=starts_at):
                if other.substitute == username and other.username == substitute and other.starts_at < ends_at:
                    raise Conflict(f"'{substitute}' is away then and named '{username}' as substitute")
            tx.add_absence(row)
            self._audit(tx, tenant, actor, "directory.absence_added", "absence", row.id, after=_doc(row))
            return row

        return self.engine.store.run(body)

    def absences(self, tenant: str, *, current_only: bool = True) -> list[AbsenceRow]:
        with self.engine.store.read() as tx:
            return tx.list_absences(tenant, current_after=self.engine.now() if current_only else None)

    def delete_absence(self, tenant: str, absence_id: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            if not tx.delete_absence(tenant, absence_id):
                raise NotFound(f"no absence {absence_id} in tenant '{tenant}'")
            self._audit(tx, tenant, actor, "directory.absence_deleted", "absence", absence_id)

        self.engine.store.run(body)


def _doc(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in row.__slots__ if k not in ("tenant", "updated_at")}

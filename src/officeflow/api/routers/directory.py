"""/v1/directory: the people, departments, groups and absences tasks are assigned from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas import Done
from officeflow.api.schemas_tasks import (
    AbsenceIn,
    AbsenceOut,
    DepartmentIn,
    DepartmentOut,
    GroupIn,
    GroupOut,
    PersonIn,
    PersonOut,
)
from officeflow.edge.problems import ApiProblem

router = APIRouter(tags=["directory"])
USER = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


def _user() -> Any:
    return Path(pattern=USER, max_length=100)


def _name() -> Any:
    return Path(pattern=NAME, max_length=100)


@router.get("/v1/directory/people", response_model=list[PersonOut], **guarded("directory.read"))
def list_people(
    request: Request,
    after: str | None = Query(None, max_length=100, description="the last username of the previous page"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[PersonOut]:
    """People in the directory, by username."""
    principal = principal_of(request)
    return [PersonOut.of(p) for p in office(request).directory.people(principal.tenant, after=after, limit=limit)]


@router.get("/v1/directory/people/{username}", response_model=PersonOut, **guarded("directory.read"))
def get_person(request: Request, username: str = _user()) -> PersonOut:
    return PersonOut.of(office(request).directory.person(principal_of(request).tenant, username))


@router.put("/v1/directory/people/{username}", response_model=PersonOut, **guarded("directory.write"))
def put_person(request: Request, body: PersonIn, username: str = _user()) -> PersonOut:
    """Create or replace a person: their manager, department and cost centre decide who gets
    tasks assigned ``via: manager`` or ``via: department_head``."""
    principal = principal_of(request)
    row = office(request).directory.put_person(principal.tenant, username, actor=principal.actor, **body.model_dump())
    return PersonOut.of(row)


@router.delete("/v1/directory/people/{username}", response_model=Done, **guarded("directory.write"))
def delete_person(request: Request, username: str = _user()) -> Done:
    principal = principal_of(request)
    office(request).directory.delete_person(principal.tenant, username, actor=principal.actor)
    return Done()


@router.get("/v1/directory/departments", response_model=list[DepartmentOut], **guarded("directory.read"))
def list_departments(request: Request) -> list[DepartmentOut]:
    return [DepartmentOut.of(d) for d in office(request).directory.departments(principal_of(request).tenant)]


@router.put("/v1/directory/departments/{name}", response_model=DepartmentOut, **guarded("directory.write"))
def put_department(request: Request, body: DepartmentIn, name: str = _name()) -> DepartmentOut:
    principal = principal_of(request)
    row = office(request).directory.put_department(
        principal.tenant, name, actor=principal.actor, head=body.head, cost_centre=body.cost_centre
    )
    return DepartmentOut.of(row)


@router.get("/v1/directory/groups", response_model=list[GroupOut], **guarded("directory.read"))
def list_groups(request: Request) -> list[GroupOut]:
    return [GroupOut.of(g) for g in office(request).directory.groups(principal_of(request).tenant)]


@router.get("/v1/directory/groups/{name}", response_model=GroupOut, **guarded("directory.read"))
def get_group(request: Request, name: str = _name()) -> GroupOut:
    return GroupOut.of(office(request).directory.group(principal_of(request).tenant, name))


@router.put("/v1/directory/groups/{name}", response_model=GroupOut, **guarded("directory.write"))
def put_group(request: Request, body: GroupIn, name: str = _name()) -> GroupOut:
    """Create or replace a group and its members (candidates for the tasks offered to it)."""
    principal = principal_of(request)
    row = office(request).directory.put_group(
        principal.tenant, name, body.members, actor=principal.actor, description=body.description
    )
    return GroupOut.of(row)


@router.delete("/v1/directory/groups/{name}", response_model=Done, **guarded("directory.write"))
def delete_group(request: Request, name: str = _name()) -> Done:
    principal = principal_of(request)
    office(request).directory.delete_group(principal.tenant, name, actor=principal.actor)
    return Done()


@router.get("/v1/directory/absences", response_model=list[AbsenceOut], **guarded("directory.read"))
def list_absences(request: Request, current_only: bool = Query(True)) -> list[AbsenceOut]:
    """Absences (by default those not over yet) with their substitutes."""
    rows = office(request).directory.absences(principal_of(request).tenant, current_only=current_only)
    return [AbsenceOut.of(a) for a in rows]


@router.post("/v1/directory/absences", response_model=AbsenceOut, status_code=201, **guarded("directory.read"))
def add_absence(request: Request, body: AbsenceIn) -> AbsenceOut:
    """Declare an absence: while it lasts, new tasks for the person go to the substitute, who also
    sees and decides the person's open tasks. People declare their own; ``directory.write``
    declares anyone's."""
    principal = principal_of(request)
    own = principal.kind == "user" and principal.name == body.username
    if not own and not principal.can("directory.write"):
        raise ApiProblem(
            403, "forbidden", "Forbidden", "you may declare only your own absences", action="directory.write"
        )
    row = office(request).directory.add_absence(
        principal.tenant,
        body.username,
        body.substitute,
        body.starts_at,
        body.ends_at,
        actor=principal.actor,
        reason=body.reason,
    )
    return AbsenceOut.of(row)


@router.delete("/v1/directory/absences/{absence_id}", response_model=Done, **guarded("directory.write"))
def delete_absence(request: Request, absence_id: str = Path(max_length=36)) -> Done:
    principal = principal_of(request)
    office(request).directory.delete_absence(principal.tenant, absence_id, actor=principal.actor)
    return Done()

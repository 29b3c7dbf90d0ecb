"""Assignment rules on a directory held in memory: manager and department-head walks, four-eyes
exclusions passed up the chain, substitutes of absent people, groups and round-robin turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from officeflow.store.tx_directory import AbsenceRow, DepartmentRow, GroupRow, PersonRow
from officeflow.tasks.assign import AssignmentFailed, DirectoryView, resolve, to_user, username
from officeflow.tasks.human import AssignSpec

T = "t"
NOW = 1000.0


@dataclass
class Org:
    """A directory as plain data, read the way assignment reads a transaction."""

    managers: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    heads: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    away: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    """username -> (substitute, from, until)"""
    turns: dict[str, int] = field(default_factory=dict)

    def get_person(self, tenant: str, username: str) -> PersonRow | None:
        known = username in self.managers or username in self.departments or username in self.heads.values()
        if not known:
            return None
        return PersonRow(
            tenant=tenant,
            username=username,
            manager=self.managers.get(username),
            department=self.departments.get(username),
        )

    def get_department(self, tenant: str, name: str) -> DepartmentRow | None:
        if name not in self.heads:
            return None
        return DepartmentRow(tenant=tenant, name=name, head=self.heads[name], cost_centre=None, updated_at=0.0)

    def get_group(self, tenant: str, name: str) -> GroupRow | None:
        if name not in self.groups:
            return None
        return GroupRow(tenant=tenant, name=name, description=None, members=tuple(self.groups[name]), updated_at=0.0)

    def group_members(self, tenant: str, name: str) -> list[str]:
        return sorted(self.groups.get(name, []))

    def substitute_for(self, tenant: str, username: str, now: float) -> AbsenceRow | None:
        if username not in self.away:
            return None
        substitute, start, end = self.away[username]
        if not start <= now < end:
            return None
        return AbsenceRow(
            id="a",
            tenant=tenant,
            username=username,
            substitute=substitute,
            starts_at=start,
            ends_at=end,
            reason=None,
            created_at=0.0,
            created_by=None,
        )

    def take_round_robin(self, tenant: str, name: str) -> int | None:
        if name not in self.groups:
            return None
        turn = self.turns.get(name, 0)
        self.turns[name] = turn + 1
        return turn


def spec(**fields: Any) -> AssignSpec:
    return AssignSpec.model_validate(fields)


def company(away: dict[str, tuple[str, float, float]] | None = None) -> Org:
    """amy -> ben -> cat -> dan (no manager), eve -> ben; sales is headed by dan, ops by nobody."""
    return Org(
        managers={"amy": "ben", "ben": "cat", "cat": "dan", "eve": "ben"},
        departments={"amy": "sales", "eve": "ops"},
        heads={"sales": "dan", "ops": None},
        away=away or {},
    )


def test_the_org_is_a_directory_view() -> None:
    view: DirectoryView = Org()
    assert view.get_person(T, "nobody") is None


def test_via_manager_gives_the_task_to_the_requesters_manager() -> None:
    found = resolve(company(), T, spec(via="manager"), "amy", NOW, excluded=set())
    assert (found.assignee, found.group, found.notes) == ("ben", None, [{"via": "manager"}])


def test_via_department_head_walks_to_the_head_of_the_persons_department() -> None:
    found = resolve(company(), T, spec(via="department_head"), "amy", NOW, excluded=set())
    assert found.assignee == "dan"
    assert found.notes == [{"via": "department_head", "department": "sales"}]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("eve", "department 'ops' has no head in the directory"),
        ("ben", "'ben' has no department in the directory"),
        ("zoe", "'zoe' has no department in the directory"),
    ],
)
def test_a_department_walk_that_finds_nobody_says_where_it_stopped(who: str, message: str) -> None:
    with pytest.raises(AssignmentFailed, match=message):
        resolve(company(), T, spec(via="department_head"), who, NOW, excluded=set())


def test_someone_four_eyes_excludes_passes_the_task_up_the_chain() -> None:
    found = to_user(company(), T, "ben", NOW, excluded={"amy", "ben"})
    assert found.assignee == "cat"
    assert found.notes == [{"passed_over": "ben", "to": "cat", "reason": "four-eyes"}]
    found = to_user(company(), T, "amy", NOW, excluded={"amy", "ben"})
    assert found.assignee == "cat"
    assert [n["passed_over"] for n in found.notes] == ["amy", "ben"]


def test_an_excluded_person_at_the_top_of_the_chain_stops_with_the_reason() -> None:
    with pytest.raises(AssignmentFailed, match="'dan' may not decide this task \\(four-eyes\\) and has no manager"):
        to_user(company(), T, "dan", NOW, excluded={"dan"})


def test_a_manager_chain_that_loops_is_refused() -> None:
    looping = Org(managers={"a": "b", "b": "a"})
    with pytest.raises(AssignmentFailed, match="the manager chain of 'b' loops"):
        to_user(looping, T, "a", NOW, excluded={"a", "b"})


def test_an_absent_person_is_stood_in_for_while_the_absence_lasts() -> None:
    org = company(away={"ben": ("eve", 500.0, 2000.0)})
    found = resolve(org, T, spec(via="manager"), "amy", NOW, excluded=set())
    assert found.assignee == "eve"
    assert found.notes[-1] == {"substitute_for": "ben", "substitute": "eve", "until": 2000.0}
    assert resolve(org, T, spec(via="manager"), "amy", 2000.0, excluded=set()).assignee == "ben"


def test_a_substitute_four_eyes_excludes_does_not_take_over() -> None:
    org = company(away={"ben": ("amy", 0.0, 2000.0)})
    assert to_user(org, T, "ben", NOW, excluded={"amy"}).assignee == "ben"


def test_a_user_expression_must_give_a_username() -> None:
    assert username("  ann ", "x") == "ann"
    for bad in (None, "", "  ", 7, ["ann"]):
        with pytest.raises(AssignmentFailed, match="expected a username"):
            resolve(company(), T, spec(user="input.who"), bad, NOW, excluded=set())


def test_a_group_task_is_offered_to_the_group_unassigned() -> None:
    found = resolve(Org(groups={"finance": ["fay", "fred"]}), T, spec(group="finance"), None, NOW, excluded=set())
    assert (found.assignee, found.group, found.notes) == (None, "finance", [])


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(AssignmentFailed, match="there is no group 'finance' in the directory"):
        resolve(Org(), T, spec(group="finance"), None, NOW, excluded=set())


def test_round_robin_takes_turns_over_the_members_present_and_allowed() -> None:
    org = Org(groups={"finance": ["fay", "fred", "flo", "fin"]}, away={"flo": ("x", 0.0, 5000.0)})
    rr = spec(group="finance", round_robin=True)
    turns = [resolve(org, T, rr, None, NOW, excluded={"fin"}).assignee for _ in range(5)]
    assert turns == ["fay", "fred", "fay", "fred", "fay"]
    assert resolve(org, T, rr, None, NOW, excluded=set()).notes == [{"round_robin": "finance"}]


def test_round_robin_with_nobody_left_is_refused() -> None:
    org = Org(groups={"finance": ["fay"]}, away={"fay": ("x", 0.0, 5000.0)})
    with pytest.raises(AssignmentFailed, match="group 'finance' has nobody present who may take this task"):
        resolve(org, T, spec(group="finance", round_robin=True), None, NOW, excluded=set())

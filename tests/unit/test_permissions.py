"""Who may do what: each role's actions, grants scoped to one workflow, and the tenant-wide rest."""

from __future__ import annotations

import pytest

from officeflow.security.permissions import (
    ALL_ACTIONS,
    ROLE_ACTIONS,
    SCOPED,
    WILDCARD,
    Grant,
    Principal,
    Role,
    decide,
)


def principal(*grants: Grant) -> Principal:
    return Principal(tenant="t", id="u1", kind="user", name="ann", grants=frozenset(grants))


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.ADMIN, "secrets.write", True),
        (Role.ADMIN, "users.write", True),
        (Role.DESIGNER, "definitions.write", True),
        (Role.DESIGNER, "runs.operate", False),
        (Role.DESIGNER, "tasks.decide", False),
        (Role.OPERATOR, "runs.operate", True),
        (Role.OPERATOR, "tasks.assign", True),
        (Role.OPERATOR, "tasks.decide", False),
        (Role.OPERATOR, "definitions.write", False),
        (Role.APPROVER, "tasks.decide", True),
        (Role.APPROVER, "runs.signal", True),
        (Role.APPROVER, "runs.start", False),
        (Role.APPROVER, "events.read", False),
        (Role.SUBMITTER, "runs.start", True),
        (Role.SUBMITTER, "events.publish", True),
        (Role.SUBMITTER, "files.write", True),
        (Role.SUBMITTER, "tasks.decide", False),
        (Role.AUDITOR, "audit.export", True),
        (Role.AUDITOR, "secrets.read", True),
        (Role.AUDITOR, "secrets.write", False),
        (Role.AUDITOR, "runs.operate", False),
        (Role.AUDITOR, "llm.read", True),
        (Role.AUDITOR, "llm.write", False),
        (Role.AUDITOR, "documents.read", True),
        (Role.AUDITOR, "documents.write", False),
        (Role.ADMIN, "llm.write", True),
        (Role.ADMIN, "documents.write", True),
        (Role.DESIGNER, "documents.read", False),
        (Role.OPERATOR, "llm.read", False),
    ],
)
def test_a_tenant_wide_grant_allows_exactly_its_roles_actions(role: Role, action: str, allowed: bool) -> None:
    assert principal(Grant(role)).can(action) is allowed
    assert principal(Grant(role)).can(action, "any-workflow") is allowed


def test_the_auditor_changes_nothing() -> None:
    writes = {a for a in ROLE_ACTIONS[Role.AUDITOR] if a.endswith((".write", ".operate", ".start", ".decide"))}
    assert writes == set()


def test_every_role_acts_only_within_the_known_actions_and_admin_has_them_all() -> None:
    assert all(actions <= ALL_ACTIONS for actions in ROLE_ACTIONS.values())
    assert ROLE_ACTIONS[Role.ADMIN] == ALL_ACTIONS
    assert set(ROLE_ACTIONS) == set(Role)


def test_a_grant_on_one_workflow_allows_its_scoped_actions_there_only() -> None:
    ann = principal(Grant(Role.APPROVER, "expenses"))
    assert ann.can("tasks.decide", "expenses")
    assert not ann.can("tasks.decide", "invoices")
    assert ann.can("tasks.decide")  # on some workflow: the question a list of tasks asks first


def test_a_workflow_grant_never_allows_a_tenant_wide_action() -> None:
    ann = principal(Grant(Role.ADMIN, "expenses"))
    assert ann.can("runs.operate", "expenses")
    for action in sorted(ALL_ACTIONS - SCOPED):
        assert not ann.can(action), action
        assert not ann.can(action, "expenses"), action


def test_grants_add_up() -> None:
    ann = principal(Grant(Role.APPROVER, "expenses"), Grant(Role.SUBMITTER))
    assert ann.can("runs.start", "invoices")
    assert ann.can("tasks.decide", "expenses")
    assert not ann.can("tasks.decide", "invoices")
    assert ann.roles == {"approver", "submitter"}


def test_the_workflows_an_action_is_allowed_on() -> None:
    scoped = principal(Grant(Role.APPROVER, "expenses"), Grant(Role.OPERATOR, "invoices"))
    assert scoped.workflows("tasks.read") == {"expenses", "invoices"}
    assert scoped.workflows("tasks.decide") == {"expenses"}
    assert scoped.workflows("runs.operate") == {"invoices"}
    assert scoped.workflows("audit.read") == set()
    assert principal(Grant(Role.OPERATOR, "invoices"), Grant(Role.AUDITOR)).workflows("runs.read") is None


def test_nobody_without_grants_may_do_anything() -> None:
    assert not any(principal().can(action) for action in ALL_ACTIONS)


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"unknown action 'runs\.delete'"):
        decide([Grant(Role.ADMIN)], "runs.delete")


def test_the_actor_names_the_kind_and_the_name() -> None:
    assert principal().actor == "user:ann"
    assert Principal(tenant="t", id="k1", kind="api_key", name="ci").actor == "api_key:ci"
    assert Grant(Role.ADMIN).scope == WILDCARD

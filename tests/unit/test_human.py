"""The human step's configuration: what a definition may say about assignment, outcomes, SLAs and
notifications, and what the step derives from it (edges, approving outcomes, the SLA plan)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from officeflow.tasks.human import HumanConfig
from officeflow.tasks.lifecycle import sla_plan


def human(**fields: Any) -> HumanConfig:
    base: dict[str, Any] = {
        "kind": "human",
        "assign": {"group": "finance"},
        "outcomes": {"approve": {"next": "post"}, "reject": {"next": "tell"}},
    }
    base.update(fields)
    return HumanConfig.model_validate(base)


def refused(**fields: Any) -> str:
    with pytest.raises(ValidationError) as info:
        human(**fields)
    return " | ".join(str(e["msg"]) for e in info.value.errors())


@pytest.mark.parametrize(
    ("assign", "message"),
    [
        ({"user": "input.who", "group": "finance"}, "assign takes one of user or group, not both"),
        ({}, "assign needs a user, a group, or via (to walk from the requester)"),
        ({"group": "finance", "via": "manager"}, "via walks the directory from a person, not from a group"),
        ({"user": "input.who", "round_robin": True}, "round_robin needs a group"),
        ({"group": "bad name"}, "String should match pattern"),
        ({"via": "ceo"}, "Input should be 'manager' or 'department_head'"),
    ],
)
def test_an_assignment_names_one_way_to_find_the_person(assign: dict[str, Any], message: str) -> None:
    assert message in refused(assign=assign)


@pytest.mark.parametrize(
    "assign",
    [{"via": "manager"}, {"user": "input.who"}, {"user": "input.who", "via": "department_head"}, {"group": "g"}],
)
def test_the_ways_to_assign(assign: dict[str, Any]) -> None:
    assert human(assign=assign).assign.model_dump(exclude_defaults=True).keys() == assign.keys()


@pytest.mark.parametrize(
    ("sla", "message"),
    [
        (
            {
                "escalate": [
                    {"after": "2d", "action": "notify", "to": {"group": "g"}},
                    {"after": "1d", "action": "timeout"},
                ]
            },
            "escalations must be listed in the order they happen",
        ),
        (
            {
                "escalate": [
                    {"after": "1d", "action": "timeout"},
                    {"after": "2d", "action": "notify", "to": {"group": "g"}},
                ]
            },
            "a timeout escalation ends the task: it can only be the last one",
        ),
        ({"escalate": [{"after": "1d", "action": "reassign"}]}, "a reassign escalation needs to: (a user or a group)"),
        ({"escalate": [{"after": "1d", "action": "notify", "next": "x"}]}, "a notify escalation needs to:"),
        (
            {"escalate": [{"after": "1d", "action": "reassign", "to": {"group": "g"}, "next": "x"}]},
            "only a timeout escalation takes next",
        ),
        ({"due": "soon"}, "'soon' is not a duration"),
    ],
)
def test_an_sla_is_refused_when_it_cannot_happen_as_written(sla: dict[str, Any], message: str) -> None:
    assert message in refused(sla=sla)


def test_a_webhook_needs_the_secret_that_signs_it() -> None:
    assert "a webhook needs secret" in refused(notify={"webhook": "https://hooks.example.com/t"})
    assert "String should match pattern" in refused(notify={"webhook": "ftp://x", "secret": "s"})
    assert human(notify={"webhook": "https://hooks.example.com/t", "secret": "s"}).notify is not None


def test_a_human_step_needs_an_outcome() -> None:
    assert "at least 1 item" in refused(outcomes={})


def test_the_edges_are_the_outcomes_next_and_timeout_targets_with_their_paths() -> None:
    step = human(
        next="after",
        sla={"escalate": [{"after": "1d", "action": "timeout", "next": "late"}]},
    )
    assert [(e.target, e.path) for e in step.edges()] == [
        ("after", ("next",)),
        ("post", ("outcomes", "approve", "next")),
        ("tell", ("outcomes", "reject", "next")),
        ("late", ("sla", "escalate", 0, "next")),
    ]


def test_which_outcomes_count_as_approvals() -> None:
    step = human(
        outcomes={"approve": {}, "accept": {"approves": True}, "approve_later": {}, "reject": {"approves": False}}
    )
    assert [o for o in ("approve", "accept", "approve_later", "reject", "unknown") if step.approving(o)] == [
        "approve",
        "accept",
    ]
    assert human(outcomes={"approve": {"approves": False}}).approving("approve") is False


def test_where_a_timed_out_task_goes() -> None:
    assert human().timeout_next() is None
    assert human(next="n", sla={"due": "1d"}).timeout_next() is None
    assert human(next="n", sla={"escalate": [{"after": "1d", "action": "timeout"}]}).timeout_next() == "n"
    timeout = {"after": "1d", "action": "timeout", "next": "late"}
    assert human(next="n", sla={"escalate": [timeout]}).timeout_next() == "late"


def test_the_expressions_of_a_step_are_listed_with_their_paths() -> None:
    step = human(
        subject="'Pay ' + input.who",
        assign={"user": "input.who"},
        four_eyes={"approvals": "input.amount > 100.0 ? 2 : 1"},
        priority="input.urgent ? 5 : 0",
        sla={"escalate": [{"after": "1h", "action": "reassign", "to": {"user": "input.boss"}}]},
    )
    assert [path for path, _ in step.values()] == [
        ("subject",),
        ("assign", "user"),
        ("four_eyes", "approvals"),
        ("priority",),
        ("sla", "escalate", 0, "to", "user"),
    ]


def test_the_sla_plan_orders_reminders_and_escalations_by_time() -> None:
    """Reminders come before an escalation at the same moment; each keeps its index."""
    step = human(
        sla={
            "due": "2d",
            "remind": ["1d", "2d", "3h"],
            "escalate": [
                {"after": "2d", "action": "notify", "to": {"group": "leads"}},
                {"after": "4d", "action": "timeout"},
            ],
        }
    )
    assert sla_plan(step) == [
        (10800.0, "remind", 2),
        (86400.0, "remind", 0),
        (172800.0, "remind", 1),
        (172800.0, "escalate", 0),
        (345600.0, "escalate", 1),
    ]


def test_without_an_sla_there_is_no_plan() -> None:
    assert sla_plan(human()) == []
    assert sla_plan(human(sla={"due": "1d"})) == []

"""The task and directory endpoints: inbox views, decisions with their statuses (200, 403, 404,
409, 422 with pointers), another tenant's task, the directory and absences."""

from __future__ import annotations

import textwrap
import time
from typing import Any

import pytest

from .conftest import Api

WF = textwrap.dedent("""
    name: purchase
    version: 1
    input: {type: object, required: [requester, amount]}
    steps:
      approve:
        kind: human
        subject: "'Purchase of ' + string(input.amount)"
        assign: {user: input.requester, via: manager}
        requester: input.requester
        form:
          schema: {type: object, properties: {amount: {type: number}, supplier: {type: string}}}
          values: "{'amount': input.amount, 'supplier': 'ACME'}"
        outcomes:
          approve: {label: Approve, requires: [supplier], style: primary}
          reject: {reasons: [budget, other], reason_text: required, style: danger}
""")
PASSWORD = "correct horse battery"


def login(api: Api, username: str, tenant: str = "default") -> dict[str, str]:
    response = api.client.post("/v1/auth/login", json={"tenant": tenant, "username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def people(api: Api) -> dict[str, dict[str, str]]:
    office = api.office
    for name, grants in (("erin", ["submitter"]), ("max", ["approver"]), ("olga", ["operator"]), ("amy", ["approver"])):
        office.accounts.create_user("default", name, password=PASSWORD, grants=grants, actor="t")
    office.accounts.create_user("acme", "max", password=PASSWORD, grants=["admin"], actor="t")
    admin = api.headers("admin")
    assert api.client.put("/v1/directory/people/erin", json={"manager": "max"}, headers=admin).status_code == 200
    assert api.client.put("/v1/directory/people/max", json={"manager": "olga"}, headers=admin).status_code == 200
    assert (
        api.client.put("/v1/directory/groups/buyers", json={"members": ["amy", "max"]}, headers=admin).status_code
        == 200
    )
    api.engine.apply(WF)
    return {name: login(api, name) for name in ("erin", "max", "olga", "amy")} | {"acme-max": login(api, "max", "acme")}


def start(api: Api, who: dict[str, str], amount: float = 99.0) -> str:
    response = api.client.post(
        "/v1/runs", json={"workflow": "purchase", "input": {"requester": "erin", "amount": amount}}, headers=who
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def the_task(api: Api, who: dict[str, str]) -> dict[str, Any]:
    page = api.client.get("/v1/tasks", headers=who).json()
    assert len(page["tasks"]) == 1, page
    return dict(page["tasks"][0])


def test_the_inbox_shows_the_task_with_its_form_and_a_decision_completes_the_run(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    run_id = start(api, people["erin"])
    task = the_task(api, people["max"])
    assert (task["assignee"], task["requester"], task["title"]) == ("max", "erin", "Purchase of 99")
    detail = api.client.get(f"/v1/tasks/{task['id']}", headers=people["max"]).json()
    assert detail["values"] == {"amount": 99.0, "supplier": "ACME"}
    assert [o["name"] for o in detail["outcomes"]] == ["approve", "reject"]
    assert detail["can_decide"] is True
    assert detail["events"][0]["type"] == "opened"
    decided = api.client.post(
        f"/v1/tasks/{task['id']}/decision",
        json={
            "outcome": "approve",
            "values": {"amount": 95.0, "supplier": "ACME"},
            "lock_version": task["lock_version"],
        },
        headers=people["max"],
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["outcome"]) == ("completed", "approve")
    run = api.client.get(f"/v1/runs/{run_id}", headers=people["olga"]).json()
    assert run["status"] == "completed"
    corrections = api.client.get("/v1/corrections?workflow=purchase", headers=people["olga"]).json()
    assert [(c["field"], c["before"], c["after"]) for c in corrections] == [("/amount", 99.0, 95.0)]
    again = api.client.post(f"/v1/tasks/{task['id']}/decision", json={"outcome": "approve"}, headers=people["max"])
    assert again.status_code == 409
    assert "already completed by max" in again.json()["detail"]


def test_an_incomplete_decision_is_a_422_with_pointers(api: Api, people: dict[str, dict[str, str]]) -> None:
    start(api, people["erin"])
    task = the_task(api, people["max"])
    response = api.client.post(
        f"/v1/tasks/{task['id']}/decision",
        json={"outcome": "reject", "values": {"amount": "lots"}, "reason": {"code": "whim"}},
        headers=people["max"],
    )
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["pointer"] for e in body["errors"]} == {"/values/amount", "/reason/code", "/reason/text"}


def test_the_requester_and_strangers_cannot_decide(api: Api, people: dict[str, dict[str, str]]) -> None:
    start(api, people["erin"])
    task = the_task(api, people["max"])
    own = api.client.post(f"/v1/tasks/{task['id']}/decision", json={"outcome": "approve"}, headers=people["erin"])
    assert own.status_code == 403  # erin sees her request, but may not decide it
    stranger = api.client.get(f"/v1/tasks/{task['id']}", headers=people["amy"])
    assert stranger.status_code == 404
    other_tenant = api.client.get(f"/v1/tasks/{task['id']}", headers=people["acme-max"])
    assert other_tenant.status_code == 404
    assert api.client.get("/v1/tasks?view=all", headers=people["acme-max"]).json()["tasks"] == []


def test_an_operator_reassigns_to_a_group_whose_member_claims_it(api: Api, people: dict[str, dict[str, str]]) -> None:
    start(api, people["erin"])
    task = the_task(api, people["max"])
    everything = api.client.get("/v1/tasks?view=all", headers=people["olga"]).json()
    assert [t["id"] for t in everything["tasks"]] == [task["id"]]
    refused = api.client.post(
        f"/v1/tasks/{task['id']}/reassign", json={"to_group": "buyers", "reason": "x"}, headers=people["max"]
    )
    assert refused.status_code == 403
    moved = api.client.post(
        f"/v1/tasks/{task['id']}/reassign",
        json={"to_group": "buyers", "reason": "max is busy"},
        headers=people["olga"],
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["assignee"], moved.json()["group"]) == (None, "buyers")
    offered = api.client.get("/v1/tasks?view=groups", headers=people["amy"]).json()
    assert offered["counts"]["groups"] == 1
    claimed = api.client.post(f"/v1/tasks/{task['id']}/claim", json={}, headers=people["amy"])
    assert claimed.json()["assignee"] == "amy"
    late = api.client.post(f"/v1/tasks/{task['id']}/claim", json={}, headers=people["max"])
    assert late.status_code == 409
    assert late.json()["detail"] == "the task was already claimed by amy"


def test_people_declare_their_own_absence_only(api: Api, people: dict[str, dict[str, str]]) -> None:
    now = time.time()
    body = {"username": "max", "substitute": "amy", "starts_at": now - 60, "ends_at": now + 3600}
    assert api.client.post("/v1/directory/absences", json=body, headers=people["max"]).status_code == 201
    other = {**body, "username": "olga"}
    assert api.client.post("/v1/directory/absences", json=other, headers=people["max"]).status_code == 403
    start(api, people["erin"])
    task = the_task(api, people["amy"])
    assert task["assignee"] == "amy"
    bad = {**body, "ends_at": now - 120}
    response = api.client.post("/v1/directory/absences", json=bad, headers=people["max"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/ends_at"

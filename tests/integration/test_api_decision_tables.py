"""/v1/decision-tables on both backends: push (201, 200 unchanged, 409 other content, 422 with the
file, line and element id of each problem), list, show, evaluate, hits counted by rules steps, a
definition naming an unknown table refused, and who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import Api
from tests.integration.test_decision_tables import CLAIM, OVERLAPPING, per_diem

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"
PROBLEM = "application/problem+json"


def push(api: Api, source: str, who: str = "admin", **extra: Any) -> Any:
    return api.post("/v1/decision-tables", who, json={"source": source, **extra})


def test_push_stores_a_version_once_and_refuses_other_content_under_it(api: Api) -> None:
    first = push(api, per_diem(), title="Per-diem limits")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    assert body["findings"] == []
    assert body["table"]["name"] == "per-diem"
    assert body["table"]["version"] == 1
    assert body["table"]["format"] == "yaml"
    assert body["table"]["decisions"] == ["approval"]
    assert body["table"]["created_by"] == "api_key:admin-key"
    again = push(api, per_diem())
    assert again.status_code == 200
    assert again.json()["created"] is False
    clash = push(api, per_diem(limit=70))
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith(PROBLEM)
    assert "give this content version 2" in clash.json()["detail"]
    seeded = push(api, OVERLAPPING)
    assert seeded.status_code == 201
    assert [f["check"] for f in seeded.json()["findings"]] == ["overlap"]
    assert seeded.json()["findings"][0]["rules"] == [1, 2]


def test_an_invalid_dmn_file_answers_422_with_file_line_and_element(api: Api) -> None:
    answer = push(api, (DATA / "refused-expressions.dmn").read_text())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith(PROBLEM)
    problem = answer.json()
    assert problem["type"].endswith("/invalid-decision-model")
    rule_two = next(e for e in problem["errors"] if e.get("element") == "r2")
    assert rule_two["file"] == "source"
    assert rule_two["line"] == 13
    assert "cannot parse `[100..`" in rule_two["detail"]
    assert {e.get("element") for e in problem["errors"]} >= {"in_kind", "r2", "r3", "d_fee", "d_script"}
    assert "Traceback" not in answer.text
    assert api.get("/v1/decision-tables").json() == []
    not_xml = push(api, "<definitions", format="dmn")
    assert not_xml.status_code == 422
    assert "not well-formed XML" in not_xml.json()["errors"][0]["detail"]
    dish = (DATA / "camunda7-dish.dmn").read_text()
    latin = push(api, dish.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'))
    assert latin.status_code == 422
    assert latin.json()["errors"][0]["expected"] == 'encoding="UTF-8" (or no encoding) in the XML declaration'
    assert push(api, dish).status_code == 201


def test_list_show_evaluate_and_hits(api: Api) -> None:
    push(api, per_diem())
    push(api, per_diem(version=2, limit=45))
    listed = api.get("/v1/decision-tables").json()
    assert [(t["name"], t["latest"], t["versions"]) for t in listed] == [("per-diem", 2, 2)]
    shown = api.get("/v1/decision-tables/per-diem", params={"version": 1}).json()
    assert shown["version"] == 1
    assert shown["versions"] == [1, 2]
    assert shown["source"] == per_diem()
    assert api.get("/v1/decision-tables/per-diem").json()["version"] == 2
    assert api.get("/v1/decision-tables/nope").status_code == 404
    assert api.get("/v1/decision-tables/per-diem", params={"version": 9}).status_code == 404
    assert api.get("/v1/decision-tables/per-diem", "other-admin").status_code == 404

    tried = api.post(
        "/v1/decision-tables/per-diem/evaluate", json={"input": {"amount": 30, "category": "meals"}, "version": 1}
    )
    assert tried.status_code == 200, tried.text
    result = tried.json()
    assert result["version"] == 1
    assert result["outputs"] == {"approval": {"route": "auto", "limit": 50}}
    assert result["decisions"][0]["matched"][0]["rule"] == 1
    assert result["decisions"][0]["matched"][0]["inputs"] == ["< 50", '"meals", "office"']
    outside = api.post("/v1/decision-tables/per-diem/evaluate", json={"input": {"amount": 30, "category": "taxi"}})
    assert outside.status_code == 200
    assert outside.json()["outputs"] == {"approval": None}
    assert outside.json()["errors"]
    unknown = api.post("/v1/decision-tables/per-diem/evaluate", json={"input": {}, "decision": "limit"})
    assert unknown.status_code == 422
    assert "has no decision 'limit'" in unknown.json()["detail"]
    assert api.post("/v1/decision-tables/per-diem/evaluate", json={"input": []}).status_code == 422

    assert api.get("/v1/decision-tables/per-diem/hits").json()["evaluations"] == 0
    applied = api.post("/v1/definitions", json={"source": CLAIM})
    assert applied.status_code == 201, applied.text
    for amount in (30, 900, 10):
        started = api.post("/v1/runs", json={"workflow": "claim", "input": {"amount": amount, "category": "meals"}})
        assert started.status_code in (200, 201, 202), started.text
    api.engine.run_until_idle()
    hits = api.get("/v1/decision-tables/per-diem/hits").json()
    assert hits["version"] == 2
    assert hits["evaluations"] == 3
    assert hits["tables"] == {"approval": {"1": 2, "3": 1}}
    assert api.get("/v1/decision-tables/per-diem/hits", params={"version": 1}).json()["evaluations"] == 0


def test_a_definition_naming_an_unknown_table_is_refused(api: Api) -> None:
    answer = api.post("/v1/definitions", json={"source": CLAIM})
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["pointer"] == "/steps/check/table"
    assert error["detail"] == "decision table 'per-diem' is not stored in tenant 'default'"
    push(api, per_diem())
    wrong = api.post("/v1/definitions", json={"source": CLAIM.replace("decision: approval", "decision: route")})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/steps/check/decision"
    assert wrong.json()["errors"][0]["expected"] == "one of: approval"


def test_reading_needs_definitions_read_and_pushing_a_tenant_wide_write(api: Api) -> None:
    push(api, per_diem())
    assert api.get("/v1/decision-tables", "approver").status_code == 200
    assert (
        api.post(
            "/v1/decision-tables/per-diem/evaluate", "approver", json={"input": {"amount": 1, "category": "meals"}}
        ).status_code
        == 200
    )
    assert push(api, per_diem(version=2), "approver").status_code == 403
    assert push(api, per_diem(version=2), "designer").status_code == 201
    scoped = api.office.accounts.create_api_key("default", "claims-designer", grants=["designer:claim"], actor="system")
    api.keys["scoped"] = scoped.token
    refused = push(api, per_diem(version=3), "scoped")
    assert refused.status_code == 403
    assert "whole tenant" in refused.json()["detail"]
    assert api.client.get("/v1/decision-tables").status_code == 401

"""Hostile documents over the HTTP API, on both backends: a YAML alias bomb and nesting 10,000
levels deep answer 422 with the reason and its place, never a 500 or a server that stops
answering (the bounds are officeflow.safeyaml's; tests/unit/test_safeyaml.py covers them)."""

from __future__ import annotations

import pytest

from tests.hostile import alias_bomb, deep_json, deep_yaml

from .conftest import Api


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_definition_answers_422_naming_the_alias(api: Api, levels: int) -> None:
    response = api.post("/v1/definitions", json={"source": alias_bomb(levels)})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-definition")
    (error,) = problem["errors"]
    assert error["detail"] == "YAML anchors and aliases are not allowed (anchor &a)"
    assert (error["line"], error["column"]) == (1, 4)
    assert error["expected"] == "plain YAML: write the value out where it is needed"
    assert [d["name"] for d in api.get("/v1/definitions").json()] == ["hello"]


def test_yaml_nested_ten_thousand_deep_answers_422_with_the_depth_allowed(api: Api) -> None:
    response = api.post("/v1/definitions", json={"source": deep_yaml(10_000)})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["detail"] == "nested deeper than 64 levels"
    assert error["expected"] == "at most 64 levels of nested lists and mappings"
    assert error["line"] == 3


def test_a_definition_as_json_data_nested_too_deep_answers_422(api: Api) -> None:
    body = '{"definition": {"name": "x", "version": 1, "steps": ' + deep_json(10_000) + "}}"
    response = api.post("/v1/definitions", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "the JSON body is nested deeper than 64 levels"
    (error,) = problem["errors"]
    assert (error["in"], error["line"], error["column"]) == ("body", 1, 115)  # the 65th bracket


@pytest.mark.parametrize("path", ["/v1/runs", "/v1/events/ping", "/v1/api-keys"])
def test_any_json_body_nested_too_deep_answers_422_before_it_is_parsed(api: Api, path: str) -> None:
    api.office.events.register_type("default", "ping", {"type": "object"}, actor="system")
    body = '{"workflow": "hello",\n "input": {"a": ' + deep_json(10_000) + "}}"
    response = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["detail"] == "nested deeper than 64 levels"
    assert (error["line"], error["column"]) == (2, 79)  # the 65th bracket
    assert api.engine.list_runs(tenant="default") == []


def test_json_at_the_depth_allowed_is_accepted(api: Api) -> None:
    nested: object = {}
    for _ in range(60):
        nested = {"a": nested}
    response = api.post("/v1/runs", json={"workflow": "hello", "input": nested})
    assert response.status_code == 201, response.text

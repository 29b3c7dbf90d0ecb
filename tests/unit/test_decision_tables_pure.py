"""The pure parts of decision tables: how a step's result is routed, whether a DMN file declares
its version, which format a text is, how the console's try form reads a value, and the compiled
models cache (compiles a version once, drops the least recently used)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from officeflow.decision_tables.compiled import CompiledModels, columns
from officeflow.decision_tables.kind import RulesConfig, route_key, routed_value
from officeflow.decision_tables.service import declares_version, detect_format
from officeflow.store.tx_rules import DecisionTableHead, DecisionTableRecord
from officeflow.web.decision_tables import parse_value

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"
YAML = "name: t\nversion: 1\ndecisions:\n  - {name: d, expression: '1 + 1', type: number}\n"


def step(**fields: Any) -> RulesConfig:
    return RulesConfig.model_validate({"kind": "rules", "table": "t", **fields})


@pytest.mark.parametrize(
    ("value", "key"),
    [("manager", "manager"), (True, "true"), (12, "12"), (None, "null"), (1.5, "1.5"), ([1], "[1]")],
)
def test_a_value_is_looked_up_as_text_or_as_json(value: Any, key: str) -> None:
    assert route_key(value) == key


def test_route_by_follows_names_through_the_result() -> None:
    result = {"Approval": {"route": "manager", "limit": 10}}
    assert routed_value(step(route_by="Approval.route"), result) == "manager"
    assert routed_value(step(route_by="Approval.missing"), result) is None
    assert routed_value(step(route_by="Approval.route.deeper"), result) is None
    assert routed_value(step(), "auto") == "auto"


def test_the_successor_comes_from_routes_else_next() -> None:
    from officeflow.decision_tables.kind import Rules
    from officeflow.steps.base import KindEnvironment

    kind = Rules(KindEnvironment(handlers={}, now=lambda: 0.0, secrets=lambda t, n: ""))
    routed = step(route_by="route", routes={"auto": "pay", "true": "flag"}, next="review")
    assert kind.successor(routed, {"route": "auto"}) == "pay"
    assert kind.successor(routed, {"route": "manager"}) == "review"
    wrapped = step(output="policy", route_by="route", routes={"auto": "pay"}, next="review")
    assert kind.successor(wrapped, {"policy": {"route": "auto"}}) == "pay"
    assert kind.successor(step(routes={"true": "flag"}), True) == "flag"
    assert kind.successor(step(next="n"), "anything") == "n"
    assert [e.target for e in routed.edges()] == ["pay", "flag", "review"]


def test_a_dmn_file_declares_its_version_with_officeflow_or_a_numeric_camunda_tag() -> None:
    dish = (DATA / "camunda7-dish.dmn").read_bytes()
    assert not declares_version(dish)
    assert declares_version(dish.replace(b'id="dinner"', b'camunda:versionTag="4" id="dinner"'))
    assert not declares_version(dish.replace(b'id="dinner"', b'camunda:versionTag="v4" id="dinner"'))
    assert declares_version(
        dish.replace(
            b'id="dinner"', b'xmlns:officeflow="https://officeflow.dev/dmn" officeflow:version="2" id="dinner"'
        )
    )
    # a version attribute on an inner element is not the model's
    assert not declares_version(dish.replace(b'<decision id="dish"', b'<decision camunda:versionTag="3" id="dish"'))


def test_xml_is_dmn_and_anything_else_the_yaml_form() -> None:
    assert detect_format("  \n<?xml version='1.0'?><definitions/>") == "dmn"
    assert detect_format("name: t\n") == "yaml"


@pytest.mark.parametrize(
    ("text", "value"),
    [("120", 120), ("true", True), ('"travel"', "travel"), ("travel", "travel"), ("[1, 2]", [1, 2]), ("null", None)],
)
def test_the_try_form_reads_json_or_else_text(text: str, value: Any) -> None:
    assert parse_value(text) == value


def record(version: int, digest: str = "d") -> DecisionTableRecord:
    return DecisionTableRecord(
        tenant="x",
        name="t",
        version=version,
        format="yaml",
        digest=digest,
        title=None,
        decisions=("d",),
        source=YAML.replace("version: 1", f"version: {version}"),
        created_at=0.0,
        created_by=None,
    )


def head(version: int, digest: str = "d") -> DecisionTableHead:
    r = record(version, digest)
    return DecisionTableHead(
        tenant=r.tenant,
        name=r.name,
        version=r.version,
        format=r.format,
        digest=r.digest,
        title=None,
        decisions=r.decisions,
        created_at=0.0,
        created_by=None,
    )


def test_the_cache_compiles_a_version_once_and_drops_the_least_recently_used() -> None:
    cache = CompiledModels(size=2)
    reads: list[int] = []

    def source(version: int) -> Any:
        def read() -> Any:
            reads.append(version)
            return record(version)

        return read

    first = cache.get(head(1), source(1))
    assert first is not None
    assert first.evaluate({}).outputs == {"d": 2}
    assert cache.get(head(1), source(1)) is first
    cache.get(head(2), source(2))
    cache.get(head(1), source(1))
    cache.get(head(3), source(3))  # drops version 2, the least recently used
    cache.get(head(2), source(2))
    assert reads == [1, 2, 3, 2]
    assert cache.compiled == 4
    assert cache.get(head(4, digest="other"), source(4)) is None  # the stored digest differs


def test_columns_name_inputs_by_label_and_outputs_by_name() -> None:
    from officeflow.rules import load_model

    named = columns(load_model(DATA / "camunda7-dish.dmn"))
    assert named["dishTable"].inputs == ("Season", "How many guests")
    assert named["dishTable"].outputs == ("desiredDish",)
    assert named["seasonTable"].inputs == ("Month",)

"""Decision tables: every hit policy, defaults, multiple outputs, allowed values, and the record of
matched rows and hit counts the run history and the console read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officeflow.rules import DecisionModel, HitCounts, load_model, load_yaml
from officeflow.rules.convert import from_json
from officeflow.rules.tables import TableEvaluator
from tests.unit.test_rules_yaml import tables, values_for

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"


@pytest.fixture(scope="module")
def policies() -> DecisionModel:
    return load_model(DATA / "hit-policies.dmn")


def band(name: str, bonus: int) -> dict[str, Any]:
    return {"band": name, "bonus": bonus}


# Rows: 1 ">= 90, -: gold 30", 2 "[70..90), true: silver 20", 3 "[70..90), false: bronze 10",
# 4 "< 70, -: none 0", 5 ">= 80, true: gold 25" (UNIQUE has rows 1-4 only).
CASES = [
    (
        {"Score": 95, "Member": True},
        {
            "U": band("gold", 30),
            "A": None,
            "P": band("gold", 30),
            "F": band("gold", 30),
            "R": [band("gold", 30), band("gold", 25)],
            "O": [band("gold", 30), band("gold", 25)],
            "C": [band("gold", 30), band("gold", 25)],
            "Csum": 55,
            "Cmin": 25,
            "Cmax": 30,
            "Ccount": 2,
        },
    ),
    (
        {"Score": 85, "Member": True},
        {
            "U": band("silver", 20),
            "A": None,
            "P": band("gold", 25),
            "F": band("silver", 20),
            "R": [band("silver", 20), band("gold", 25)],
            "O": [band("gold", 25), band("silver", 20)],
            "C": [band("silver", 20), band("gold", 25)],
            "Csum": 45,
            "Cmin": 20,
            "Cmax": 25,
            "Ccount": 2,
        },
    ),
    (
        {"Score": 75, "Member": False},
        {
            "U": band("bronze", 10),
            "A": band("bronze", 10),
            "P": band("bronze", 10),
            "F": band("bronze", 10),
            "R": [band("bronze", 10)],
            "O": [band("bronze", 10)],
            "C": [band("bronze", 10)],
            "Csum": 10,
            "Cmin": 10,
            "Cmax": 10,
            "Ccount": 1,
        },
    ),
    (
        {"Score": None, "Member": True},
        {
            "U": None,
            "A": None,
            "P": None,
            "F": None,
            "R": [],
            "O": [],
            "C": [],
            "Csum": None,
            "Cmin": None,
            "Cmax": None,
            "Ccount": 0,
        },
    ),
]


@pytest.mark.parametrize(("inputs", "expected"), CASES)
def test_every_hit_policy_combines_matching_rows_as_dmn_says(
    policies: DecisionModel, inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert policies.evaluate(inputs).outputs == expected


def test_any_with_disagreeing_rows_is_null_with_an_error_naming_the_rows(policies: DecisionModel) -> None:
    result = policies.evaluate({"Score": 95, "Member": True}, "A").decisions["A"]
    assert result.value is None
    assert result.errors == ("table t_A: hit policy ANY, but rules 1, 5 give different outputs",)


def test_unique_with_two_rows_matching_is_null_with_an_error() -> None:
    model = load_yaml(
        "name: u\nversion: 1\ndecisions:\n- name: d\n  inputs: [x]\n  outputs: [o]\n"
        "  rules:\n  - {when: ['< 10'], then: [a]}\n  - {when: ['< 20'], then: [b]}\n"
    )
    result = model.evaluate({"x": 5}).decisions["d"]
    assert result.value is None
    assert result.errors == ("table d: hit policy UNIQUE, but rules 1, 2 all match",)
    assert [m.index for m in result.matched] == [1, 2]


def test_first_stops_at_the_first_matching_row_and_records_only_it(policies: DecisionModel) -> None:
    result = policies.evaluate({"Score": 95, "Member": True}, "F").decisions["F"]
    assert [m.index for m in result.matched] == [1]


def test_matched_rows_carry_index_id_annotation_and_cells(policies: DecisionModel) -> None:
    result = policies.evaluate({"Score": 85, "Member": True}, "R").decisions["R"]
    first = result.matched[0]
    assert (first.table, first.decision, first.index, first.id) == ("t_R", "R", 2, "t_R_r2")
    assert first.annotation == "members in the upper band"
    assert first.inputs == ("[70..90)", "true")
    assert first.outputs == ('"silver"', "20")


def test_an_evaluation_is_json_data(policies: DecisionModel) -> None:
    evaluation = policies.evaluate({"Score": 85, "Member": True})
    data = json.loads(json.dumps(evaluation.as_dict()))
    assert data["outputs"]["Csum"] == 45
    assert data["model"] == "Hit policies"
    assert data["version"] == 1
    assert len(data["digest"]) == 64
    assert data["decisions"][0]["matched"][0]["rule"] >= 1
    assert any("rules 2, 5" in e for e in data["errors"])


def test_hit_counts_add_up_rows_over_evaluations(policies: DecisionModel) -> None:
    counts = HitCounts()
    for score in (95, 85, 85, 50):
        counts.add(policies.evaluate({"Score": score, "Member": True}, "R"))
    assert counts.evaluations == 4
    assert counts.for_table("t_R") == {1: 1, 2: 2, 4: 1, 5: 3}
    other = HitCounts()
    other.add(policies.evaluate({"Score": 95, "Member": True}, "R"))
    counts.merge(other)
    assert counts.as_dict()["tables"]["t_R"] == {"1": 2, "2": 2, "4": 1, "5": 4}


def test_defaults_apply_when_no_row_matches_and_several_outputs_give_a_context() -> None:
    model = load_model(DATA / "expense-policy.yaml")
    result = model.evaluate({"amount": 3000, "category": "office", "vip": True, "submitted": "2026-03-01"})
    assert result.outputs["approval"] == {"route": "manager", "limit": None}
    assert result.matched() == []


def test_an_input_outside_its_input_values_is_an_error_not_a_guess() -> None:
    model = load_model(DATA / "expense-policy.yaml")
    result = model.evaluate({"amount": 10, "category": "hotel", "submitted": "2026-03-01"}, "approval")
    assert result.outputs == {"approval": None}
    assert result.errors == ["approval: table approval: input 'category' = \"hotel\" is not an allowed value"]


def test_an_output_outside_its_output_values_is_null_with_an_error() -> None:
    model = load_yaml(
        "name: o\nversion: 1\ndecisions:\n- name: d\n  inputs: [x]\n"
        "  outputs: [{name: o, values: [a, b]}]\n  rules:\n  - {when: ['-'], then: ['= \"c\"']}\n"
    )
    result = model.evaluate({"x": 1}).decisions["d"]
    assert result.value is None
    assert "gives \"c\" for output 'o', not one of its output values" in result.errors[0]


def test_null_inputs_match_only_dash_null_and_negations_of_equality() -> None:
    model = load_model(DATA / "nulls.dmn")
    assert model.evaluate({"X": None, "Flag": None}).outputs == {
        "Match": ["null", "not 5", "any"],
        "Sum": None,
        "And": None,
        "Or": None,
    }
    assert model.evaluate({"X": 4, "Flag": False}).outputs == {
        "Match": ["less than 10", "not 5", "any"],
        "Sum": 5,
        "And": False,
        "Or": True,
    }
    assert model.evaluate({"X": 5, "Flag": True}).outputs["Match"] == ["less than 10", "any"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_column_index_finds_exactly_the_rows_testing_every_cell_finds(data: st.DataObject) -> None:
    spec, names, kinds = data.draw(tables())
    model = load_yaml(yaml.safe_dump(spec, sort_keys=False), "random.yaml")
    evaluator = model.program.decisions["table"].evaluate
    assert isinstance(evaluator, TableEvaluator)
    for _ in range(10):
        raw = {name: data.draw(values_for(kind)) for name, kind in zip(names, kinds, strict=True)}
        if data.draw(st.booleans()):
            raw[names[0]] = data.draw(st.sampled_from(["a string", 7, True]))
        scope: dict[str, Any] = {name: from_json(value) for name, value in raw.items()}
        values = [scope[name] for name in names]
        indexed = [row.info.index for row in evaluator._scan(values, scope)]
        every_cell = [row.info.index for row in evaluator._scan_all(values, scope)]
        assert indexed == every_cell, raw

"""DMN import: what Camunda Modeler and Kogito write loads and evaluates; what officeflow does not
support is refused at load with the file, the element and the reason; hostile XML is refused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from officeflow.errors import DefinitionInvalid
from officeflow.rules import DecisionEvaluationError, DecisionModelInvalid, check_model, load_dmn, load_model, to_dmn

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"
LOAN_INPUT: dict[str, Any] = {
    "Applicant": {"Monthly Income": 3000, "Employment": "self-employed", "Birth Date": "1990-05-02"},
    "Loan": {"Amount": 100000, "Rate": 0.05, "Term": 240},
    "Application Date": "2026-03-01",
}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DecisionModelInvalid) as caught:
        load_model(path)
    assert isinstance(caught.value, DefinitionInvalid)
    return [str(p) for p in caught.value.problems]


def test_a_camunda_table_without_input_data_reads_the_callers_variables() -> None:
    model = load_model(DATA / "camunda-expense.dmn")
    assert model.input_names == ["amount", "category", "submitted"]
    assert model.dmn_version == "1.3"
    small = model.evaluate({"amount": 20, "category": "meals", "submitted": "2026-03-01"})
    assert small.outputs == {"Expense approval": {"route": "auto", "limit": 50}}
    assert small.matched()[0].annotation == "small meals and office costs"
    travel = model.evaluate({"amount": 120, "category": "travel", "submitted": "2026-03-01"})
    assert travel.outputs["Expense approval"] == {"route": "manager", "limit": 132}


def test_dates_given_as_text_are_dates_where_the_input_is_typed_date() -> None:
    model = load_model(DATA / "camunda-expense.dmn")
    late = model.evaluate({"amount": 20, "category": "meals", "submitted": "2025-12-01"})
    assert late.outputs["Expense approval"] == {"route": "auto", "limit": 50}
    late_travel = model.evaluate({"amount": 120, "category": "travel", "submitted": "2025-12-01"})
    assert late_travel.outputs["Expense approval"] == {"route": "finance", "limit": 0}


def test_a_kogito_drd_evaluates_in_dependency_order_with_bkm_context_and_collect_sum() -> None:
    model = load_model(DATA / "kogito-loan.dmn")
    evaluation = model.evaluate(LOAN_INPUT)
    assert list(evaluation.decisions) == ["Payment", "Affordability", "Risk Score", "Risk Tier"]
    outputs = evaluation.outputs
    assert outputs["Payment"] == 659.96
    assert outputs["Affordability"]["Age"] == 35
    assert outputs["Affordability"]["Affordable"] is True
    assert outputs["Risk Score"] == 20
    assert outputs["Risk Tier"] == "medium"
    matched = evaluation.decisions["Risk Score"].matched
    assert [(m.index, m.annotation) for m in matched] == [(2, "variable income"), (4, None)]


def test_asking_for_one_decision_evaluates_only_what_it_needs() -> None:
    model = load_model(DATA / "kogito-loan.dmn")
    evaluation = model.evaluate(LOAN_INPUT, "Payment")
    assert list(evaluation.decisions) == ["Payment"]
    assert evaluation.outputs == {"Payment": 659.96}
    with pytest.raises(DecisionEvaluationError, match="no decision 'Nope'"):
        model.evaluate(LOAN_INPUT, "Nope")


def test_inputs_that_break_their_item_definition_are_null_with_an_error() -> None:
    model = load_model(DATA / "kogito-loan.dmn")
    broken = {**LOAN_INPUT, "Applicant": {**LOAN_INPUT["Applicant"], "Employment": "retired"}}
    evaluation = model.evaluate(broken, "Risk Tier")
    assert evaluation.input_errors
    assert "input 'Applicant'" in evaluation.input_errors[0]


def test_a_decision_whose_value_breaks_its_type_is_null_with_an_error() -> None:
    text = (DATA / "kogito-loan.dmn").read_text().replace('"medium" else "high"', '"middling" else "high"')
    evaluation = load_dmn(text, "tier.dmn").evaluate(LOAN_INPUT, "Risk Tier")
    tier = evaluation.decisions["Risk Tier"]
    assert tier.value is None
    assert tier.errors == ('the value "middling" is not a tTier (allowed: "low", "medium", "high")',)


def test_unsupported_dmn_is_refused_with_each_element_and_reason() -> None:
    found = problems_of(DATA / "refused-structure.dmn")
    assert found == [
        f"{DATA / 'refused-structure.dmn'}:4: import: imports of other models are not supported"
        " (expected one self-contained model)",
        f"{DATA / 'refused-structure.dmn'}:7: business knowledge model 'Java rate': function definitions of kind"
        " Java are not supported (expected kind FEEL)",
        f"{DATA / 'refused-structure.dmn'}:11: decision 'Conditional': <conditional> has no <then>"
        " (expected <then> holding an expression)",
        f"{DATA / 'refused-structure.dmn'}:13: decision service 'Service': decision services are not supported"
        " (expected decisions evaluated by name)",
    ]


def test_bad_expressions_are_refused_with_decision_rule_cell_and_column() -> None:
    found = problems_of(DATA / "refused-expressions.dmn")
    file = DATA / "refused-expressions.dmn"
    assert f"{file}:5: input data 'Kind': unknown type 'tNoSuchType'" in found[0]
    assert found[1] == (
        f"{file}:13: decision table (id t_route) of 'Route', rule 2 (id r2), input 1: cannot parse `[100..`:"
        " expected a value, found 'the end' (column 7)"
    )
    assert (
        found[2]
        == f"{file}:14: decision table (id t_route) of 'Route', rule 3 (id r3), input 1: `> Limit`: unknown name 'Limit'"
    )
    assert found[3] == (
        f"{file}:19: literal expression of 'Fee': cannot parse `percentage of(Amount, 2)`:"
        " unknown name 'percentage of' (column 1)"
    )
    assert found[4] == (
        f"{file}:23: literal expression of 'Script': expression language 'javascript' is not supported"
        " (expected FEEL or CEL)"
    )


def test_decisions_that_depend_on_each_other_are_refused_with_the_cycle() -> None:
    assert problems_of(DATA / "refused-cycle.dmn") == [
        f"{DATA / 'refused-cycle.dmn'}:4: decision 'Limit': decisions depend on each other in a cycle:"
        " Limit -> Threshold -> Limit"
    ]


def test_an_entity_expansion_is_refused_before_parsing() -> None:
    started = time.perf_counter()
    assert problems_of(DATA / "refused-entity.dmn") == [
        f"{DATA / 'refused-entity.dmn'}: a DOCTYPE or entity declaration is not accepted in a DMN file"
    ]
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"<x", "not well-formed XML"),
        (b'<definitions xmlns="urn:not-dmn"/>', "the root element is {urn:not-dmn}definitions"),
        (
            b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">'
            + b"<x>" * 100
            + b"</x>" * 100
            + b"</definitions>",
            "nested deeper than 64 levels",
        ),
        (b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>", "larger than"),
    ],
)
def test_documents_that_are_not_dmn_or_are_hostile_are_refused(text: bytes, problem: str) -> None:
    with pytest.raises(DecisionModelInvalid) as caught:
        load_dmn(text, "x.dmn")
    assert problem in str(caught.value)


def test_a_model_has_a_name_a_version_and_a_digest_of_its_bytes() -> None:
    data = (DATA / "hit-policies.dmn").read_bytes()
    first, second = load_dmn(data), load_dmn(data, version=7)
    assert (first.name, first.version, second.version) == ("Hit policies", 1, 7)
    assert first.digest == second.digest
    assert len(first.digest) == 64
    assert load_dmn(data.replace(b"top scores", b"top marks")).digest != first.digest


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"month": 1, "guestCount": 4}, {"Season": "Winter", "Dish": "Spareribs"}),
        ({"month": 10, "guestCount": 6}, {"Season": "Autumn", "Dish": "Stew"}),
        ({"month": 4, "guestCount": 12}, {"Season": "Spring", "Dish": "Steak"}),
        ({"month": 7, "guestCount": None}, {"Season": "Summer", "Dish": "Light salad and a nice steak"}),
    ],
)
def test_a_camunda_7_drd_of_tables_over_process_variables_evaluates(
    inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    model = load_model(DATA / "camunda7-dish.dmn")
    assert model.dmn_version == "1.1"
    assert model.input_names == ["guestCount", "month"]
    assert model.evaluate(inputs).outputs == expected


def test_a_month_typed_double_has_gaps_between_the_listed_months() -> None:
    found = [(f.decision, f.check, f.message) for f in check_model(load_model(DATA / "camunda7-dish.dmn"))]
    assert found == [("Season", "gap", "no rule matches Month in (1..2) (e.g. 1.5)")]


def test_dmn_14_boxed_filter_conditional_for_every_and_some_evaluate_and_survive_export() -> None:
    """The boxed expressions of DMN 1.4 evaluate as their FEEL forms do (a filter sees each
    item's entries, ``for`` has ``partial``, ``every``/``some`` are ternary) and export back."""
    model = load_model(DATA / "boxed-iterators.dmn")
    claims = [
        {"id": "a", "amount": 20, "receipt": True},
        {"id": "b", "amount": 150, "receipt": None},
        {"id": "c", "amount": 30, "receipt": True},
    ]
    expected = {
        "Large claims": [{"id": "b", "amount": 150, "receipt": None}],
        "Route": "manager",
        "With VAT": [24, 180, 36],
        "Running total": [20, 170, 200],
        "All receipted": None,
        "Any receipted": True,
    }
    assert model.evaluate({"Claims": claims, "Limit": 100}).outputs == expected
    again = load_dmn(to_dmn(model))
    assert again.evaluate({"Claims": claims, "Limit": 100}).outputs == expected
    small = [{"id": "a", "amount": 20, "receipt": False}]
    assert again.evaluate({"Claims": small, "Limit": 100}).outputs["Route"] == "auto"
    assert again.evaluate({"Claims": small, "Limit": 100}).outputs["All receipted"] is False

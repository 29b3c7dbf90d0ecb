"""An llm step's configuration, its tools, the answer checker and the decision split: pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from officeflow.llm import LlmSpecInvalid, Tool, parse_spec
from officeflow.llm.output import AnswerChecker, decision_fields, is_decision_name, repair_request, split_decisions
from officeflow.llm.tools import Toolbox, check_tools, wire_name

SCHEMA = {
    "type": "object",
    "properties": {"vendor": {"type": "string"}, "total": {"type": "number"}, "approve": {"type": "boolean"}},
    "required": ["vendor", "total"],
}


def test_a_valid_spec_parses_with_defaults() -> None:
    spec = parse_spec({"system": "Summarise.", "output_schema": SCHEMA})
    assert (spec.max_tokens, spec.max_turns, spec.may_decide, spec.temperature) == (512, 6, False, 0.0)
    assert spec.toolset() == ()


@pytest.mark.parametrize(
    ("config", "pointer", "message"),
    [
        ({}, "/system", "Field required"),
        ({"system": "x", "temperatur": 1}, "/temperatur", "Extra inputs are not permitted"),
        ({"system": "x", "max_turns": 0}, "/max_turns", "greater than or equal to 1"),
        ({"system": "x", "output_schema": {"type": "objekt"}}, "/output_schema/type", "not a valid JSON Schema"),
        ({"system": "x", "output_schema": SCHEMA, "decision_fields": ["verdict"]}, "/decision_fields/0", "'verdict'"),
        ({"system": "x", "max_tokens": 500, "max_total_tokens": 100}, "/max_total_tokens", "cannot cover"),
        ({"system": "x", "tools": [{"name": "9lives", "description": "d"}]}, "/tools/0/name", "not valid"),
        (
            {"system": "x", "tools": [{"name": "a.b", "description": "d"}, {"name": "a_b", "description": "d"}]},
            "/tools/1/name",
            "same function name",
        ),
        (
            {"system": "x", "tools": [{"name": "t", "description": "d", "parameters": {"type": "array"}}]},
            "/tools/0/parameters",
            "object schema",
        ),
    ],
)
def test_an_invalid_spec_names_each_problem_with_a_pointer(config: dict[str, Any], pointer: str, message: str) -> None:
    """parse_spec raises LlmSpecInvalid whose problems point into the step's configuration."""
    with pytest.raises(LlmSpecInvalid) as caught:
        parse_spec(config, step="review")
    problem = next(p for p in caught.value.problems if p.pointer == pointer)
    assert message in problem.message
    assert problem.step == "review"


def test_the_pydantic_model_refuses_static_problems_too() -> None:
    """Embedding LlmSpec in a step config cannot skip the static checks."""
    from pydantic import ValidationError

    from officeflow.llm import LlmSpec

    with pytest.raises(ValidationError, match="decision field 'nope'"):
        LlmSpec.model_validate({"system": "x", "output_schema": SCHEMA, "decision_fields": ["nope"]})


def test_wire_names_replace_what_openai_function_names_cannot_hold() -> None:
    assert wire_name("payments.transfer") == "payments_transfer"
    assert wire_name("a" * 80) == "a" * 64


def test_the_toolbox_maps_wire_names_back_and_validates_arguments() -> None:
    """Only offered wire names resolve; arguments are checked against the tool's schema with pointers."""
    tool = Tool(
        name="payments.transfer",
        description="Pay",
        parameters={"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
        irreversible=True,
    )
    box = Toolbox([tool])
    assert box.resolve("payments_transfer") is tool
    assert box.resolve("payments.transfer") is None
    assert box.check_arguments(tool, {"amount": 5}) == []
    assert [(p.pointer, p.message) for p in box.check_arguments(tool, {"amount": "5"})] == [
        ("/amount", "'5' is not of type 'number'")
    ]
    described = box.wire()[0]["function"]
    assert described["name"] == "payments_transfer"
    assert "irreversible" in described["description"]


def test_check_tools_accepts_good_tools() -> None:
    assert check_tools([Tool(name="vendors.lookup", description="Find a vendor")]) == []


@pytest.mark.parametrize(
    ("name", "decision"),
    [
        ("approve", True),
        ("isApproved", True),
        ("payment_decision", True),
        ("transfer-now", True),
        ("recommended_action", True),
        ("vendor", False),
        ("total_amount", False),
        ("approver_note", False),
        ("category", False),
    ],
)
def test_decision_names_are_read_word_by_word(name: str, decision: bool) -> None:
    assert is_decision_name(name) is decision


def test_decision_fields_are_the_declared_ones_then_those_found_by_name() -> None:
    schema = {"type": "object", "properties": {"category": {}, "approve": {}, "vendor": {}}}
    assert decision_fields(schema, ["category"]) == ("category", "approve")
    assert decision_fields(None) == ()


def test_split_takes_decisions_out_as_proposals_unless_may_decide() -> None:
    answer = {"vendor": "ACME", "approve": True}
    proposed = split_decisions(answer, ["approve"], may_decide=False)
    assert (proposed.output, proposed.proposals, proposed.decisions) == ({"vendor": "ACME"}, {"approve": True}, {})
    decided = split_decisions(answer, ["approve"], may_decide=True)
    assert (decided.output, decided.proposals, decided.decisions) == ({"vendor": "ACME"}, {}, {"approve": True})
    assert split_decisions("text", ["approve"], may_decide=False).output == "text"


@pytest.mark.parametrize(
    ("content", "value", "pointers"),
    [
        ('{"vendor": "A", "total": 1}', {"vendor": "A", "total": 1}, []),
        ('```json\n{"vendor": "A", "total": 1}\n```', {"vendor": "A", "total": 1}, []),
        ('{"vendor": "A"}', {"vendor": "A"}, ["/"]),
        ('{"vendor": "A", "total": "1"}', {"vendor": "A", "total": "1"}, ["/total"]),
        ('Sure! {"vendor": "A", "total": 1}', None, [""]),
        ("", None, [""]),
        (None, None, [""]),
    ],
)
def test_the_answer_checker_parses_strictly_and_points_at_problems(
    content: str | None, value: Any, pointers: list[str]
) -> None:
    """One JSON object (a Markdown fence tolerated), checked against the schema; prose is not JSON."""
    parsed, problems = AnswerChecker(SCHEMA).check(content)
    assert parsed == value
    assert [p.pointer for p in problems] == pointers


def test_the_repair_request_lists_the_problems() -> None:
    _, problems = AnswerChecker(SCHEMA).check('{"vendor": 3}')
    text = repair_request(problems)
    assert "/vendor: 3 is not of type 'string'" in text
    assert "'total' is a required property" in text
    assert text.endswith("and nothing else.")

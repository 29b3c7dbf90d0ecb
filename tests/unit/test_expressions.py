"""CEL values: expressions, templates, nested values, and errors that say where and what."""

from __future__ import annotations

import pytest

from officeflow import ExpressionError
from officeflow.expressions import compile_expr, compile_failure, compile_value, evaluate_condition, step_references

VARS = {"input": {"amount": 120.5, "name": "Ada", "items": [1, 2]}, "steps": {"a": {"output": {"ok": True}}}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("input.amount * 2.0", 241.0),
        ("size(input.items)", 2),
        ("'Dear ' + input.name", "Dear Ada"),
        ("Invoice for ${input.name}: ${input.amount}", "Invoice for Ada: 120.5"),
        ("${input.items}", [1, 2]),
        (
            {"ok": "steps.a.output.ok", "n": 3, "nested": ["input.name", None]},
            {"ok": True, "n": 3, "nested": ["Ada", None]},
        ),
        (True, True),
        (None, None),
        ("timestamp('2026-01-01T00:00:00Z')", "2026-01-01T00:00:00Z"),
    ],
)
def test_values_evaluate(raw: object, expected: object) -> None:
    assert compile_value(raw).evaluate(VARS) == expected


def test_compile_errors_name_the_column() -> None:
    with pytest.raises(ExpressionError, match=r"bad CEL `input.amount >` at column 15"):
        compile_value("input.amount >")
    failure = compile_failure("a + ")
    assert failure is not None
    assert (failure.line, failure.column) == (1, 5)  # just past "a + ", 1-based
    assert compile_failure("a + 1") is None


def test_errors_inside_mappings_name_the_member() -> None:
    with pytest.raises(ExpressionError, match=r"in 'total': bad CEL"):
        compile_value({"total": "1 +"})


def test_runtime_errors_are_expression_errors_with_the_source() -> None:
    with pytest.raises(ExpressionError, match=r"`input.missing`: no key 'missing'"):
        compile_value("input.missing").evaluate(VARS)
    with pytest.raises(ExpressionError, match="division by zero"):
        compile_value("1 / 0").evaluate({})


def test_conditions_must_be_booleans() -> None:
    assert evaluate_condition(compile_expr("input.amount > 100.0"), VARS) is True
    with pytest.raises(ExpressionError, match="a condition must give true or false"):
        evaluate_condition(compile_expr("input.amount"), VARS)


def test_step_references_are_found_in_both_notations() -> None:
    assert step_references("steps.a.output.x + steps['b-c'].output") == {"a", "b-c"}


def test_compiled_expressions_are_cached() -> None:
    assert compile_expr("1 + 2") is compile_expr("1 + 2")


REFERENCE_DATA = {
    "event": {
        "id": "ev-1",
        "n": 7,
        "neg": -(2**63),
        "big": 2**70,
        "x": 1.5,
        "ok": True,
        "none": None,
        "list": [1, "a"],
        "map": {"a": {"b": "deep"}},
        "text": "abc",
    }
}


@pytest.mark.parametrize(
    "source",
    [
        "event.id",
        "event.n",
        "event.neg",
        "event.big",
        "event.x",
        "event.ok",
        "event.none",
        "event.list",
        "event.map",
        "event.map.a.b",
        " event.id ",
        "event",
        "true",
        "null",
    ],
)
def test_plain_references_give_what_cel_gives(source: str) -> None:
    """A plain reference is read without CEL (the hot path of every trigger key); the answer must
    be CEL's own, including its conversions (a 2**70 integer becomes a float in CEL)."""
    expr = compile_expr(source)
    by_cel = _plain_cel(expr)
    assert expr.evaluate(REFERENCE_DATA) == by_cel
    assert type(expr.evaluate(REFERENCE_DATA)) is type(by_cel)


@pytest.mark.parametrize("source", ["event.missing", "event.text.length", "event.map.a.c", "other.id"])
def test_plain_references_fail_as_cel_fails(source: str) -> None:
    expr = compile_expr(source)
    with pytest.raises(ExpressionError) as fast:
        expr.evaluate(REFERENCE_DATA)
    with pytest.raises(ExpressionError) as slow:
        _plain_cel(expr)
    assert fast.value.message == slow.value.message


def _plain_cel(expr: object) -> object:
    """Evaluate through CEL only (the reference shortcut switched off)."""
    from officeflow.expressions import Expr

    assert isinstance(expr, Expr)
    forced = Expr(expr.source)
    forced._path = None
    return forced.evaluate(REFERENCE_DATA)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${input.name} paid ${input.amount} EUR", "Ada paid 120.5 EUR"),
        ("ok: ${steps.a.output.ok}, none: '${null}'", "ok: true, none: ''"),
        ("${size(input.items)} items", "2 items"),
        ("  ${input.amount}  ", 120.5),
        ("${ input.items }", [1, 2]),
    ],
)
def test_templates_mix_text_and_expressions(template: str, expected: object) -> None:
    """Text around ``${...}`` makes a string (true/false, numbers as written, null as nothing);
    a value that is only ``${expr}`` keeps the expression's type."""
    assert compile_value(template).evaluate(VARS) == expected


def test_text_without_a_template_is_cel_so_plain_words_must_be_quoted() -> None:
    with pytest.raises(ExpressionError, match="bad CEL"):
        compile_value("Hello $ {input.name}")
    assert compile_value("'Hello'").evaluate(VARS) == "Hello"


def test_every_expression_inside_a_value_is_listed_with_its_path() -> None:
    value = compile_value({"a": "input.x", "b": ["1", {"c": "Hi ${input.name}, ${input.amount}"}], "d": 4})
    assert [(path, expr.source) for path, expr in value.expressions()] == [
        (("a",), "input.x"),
        (("b", 0), "1"),
        (("b", 1, "c"), "input.name"),
        (("b", 1, "c"), "input.amount"),
    ]


def test_errors_inside_lists_name_the_index_and_odd_types_are_refused() -> None:
    with pytest.raises(ExpressionError, match=r"in \[1\]: bad CEL"):
        compile_value(["1", "2 +"])
    with pytest.raises(ExpressionError, match=r"in 'a': in \[0\]: bad CEL"):
        compile_value({"a": ["("]})
    with pytest.raises(ExpressionError, match="bytes is not a value; expected a CEL string"):
        compile_value(b"input")


def test_variables_an_expression_reads_are_known_after_compiling() -> None:
    assert compile_expr("input.a + steps.b.output.c").variables == frozenset({"input", "steps"})
    assert compile_expr("1 + 2").variables == frozenset()


def test_only_the_variables_read_cross_into_cel() -> None:
    """A variable the expression does not read may hold anything, even what CEL cannot take."""
    assert compile_expr("input.amount > 100.0").evaluate({**VARS, "run": object()}) is True

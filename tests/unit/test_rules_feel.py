"""FEEL as officeflow evaluates it: decimals, null's ternary logic, dates and durations, names with
spaces, built-ins, unary tests, and texts refused with the column of the problem."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from officeflow.rules.convert import from_json, plain
from officeflow.rules.feel_compile import CompileError, Compiler
from officeflow.rules.feel_parser import FeelSyntaxError, parse_expression, parse_unary_tests
from officeflow.rules.values import YearMonths

D = Decimal
SCOPE: dict[str, Any] = {
    "Monthly Salary": D(2500),
    "Applicant": {"Monthly Income": D(3000), "Tags": ["a", "b"]},
    "x": D(2),
    "s": "abc",
    "t": True,
    "f": False,
    "n": None,
    "d": date(2026, 3, 1),
    "items": [D(1), D(2), D(3)],
}


def feel(text: str, scope: dict[str, Any] | None = None) -> Any:
    scope = SCOPE if scope is None else scope
    node = parse_expression(text, scope, ["Monthly Income", "Tags"])
    return Compiler(scope).expression(node)(dict(scope))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers are decimals: no binary rounding, 34 significant digits, division by zero is null
        ("0.1 + 0.2", D("0.3")),
        ("1 / 3", D("0.3333333333333333333333333333333333")),
        ("10 / 4", D("2.5")),
        ("10 / 0", None),
        ("-10 + -5", D(-15)),
        ("(-10) - (-5)", D(-5)),
        ("2 ** 10", D(1024)),
        ("10 ** -2", D("0.01")),
        ("5 + 2 ** 3 * 2", D(21)),
        ("1.2 * 10 ** 3", D(1200)),
        (".5 + 1", D("1.5")),
        # null propagates through arithmetic
        ("10 + null", None),
        ("null * 3", None),
        ("x - n", None),
        # names with spaces, paths through contexts
        ("Monthly Salary * 12", D(30000)),
        ("Applicant.Monthly Income - Monthly Salary", D(500)),
        ("Applicant.Tags", ["a", "b"]),
        ("{a: 1, b: a + 1}.b", D(2)),
        # strings
        ('"Hello " + s', "Hello abc"),
        ('"šomeÚnicode" + "横綱"', "šomeÚnicode横綱"),
        ('"a\\"b"', 'a"b'),
        ('string length("héllo")', D(5)),
        ("upper case(s)", "ABC"),
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", -2, 1)', "a"),
        ('contains(s, "b")', True),
        ('starts with(s, "ab")', True),
        # comparisons: equal kinds only; null = null
        ("x = 2", True),
        ("x != 2", False),
        ('x = "2"', None),
        ("null = null", True),
        ("x = null", False),
        ("x < 3", True),
        ("x < null", None),
        ('"a" < "b"', True),
        ("x between 1 and 2", True),
        ("x in [1..2)", False),
        ("x in (1, 2, 3)", True),
        ("x in [1, 2]", True),
        # ternary logic
        ("t and n", None),
        ("f and n", False),
        ("t or n", True),
        ("f or n", None),
        ("not(t)", False),
        ("not(n)", None),
        # if, for, some, every, filters, lists
        ('if x > 1 then "big" else "small"', "big"),
        ('if n then "yes" else "no"', "no"),
        ("for i in items return i * 2", [D(2), D(4), D(6)]),
        ("for i in 1..3 return i", [D(1), D(2), D(3)]),
        ("some i in items satisfies i > 2", True),
        ("every i in items satisfies i > 2", False),
        ("items[item > 1]", [D(2), D(3)]),
        ("items[1]", D(1)),
        ("items[-1]", D(3)),
        ("sum(items)", D(6)),
        ("sum(1, 2, 3)", D(6)),
        ("count(items)", D(3)),
        ("min(items)", D(1)),
        ("max(3, 9, 4)", D(9)),
        ("mean(items)", D(2)),
        ("list contains(items, 2)", True),
        ("sum([])", None),
        # numbers
        ("decimal(1 / 3, 2)", D("0.33")),
        ("floor(-1.5)", D(-2)),
        ("ceiling(1.2)", D(2)),
        ("abs(-3)", D(3)),
        ("modulo(-12, 5)", D(3)),
        ('number("1,200.5", ",", ".")', D("1200.5")),
        # dates, times and durations
        ('date("2026-03-01")', date(2026, 3, 1)),
        ("date(2026, 2, 28)", date(2026, 2, 28)),
        ('date("2026-02-30")', None),
        ('date("2026-01-31") + duration("P1M")', date(2026, 2, 28)),
        ('d + duration("P10D")', date(2026, 3, 11)),
        ('d - date("2026-01-01")', timedelta(days=59)),
        ('duration("P1DT2H") + duration("PT30M")', timedelta(days=1, hours=2, minutes=30)),
        ('duration("P1Y2M")', YearMonths(14)),
        ('duration("P1Y") + duration("P3M")', YearMonths(15)),
        ('years and months duration(date("2000-05-02"), date("2026-03-01")).years', D(25)),
        ("d.year", D(2026)),
        ('d > date("2026-01-01")', True),
        ('time("10:30:00") + duration("PT1H")', time(11, 30)),
        ('date and time("2026-03-01T10:00:00Z")', datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ('date and time("2026-03-01T10:00:00") < date and time("2026-03-01T11:00:00")', True),
        ('@"2026-03-01"', date(2026, 3, 1)),
        ('@"P2D"', timedelta(days=2)),
        ('duration("PT1H") * 2', timedelta(hours=2)),
        ('date("2026-03-01") = "2026-03-01"', None),
        ("day of week(d)", "Sunday"),
        ("x instance of number", True),
    ],
)
def test_feel_expressions_evaluate_with_feel_semantics(text: str, expected: Any) -> None:
    result = feel(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("cell", "value", "matches"),
    [
        ("-", None, True),
        ("-", D(5), True),
        ("", "anything", True),
        ("< 18", D(17), True),
        ("< 18", D(18), False),
        ("< 18", None, False),
        (">=18", D(18), True),
        ("[1..10)", D(10), False),
        ("[1..10]", D(10), True),
        ("]1..10]", D(1), False),
        ("(1..10)", D("1.5"), True),
        ('"Medium","Low"', "Low", True),
        ('"Medium","Low"', "High", False),
        ('"Medium"', D(1), False),
        ('not("a", "b")', "c", True),
        ('not("a", "b")', "a", False),
        ('not("a")', None, True),
        ("not(< 5)", None, False),
        ("not([1..5])", D(6), True),
        ("null", None, True),
        ("null", D(0), False),
        ("true", True, True),
        ("true", False, False),
        ("true", D(1), False),
        ("< 10, > 20", D(25), True),
        ("< 10, > 20", D(15), False),
        ("= 5", D(5), True),
        ("!= 5", D(4), True),
        ("? > 3 and ? < 6", D(4), True),
        ("? > 3 and ? < 6", D(7), False),
        ("x", D(2), True),
        ("[1, 2, 3]", D(2), True),
        ("> x", D(3), True),
        ('< date("2026-01-01")', date(2025, 12, 31), True),
        ('[date("2026-01-01")..date("2026-12-31")]', date(2027, 1, 1), False),
        ('>= duration("P1D")', timedelta(days=2), True),
    ],
)
def test_unary_tests_match_like_dmn_input_entries(cell: str, value: Any, matches: bool) -> None:
    compiler = Compiler(SCOPE)
    matcher = compiler.matcher(parse_unary_tests(cell, SCOPE))
    result = True if matcher is None else matcher(value, dict(SCOPE))
    assert result is matches


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("1 +", 4, "expected a value"),
        ("[1..", 5, "expected a value"),
        ('"open', 1, "not closed"),
        ("a b c )", 1, "unknown name 'a b c'"),
        ("Monthly Salry * 12", 1, "unknown name 'Monthly Salry'"),
        ("if x then 1", 12, "expected 'else'"),
        ("{a 1}", 3, "expected ':'"),
    ],
)
def test_texts_that_do_not_parse_are_refused_with_their_column(text: str, column: int, reason: str) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        parse_expression(text, {"x", "a"})
    assert caught.value.column == column
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Limit + 1", "unknown name 'Limit'"),
        ("frobnicate(1)", "unknown function 'frobnicate'"),
        ("1 instance of money", "unknown type"),
    ],
)
def test_names_are_resolved_when_compiled_not_when_evaluated(text: str, reason: str) -> None:
    with pytest.raises(CompileError) as caught:
        Compiler(["x"]).expression(parse_expression(text, ["x"]))
    assert reason in caught.value.reason


def test_unknown_names_become_free_inputs_when_the_model_has_no_input_data() -> None:
    free: set[str] = set()
    evaluator = Compiler([], free=free).expression(parse_expression("amount * rate"))
    assert free == {"amount", "rate"}
    assert evaluator({"amount": D(10), "rate": D("0.5")}) == D(5)


def test_json_numbers_become_exact_decimals_and_come_back_as_json() -> None:
    value = from_json({"a": 0.1, "b": 3, "c": [1.5, None], "d": True})
    assert value == {"a": D("0.1"), "b": D(3), "c": [D("1.5"), None], "d": True}
    assert plain(
        {"n": D("3.0"), "m": D("0.5"), "d": date(2026, 1, 2), "p": timedelta(days=1, hours=2), "y": YearMonths(-14)}
    ) == {"n": 3, "m": 0.5, "d": "2026-01-02", "p": "P1DT2H", "y": "-P1Y2M"}

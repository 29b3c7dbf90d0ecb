"""FEEL built-ins that take functions (``sort`` with a comparator, ``list replace`` with a match),
the range functions (``before`` ... ``coincides``) and the context and identity functions
(``context``, ``context merge``, ``is``): their results, their named arguments, and null for
arguments they do not define."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from officeflow.rules import DecisionModelInvalid, load_dmn
from officeflow.rules.feel_compile import Compiler
from officeflow.rules.feel_parser import parse_expression

D = Decimal


def feel(text: str) -> Any:
    node = parse_expression(text, {}, [])
    return Compiler({}).expression(node)({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sort([3, 1, 2], function(x, y) x > y)", [D(3), D(2), D(1)]),
        ("sort(precedes: function(x, y) x < y, list: [3, 1, 2])", [D(1), D(2), D(3)]),
        # a stable sort: items the comparator does not order keep their order
        ('sort([{n: "b", v: 1}, {n: "a", v: 1}, {n: "c", v: 0}], function(x, y) x.v < y.v).n', ["c", "b", "a"]),
        ("sort([3, 1, 2])", [D(1), D(2), D(3)]),
        # a comparator that answers with something other than a boolean gives null
        ("sort([3, 1, 2], function(x, y) x)", None),
        ('sort([3, 1, 2], "not a function")', None),
        ("list replace([1, 2, 3], 2, 9)", [D(1), D(9), D(3)]),
        ("list replace([1, 2, 3], -1, 9)", [D(1), D(2), D(9)]),
        ("list replace([1, 2, 3], function(item, newItem) item > 1, 0)", [D(1), D(0), D(0)]),
        ("list replace([1, 2, 3], 4, 9)", None),
        ("list replace([1, 2, 3], 0, 9)", None),
    ],
)
def test_functions_passed_to_built_ins_order_and_replace_items(text: str, expected: Any) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("before(1, 10)", True),
        ("before(10, 1)", False),
        ("before(1, [2..5])", True),
        ("before(2, (2..5])", True),
        ("before(2, [2..5])", False),
        ("before([1..5), [5..10])", True),
        ("before([1..5], [5..10])", False),
        ("before(point: 1, range: [2..5])", True),
        ("before(range1: [1..2], range2: [3..4])", True),
        ("after(10, [1..5])", True),
        ("after([6..9], 5)", True),
        ("after([1..5], [5..10])", False),
        ("meets([1..5], [5..10])", True),
        ("meets([1..5), [5..10])", False),
        ("met by([5..10], [1..5])", True),
        ("overlaps([1..5], [3..8])", True),
        ("overlaps([1..5], [6..8])", False),
        ("overlaps before([1..5], [3..8])", True),
        ("overlaps after([3..8], [1..5])", True),
        ("finishes(5, [1..5])", True),
        ("finishes(5, [1..5))", False),
        ("finishes([3..5], [1..5])", True),
        ("finished by([1..5], 5)", True),
        ("finished by(range: [1..5], point: 5)", True),
        ("includes([1..10], 5)", True),
        ("includes([1..10], [2..5])", True),
        ("includes([1..10), [2..10])", False),
        ("during(5, [1..10])", True),
        ("during([2..5], [1..10])", True),
        ("starts(1, [1..5])", True),
        ("starts(1, (1..5])", False),
        ("starts([1..3], [1..5])", True),
        ("started by([1..5], 1)", True),
        ("coincides(1, 1)", True),
        ("coincides([1..5], [1..5))", False),
        ('before(date("2026-01-01"), date("2026-02-01"))', True),
        ('includes([date("2026-01-01")..date("2026-12-31")], date("2026-06-30"))', True),
        # null, points of different kinds, and combinations a function does not define
        ("before(null, 1)", None),
        ('before(1, "a")', None),
        ("meets(1, 2)", None),
        ("includes(5, [1..10])", None),
    ],
)
def test_range_functions_follow_the_specification(text: str, expected: Any) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('context([{key: "a", value: 1}, {key: "b", value: 2}])', {"a": D(1), "b": D(2)}),
        ('context([{key: "a", value: 1}, {key: "a", value: 2}])', None),
        ("context([{key: 1, value: 1}])", None),
        ("context merge([{a: 1}, {b: 2}, {a: 3}])", {"a": D(3), "b": D(2)}),
        ("context merge([{a: 1}, 2])", None),
        ("is(1, 1)", True),
        ('is(1, "1")', False),
        ('is(date("2012-12-25"), date and time("2012-12-25T00:00:00"))', False),
        ('is(time("23:00:50Z"), time("23:00:50"))', False),
        ('is(date("2012-12-25"), @"2012-12-25")', True),
    ],
)
def test_context_and_identity_functions(text: str, expected: Any) -> None:
    assert feel(text) == expected


def test_a_decision_table_sorts_its_rows_output_with_a_knowledge_model_comparator() -> None:
    """A decision sorts claims by a comparator given as a business knowledge model, and a
    decision table uses a range function over dates in an input entry."""
    model = load_dmn(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="t" name="claims" id="m">
  <inputData name="Claims" id="i1"/>
  <inputData name="Submitted" id="i2"><variable name="Submitted" typeRef="date"/></inputData>
  <businessKnowledgeModel name="larger first" id="b1">
    <encapsulatedLogic>
      <formalParameter name="a"/><formalParameter name="b"/>
      <literalExpression><text>a.amount &gt; b.amount</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision name="Ranked" id="d1">
    <knowledgeRequirement><requiredKnowledge href="#b1"/></knowledgeRequirement>
    <literalExpression><text>sort(Claims, larger first).id</text></literalExpression>
  </decision>
  <decision name="Quarter" id="d2">
    <decisionTable hitPolicy="FIRST">
      <input><inputExpression typeRef="date"><text>Submitted</text></inputExpression></input>
      <output name="q" typeRef="string"/>
      <rule><inputEntry><text>during(?, [date("2026-01-01")..date("2026-03-31")])</text></inputEntry>
        <outputEntry><text>"Q1"</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"later"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""
    )
    claims = [{"id": "c1", "amount": 20}, {"id": "c2", "amount": 75}, {"id": "c3", "amount": 40}]
    evaluation = model.evaluate({"Claims": claims, "Submitted": date(2026, 3, 31)})
    assert evaluation.outputs == {"Ranked": ["c2", "c3", "c1"], "Quarter": "Q1"}
    assert model.evaluate({"Claims": [], "Submitted": date(2026, 4, 1)}).outputs["Quarter"] == "later"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2, 3] instance of list<number>", True),
        ('[1, "a"] instance of list<number>', False),
        ("[[1], [2]] instance of list<list<number>>", True),
        ('{a: 1, b: "x"} instance of context<a: number>', True),
        ("{a: 1} instance of context<a: string>", False),
        ("{a: 1} instance of context<a: number, b: number>", False),
        ("[1..5] instance of range<number>", True),
        ("[1..5] instance of range<string>", False),
        ("(function(x, y) x) instance of function<Any, Any>->Any", True),
        ("(function(x) x) instance of function<Any, Any>->Any", False),
        ("null instance of Null", True),
        ("null instance of Any", False),
        ('date and time("2018-12-10T10:30:00") instance of date and time', True),
        # multi-word properties of dates and times
        ('date and time("2018-12-10T10:30:00+05:00").time offset', timedelta(hours=5)),
        ('time("10:30:00").time offset', None),
    ],
)
def test_instance_of_generic_types_and_the_time_offset_property(text: str, expected: Any) -> None:
    assert feel(text) == expected


def test_instance_of_an_unknown_type_is_refused_at_load_with_the_element() -> None:
    with pytest.raises(DecisionModelInvalid, match=r"instance of tThing: unknown type") as refused:
        load_dmn(
            """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="t" name="m" id="m">
  <decision name="d" id="d1"><literalExpression><text>1 instance of tThing</text></literalExpression></decision>
</definitions>"""
        )
    assert "d" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1..10].start included", True),
        ("(1..10].start included", False),
        ("[1..10[.end included", False),
        ("5 in [1..10[", True),
        ("10 in [1..10[", False),
        ("(< 10).start", None),
        ("(< 10).end", D(10)),
        ("(< 10).end included", False),
        ("(<= 10).end included", True),
        ("(>= 10).start included", True),
        ("(> 10).end", None),
        ("before(5, (> 10))", True),
        ("[1, 2, 3][item > 1]", [D(2), D(3)]),
    ],
)
def test_range_literals_with_one_open_end_and_their_properties(text: str, expected: Any) -> None:
    """``(< 10)`` is a range unbounded below; ``[1..10[`` is open at its upper end; ``.start``,
    ``.end``, ``.start included`` and ``.end included`` read a range's ends."""
    assert feel(text) == expected


def test_instance_of_an_item_definition_checks_its_shape_not_its_allowed_values() -> None:
    """``instance of`` a model's own type checks kind, structure and collection; allowed values
    are a constraint on inputs, not part of the type, so 256 is an instance of a 0..255 type."""
    model = load_dmn(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="t" name="m" id="m">
  <itemDefinition name="tByte"><typeRef>number</typeRef>
    <allowedValues><text>[0..255]</text></allowedValues></itemDefinition>
  <itemDefinition name="tClaim">
    <itemComponent name="id"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="amount"><typeRef>number</typeRef></itemComponent>
  </itemDefinition>
  <itemDefinition name="tAmounts" isCollection="true"><typeRef>number</typeRef></itemDefinition>
  <decision name="byte" id="d1"><literalExpression><text>256 instance of tByte</text></literalExpression></decision>
  <decision name="claim" id="d2">
    <literalExpression><text>{id: "c1", amount: 5} instance of tClaim</text></literalExpression></decision>
  <decision name="not a claim" id="d3">
    <literalExpression><text>{id: 7} instance of tClaim</text></literalExpression></decision>
  <decision name="amounts" id="d4">
    <literalExpression><text>[[1, 2], []] instance of list&lt;tAmounts&gt;</text></literalExpression></decision>
  <decision name="null" id="d5"><literalExpression><text>null instance of tByte</text></literalExpression></decision>
  <decision name="a day" id="d6">
    <literalExpression><text>duration("P1D") instance of days and time duration</text></literalExpression></decision>
</definitions>"""
    )
    assert model.evaluate({}).outputs == {
        "byte": True,
        "claim": True,
        "not a claim": False,
        "amounts": True,
        "null": False,
        "a day": True,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a backslash that is not a FEEL escape stays in the text, so regular expressions work
        (r'replace("0123456789", "(\d{3})(\d{3})(\d{4})", "($1) $2-$3")', "(012) 345-6789"),
        (r'split("John Doe", "\s")', ["John", "Doe"]),
        (r'matches("a.b", "^a\.b$")', True),
        (r'"say \"hi\""', 'say "hi"'),
        ("mode(6, 3, 9, 6, 6)", [D(6)]),
        ("mode([6, 1, 9, 6, 1])", [D(1), D(6)]),
        ("mode([])", []),
        ('mode([1, "a"])', None),
        ('context put({a: {b: 1}}, ["a", "c"], 2)', {"a": {"b": D(1), "c": D(2)}}),
        ('context put({a: 1}, ["a", "c"], 2)', None),
        ('string(time("23:59:00z") + duration("PT2M"))', "00:01:00Z"),
    ],
)
def test_regular_expression_texts_mode_nested_context_put_and_lowercase_zulu(text: str, expected: Any) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('number("1.000.000,01", ".", ",")', D("1000000.01")),
        ('number("1 000 000.01", " ", ".")', D("1000000.01")),
        ('number(from: "1.000.000,01", decimal separator: ",", grouping separator: ".")', D("1000000.01")),
        ('number("1000000.01", null, ".")', D("1000000.01")),
        ('number("1,000,000.01", ",", ":")', None),
        ('number("1,000,000.00", ",", ",")', None),
        ('number("1,000,000.01", " ", ".")', None),
        ('number("1.000.000,01", ".")', None),
        ('number(from: "1", decimal sep: ",")', None),
    ],
)
def test_number_reads_grouped_text_with_named_arguments_of_several_words(text: str, expected: Any) -> None:
    """``number`` takes the separators FEEL allows (grouping: space, comma, dot; decimal: comma,
    dot; different from each other); a parameter name may be several words."""
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + /* a comment */ 2", D(3)),
        ("1 + 2 // to the end of the line", D(3)),
        ('"a // not a comment"', "a // not a comment"),
        ("6 / 3", D(2)),
        # a pattern that is not a regular expression gives null, not a failure
        ('replace("abc", "[", "x")', None),
        ('matches("abc", "(")', None),
        # positions outside a list (or zero) and negative lengths are null
        ("sublist([1, 2, 3], 0)", None),
        ("sublist([1, 2, 3], 4)", None),
        ("sublist([1, 2, 3], 2, -1)", None),
        ("sublist([1, 2, 3], -2, 1)", [D(2)]),
        ("insert before([1, 2], 3, 9)", None),
        ("insert before([1, 2], -1, 9)", [D(1), D(9), D(2)]),
        ("remove([1, 2], 0)", None),
        ("remove([1, 2], -1)", [D(1)]),
        ('substring("foobar", 3, -1)', None),
        ('substring("foobar", 3, 2)', "ob"),
    ],
)
def test_comments_bad_patterns_and_positions_out_of_range(text: str, expected: Any) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2 ** 1000000000", "10 ** 0.5 ** 100000", "for i in 1..1000000000 return i", "some i in 1..1e12 satisfies i < 0"],
)
def test_arithmetic_overflow_and_huge_ranges_are_null_not_a_failure(text: str) -> None:
    """A decimal overflow is null like any other arithmetic FEEL cannot do, and a ``for`` over
    more than a million numbers is null instead of exhausting the process."""
    assert feel(text) is None


def test_a_number_too_long_to_print_as_an_integer_is_given_as_a_float() -> None:
    model = load_dmn(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="t" name="m" id="m">
  <decision name="huge" id="d1"><literalExpression><text>abs(-9.99e6000)</text></literalExpression></decision>
</definitions>"""
    )
    assert model.evaluate({}).outputs == {"huge": float("inf")}


def test_string_join_with_a_delimiter_that_is_not_text_is_null() -> None:
    assert feel('string join(["a", "b"], duration("PT1H"))') is None
    assert feel('string join(["a", "b"], {a: 1})') is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # times with zones compare as instants; a zone id takes its offset on 1 January
        ('time("10:30:00+01:00") = time("10:30:00@Europe/Paris")', True),
        ('time("10:30:00@Europe/Paris") = time("10:30:00@Asia/Dhaka")', False),
        ('time("10:30:00Z") = time("10:30:00+00:00")', True),
        ('time("10:30:00+02:00") < time("10:30:00+01:00")', True),
        # one with a zone and one without are different values; ordering them is unknown
        ('time("10:30:00@Europe/Paris") = time("10:30:00")', False),
        ('time("10:30:00Z") < time("10:30:00")', None),
        ('date and time("2018-12-08T00:00:00") = date and time("2018-12-08T00:00:00@Asia/Dhaka")', False),
        # a date met with a date and time is that day's midnight (in UTC when the other has a zone)
        ('@"2002-04-02" = @"2002-04-02T00:00:00Z"', True),
        ('date("2018-12-25") = date and time("2018-12-25T00:00:00")', True),
        ('date("2018-12-25") < date and time("2018-12-25T10:00:00")', True),
        ('time("10:30:00") = 100', None),
    ],
)
def test_times_with_zones_and_dates_against_date_times_compare_as_moments(text: str, expected: Any) -> None:
    assert feel(text) == expected

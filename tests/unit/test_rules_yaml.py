"""The YAML form: how cells are read, precise errors with lines, bounded parsing, and the round
trip YAML -> DMN XML -> import giving the same results (property-based, on random tables and inputs)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from officeflow.rules import DecisionModelInvalid, load_dmn, load_model, load_yaml, to_dmn
from officeflow.rules.model import CEL, FEEL, DecisionTable
from officeflow.rules.yaml_read import input_cell, output_cell
from tests.hostile import alias_bomb

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@pytest.mark.parametrize(
    ("cell", "text", "language"),
    [
        (None, "-", FEEL),
        ("-", "-", FEEL),
        ("", "-", FEEL),
        ("< 100", "< 100", FEEL),
        ("[1..5]", "[1..5]", FEEL),
        ('"a", "b"', '"a", "b"', FEEL),
        ('not("x")', 'not("x")', FEEL),
        ('>= date("2026-01-01")', '>= date("2026-01-01")', FEEL),
        (["travel", "meals"], '"travel", "meals"', FEEL),
        ([1, 2.5], "1, 2.5", FEEL),
        (42, "42", FEEL),
        (True, "true", FEEL),
        ("amount > 100 && vip", "amount > 100 && vip", CEL),
        ("category in ['a', 'b']", "category in ['a', 'b']", CEL),
        ("travel", "travel", CEL),
    ],
)
def test_an_input_cell_is_a_simple_unary_test_or_else_cel(cell: Any, text: str, language: str) -> None:
    found = input_cell(cell)
    assert (found.text, found.language) == (text, language)


@pytest.mark.parametrize(
    ("cell", "text", "language"),
    [
        ("auto", '"auto"', FEEL),
        (50, "50", FEEL),
        (None, "null", FEEL),
        (False, "false", FEEL),
        ("= amount * 1.1", "amount * 1.1", CEL),
        (["a", 1], '["a", 1]', FEEL),
        ('say "hi"', '"say \\"hi\\""', FEEL),
    ],
)
def test_an_output_cell_is_a_literal_or_an_equals_sign_and_cel(cell: Any, text: str, language: str) -> None:
    found = output_cell(cell)
    assert (found.text, found.language) == (text, language)


def test_the_hand_written_model_loads_and_evaluates_feel_and_cel_cells() -> None:
    model = load_model(DATA / "expense-policy.yaml")
    assert (model.name, model.version, model.format) == ("expense-policy", 3, "yaml")
    assert model.input_names == ["amount", "category", "vip", "submitted"]
    big = model.evaluate({"amount": 6000, "category": "office", "vip": False, "submitted": "2026-03-01"})
    assert big.outputs == {"approval": {"route": "finance", "limit": 0}, "fee": 120}
    assert big.matched()[0].annotation == "large claims of non-VIPs (a CEL cell)"
    travel = model.evaluate({"amount": 100, "category": "travel", "vip": False, "submitted": "2026-03-01"})
    assert travel.outputs["approval"] == {"route": "manager", "limit": 125}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: x\nversion: 1\n", "decisions: no decisions"),
        ("name: x\nversion: 0\ndecisions: [{name: d, expression: '1'}]\n", ":2: version: the version is 0"),
        ("name: x\nversion: 1\ncolour: red\ndecisions: [{name: d, expression: '1'}]\n", "unknown key 'colour'"),
        (
            "name: x\nversion: 1\ndecisions:\n- name: d\n  hit_policy: Z\n  inputs: [a]\n  outputs: [o]\n  rules: []\n",
            ":5: decisions/0/hit_policy: unknown hit policy 'Z'",
        ),
        (
            "name: x\nversion: 1\ndecisions:\n- name: d\n  inputs: [a]\n  outputs: [o]\n  rules:\n"
            "  - {when: ['-', '-'], then: [x]}\n",
            ":8: decisions/0/rules/0: rule 1 has 2 input and 1 output cells (expected 1 and 1)",
        ),
        (
            "name: x\nversion: 1\ndecisions:\n- name: d\n  inputs: [a]\n  outputs: [o]\n  rules:\n"
            "  - {when: ['a > limit'], then: [x]}\n",
            ":8: decision table of 'd', rule 1 (id d_r1), input 1: unknown name 'limit' in CEL",
        ),
        (
            "name: x\nversion: 1\ndecisions:\n- name: d\n  inputs: [a]\n  outputs: [o]\n  rules:\n"
            "  - {when: ['a >'], then: [x]}\n",
            "bad CEL `a >`",
        ),
        ("name: x\nversion: 1\nname: y\ndecisions: []\n", ":3: duplicate key 'name'"),
        ("name: [unclosed\n", "YAML"),
    ],
)
def test_yaml_mistakes_are_refused_with_their_line(text: str, problem: str) -> None:
    with pytest.raises(DecisionModelInvalid) as caught:
        load_yaml(text, "rules.yaml")
    assert problem in str(caught.value), str(caught.value)


def test_an_alias_bomb_is_refused_in_milliseconds() -> None:
    bomb = alias_bomb(9)
    started = time.perf_counter()
    with pytest.raises(DecisionModelInvalid, match="aliases are not allowed"):
        load_yaml(bomb, "bomb.yaml")
    assert time.perf_counter() - started < 0.1


def test_export_writes_dmn_13_with_requirements_and_a_diagram_a_modeler_lays_out() -> None:
    model = load_model(DATA / "expense-policy.yaml")
    root = etree.fromstring(to_dmn(model).encode())
    ns = {"d": DMN13, "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/"}
    assert root.tag == f"{{{DMN13}}}definitions"
    assert [e.get("name") for e in root.findall("d:decision", ns)] == ["approval", "fee"]
    assert [e.get("name") for e in root.findall("d:inputData", ns)] == ["amount", "category", "vip", "submitted"]
    requirements = root.findall("d:decision/d:informationRequirement/d:requiredInput", ns)
    assert {r.get("href") for r in requirements} == {
        "#InputData_amount",
        "#InputData_category",
        "#InputData_submitted",
        "#InputData_vip",
    }
    shapes = root.findall("dmndi:DMNDI/dmndi:DMNDiagram/dmndi:DMNShape", ns)
    assert len(shapes) == 6
    edges = root.findall("dmndi:DMNDI/dmndi:DMNDiagram/dmndi:DMNEdge", ns)
    assert len(edges) == len(requirements)
    rule = root.find("d:decision/d:decisionTable/d:rule", ns)
    assert rule is not None
    assert [etree.QName(c).localname for c in rule] == [
        "description",
        "inputEntry",
        "inputEntry",
        "inputEntry",
        "outputEntry",
        "outputEntry",
        "annotationEntry",
    ]
    cel_cell = root.findall("d:decision/d:decisionTable/d:rule", ns)[3].find("d:inputEntry", ns)
    assert cel_cell is not None
    assert cel_cell.get("expressionLanguage") == "https://github.com/google/cel-spec"


def test_a_dmn_model_exported_again_evaluates_the_same() -> None:
    model = load_model(DATA / "kogito-loan.dmn")
    again = load_dmn(to_dmn(model), "again.dmn")
    inputs = {
        "Applicant": {"Monthly Income": 2000, "Employment": "unemployed", "Birth Date": "2010-01-01"},
        "Loan": {"Amount": 50000, "Rate": 0.04, "Term": 120},
        "Application Date": "2026-03-01",
    }
    assert again.evaluate(inputs).outputs == model.evaluate(inputs).outputs
    assert again.version == model.version


# --- the round trip, on random tables -----------------------------------------------------------

NUMBERS = [-5, 0, 1, 2.5, 10, 18, 50, 99.5, 100, 1000]
WORDS = ["travel", "meals", "office", "hotel"]
CODES = ["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"]


@st.composite
def number_cell(draw: st.DrawFn, name: str) -> Any:
    n, m = sorted(draw(st.lists(st.sampled_from(NUMBERS), min_size=2, max_size=2)))
    return draw(
        st.sampled_from(
            [
                "-",
                f"< {n}",
                f">= {m}",
                f"[{n}..{m}]",
                f"({n}..{m}]",
                n,
                f"not({n})",
                f"{name} > {float(n)}",
                f"{n}, {m}",
                None,
            ]
        )
    )


@st.composite
def string_cell(draw: st.DrawFn, name: str) -> Any:
    chosen = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True))
    return draw(st.sampled_from(["-", chosen, f'"{chosen[0]}"', f'not("{chosen[0]}")', f"{name} == '{chosen[0]}'"]))


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], list[str]]:
    kinds = draw(st.lists(st.sampled_from(["number", "string", "boolean"]), min_size=1, max_size=3))
    names = [f"in{j}" for j in range(len(kinds))]
    code = draw(st.sampled_from(CODES))
    aggregated = code in ("C+", "C<", "C>", "C#")
    n_out = 1 if aggregated else draw(st.integers(1, 2))
    out_kinds = [
        "number" if aggregated or k == 1 else draw(st.sampled_from(["number", "string"])) for k in range(n_out)
    ]
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        when = []
        for name, kind in zip(names, kinds, strict=True):
            if kind == "number":
                when.append(draw(number_cell(name)))
            elif kind == "string":
                when.append(draw(string_cell(name)))
            else:
                when.append(draw(st.sampled_from([True, False, "-"])))
        then = [draw(st.sampled_from([1, 2, 3, 2.5] if k == "number" else ["a", "b", "c"])) for k in out_kinds]
        row: dict[str, Any] = {"when": when, "then": then}
        if draw(st.booleans()):
            row["note"] = draw(st.sampled_from(["why", "because", 'a note with "quotes"']))
        rows.append(row)
    outputs: list[dict[str, Any]] = []
    for k, kind in enumerate(out_kinds):
        output: dict[str, Any] = {"name": f"out{k}", "type": kind}
        if kind == "string":
            output["values"] = ["c", "a", "b"]
        elif code in ("P", "O"):
            output["values"] = [3, 2.5, 2, 1]
        if not aggregated and draw(st.booleans()):
            output["default"] = "a" if kind == "string" else 0
        outputs.append(output)
    spec = {
        "name": "random",
        "version": draw(st.integers(1, 9)),
        "inputs": dict(zip(names, kinds, strict=True)),
        "decisions": [{"name": "table", "hit_policy": code, "inputs": names, "outputs": outputs, "rules": rows}],
    }
    return spec, names, kinds


def shape(table: object) -> object:
    """What a table says, without where it was written (ids, lines)."""
    assert isinstance(table, DecisionTable)
    cells = [[(c.text, c.language) for c in (*r.inputs, *r.outputs)] + [r.index, r.annotation] for r in table.rules]
    clauses = [(c.expression.text, c.type_ref, c.allowed and c.allowed.text) for c in table.inputs]
    outputs = [(o.name, o.type_ref, o.allowed and o.allowed.text, o.default and o.default.text) for o in table.outputs]
    return table.id, table.hit_policy, table.aggregation, cells, clauses, outputs


def values_for(kind: str) -> st.SearchStrategy[Any]:
    if kind == "number":
        return st.sampled_from([*NUMBERS, 17, 75, None])
    if kind == "string":
        return st.sampled_from([*WORDS, None])
    return st.sampled_from([True, False, None])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_yaml_to_dmn_and_back_gives_the_same_results(data: st.DataObject) -> None:
    spec, names, kinds = data.draw(tables())
    text = yaml.safe_dump(spec, sort_keys=False)
    original = load_yaml(text, "random.yaml")
    exported = to_dmn(original)
    imported = load_dmn(exported, "random.dmn")
    assert (imported.name, imported.version) == (original.name, original.version)
    assert shape(imported.decision("table").logic) == shape(original.decision("table").logic)
    for _ in range(8):
        inputs = {name: data.draw(values_for(kind)) for name, kind in zip(names, kinds, strict=True)}
        a, b = original.evaluate(inputs), imported.evaluate(inputs)
        assert a.outputs == b.outputs, inputs
        assert a.matched() == b.matched(), inputs
        assert a.errors == b.errors, inputs

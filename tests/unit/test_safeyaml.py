"""officeflow.safeyaml: documents from users are held to their limits before anything is built."""

from __future__ import annotations

import pytest

from officeflow.safeyaml import (
    DEFINITION,
    DocumentRefused,
    Limits,
    NotJSON,
    NotYAML,
    json_problem,
    load_json,
    load_yaml,
    value_problem,
)
from tests.hostile import alias_bomb, deep_json, deep_yaml


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_is_refused_at_its_first_anchor(levels: int) -> None:
    with pytest.raises(DocumentRefused) as refused:
        load_yaml(alias_bomb(levels), "bomb.yaml")
    (problem,) = refused.value.problems
    assert problem.message == "YAML anchors and aliases are not allowed (anchor &a)"
    assert (problem.file, problem.line, problem.column) == ("bomb.yaml", 1, 4)
    assert problem.expected == "plain YAML: write the value out where it is needed"


def test_with_aliases_allowed_a_bomb_is_refused_by_what_it_expands_to() -> None:
    limits = Limits(aliases=True, max_nodes=100_000)
    with pytest.raises(DocumentRefused) as refused:
        load_yaml(alias_bomb(9), "bomb.yaml", limits)
    (problem,) = refused.value.problems
    assert problem.message == "more than 100,000 values once its aliases are expanded"
    assert problem.line == 6  # the first level whose expansion passes the limit (9**6 strings)


def test_with_aliases_allowed_a_small_repetition_loads() -> None:
    data = load_yaml("base: &b {x: 1}\nother: *b\n", limits=Limits(aliases=True))
    assert data == {"base": {"x": 1}, "other": {"x": 1}}


def test_aliases_count_the_depth_of_what_they_repeat() -> None:
    text = "a: &a " + "[" * 40 + "]" * 40 + "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    with pytest.raises(DocumentRefused) as refused:
        load_yaml(text, limits=Limits(aliases=True))
    assert refused.value.problems[0].message == "nested deeper than 64 levels"
    assert refused.value.problems[0].line == 2


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(DocumentRefused) as refused:
        load_yaml("a: &a [1, *a]\n", limits=Limits(aliases=True))
    assert refused.value.problems[0].message == "alias *a names no complete value"


def test_ten_thousand_nested_brackets_are_refused_with_the_depth_allowed() -> None:
    with pytest.raises(DocumentRefused) as refused:
        load_yaml(deep_yaml(10_000), "deep.yaml")
    (problem,) = refused.value.problems
    assert problem.message == "nested deeper than 64 levels"
    assert problem.expected == "at most 64 levels of nested lists and mappings"
    assert problem.file == "deep.yaml"
    assert problem.line == 3


def test_block_nesting_one_level_too_deep_is_refused_where_it_starts() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(64)) + "  " * 64 + "k64: 1\n"
    assert load_yaml(text.replace("k64: 1", "1"), limits=Limits(max_depth=64)) is not None
    with pytest.raises(DocumentRefused) as refused:
        load_yaml(text, limits=Limits(max_depth=64))
    assert refused.value.problems[0].message == "nested deeper than 64 levels"
    assert refused.value.problems[0].line == 65


def test_exactly_the_depth_allowed_loads() -> None:
    assert load_yaml("[" * 64 + "]" * 64) is not None
    with pytest.raises(DocumentRefused):
        load_yaml("[" * 65 + "]" * 65)


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(DocumentRefused) as refused:
        load_yaml("x: " + "y" * 2_000, "big.yaml", Limits(max_bytes=1_000))
    (problem,) = refused.value.problems
    assert problem.message == "the document is 2,003 bytes"
    assert problem.expected == "at most 1,000 bytes"


def test_too_many_values_are_refused() -> None:
    with pytest.raises(DocumentRefused) as refused:
        load_yaml("[" + ", ".join(["1"] * 200) + "]", limits=Limits(max_nodes=100))
    assert refused.value.problems[0].message == "more than 100 values"


def test_yaml_syntax_errors_and_python_tags_are_refused_with_their_place() -> None:
    with pytest.raises(NotYAML) as syntax:
        load_yaml("a: [1\nb: 2\n", "broken.yaml")
    assert (syntax.value.problems[0].line, syntax.value.problems[0].column) == (2, 2)
    assert syntax.value.problems[0].message.startswith("YAML syntax error")
    with pytest.raises(NotYAML) as tagged:
        load_yaml("a: !!python/object/apply:os.system ['true']\n")
    assert "could not determine a constructor" in tagged.value.problems[0].message


def test_plain_definitions_load_as_before() -> None:
    assert load_yaml("name: x\nversion: 1\nsteps: {s: {kind: end}}\n", limits=DEFINITION) == {
        "name": "x",
        "version": 1,
        "steps": {"s": {"kind": "end"}},
    }
    assert load_yaml("") is None


def test_deep_json_is_refused_with_its_line_and_column() -> None:
    body = '{\n  "input": ' + deep_json(10_000) + "\n}"
    with pytest.raises(DocumentRefused) as refused:
        load_json(body, "the body")
    (problem,) = refused.value.problems
    assert problem.message == "nested deeper than 64 levels"
    assert (problem.file, problem.line, problem.column) == ("the body", 2, 75)


def test_brackets_inside_json_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 1000 + '\\"[[[", "b": [1, {"c": "]]]"}]}'
    assert json_problem(text.encode()) is None
    assert load_json(text)["b"] == [1, {"c": "]]]"}]


def test_json_that_is_not_json_is_refused_as_such() -> None:
    with pytest.raises(NotJSON) as refused:
        load_json("{name", "--input")
    assert refused.value.reason().startswith("--input is not JSON: unexpected character")
    assert refused.value.problems[0].line == 1


def test_python_data_is_held_to_the_same_limits() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(100):
        nxt: list[object] = []
        inner.append(nxt)
        inner = nxt
    problem = value_problem({"steps": deep})
    assert problem is not None
    assert problem.message == "nested deeper than 64 levels"
    assert problem.pointer == "/steps" + "/0" * 63  # the 65th list: the mapping, steps, 63 more
    assert value_problem({"a": [1, 2, {"b": None}]}) is None
    many = value_problem(list(range(200)), Limits(max_nodes=100))
    assert many is not None
    assert many.message == "more than 100 values"


def test_a_console_json_field_nested_too_deep_is_a_field_error() -> None:
    from officeflow.web import forms

    schema = {"type": "object", "properties": {"lines": {"type": "array"}}}
    values, problems = forms.read(schema, {"/lines": deep_json(10_000)}, {})
    assert "lines" not in values
    (problem,) = problems
    assert problem.pointer == "/lines"
    assert problem.message == "nested deeper than 64 levels"

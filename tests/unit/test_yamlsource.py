"""YAML read with positions: where each value and key is, which were quoted, which words YAML read
as something other than text, and duplicate keys reported instead of kept silently."""

from __future__ import annotations

import textwrap

from officeflow.definitions.yamlsource import Positions, parse_yaml

TEXT = textwrap.dedent("""\
    name: x
    steps:
      a: {kind: task, next: 'b'}
      b:
        kind: wait
        signal: off
        items: [1, "two", ~, 2.5]
    """)


def test_every_value_and_key_has_its_line_and_column() -> None:
    data, positions, problems = parse_yaml(TEXT, "wf.yaml")
    assert problems == []
    assert data["steps"]["b"]["signal"] is False
    assert positions.values[("name",)] == (1, 7)
    assert positions.keys[("steps", "a")] == (3, 3)
    assert positions.values[("steps", "a", "next")] == (3, 25)
    assert positions.values[("steps", "b", "items", 1)] == (7, 16)


def test_find_falls_back_to_the_nearest_ancestor_with_a_position() -> None:
    _, positions, _ = parse_yaml(TEXT, "wf.yaml")
    assert positions.find(("steps", "b", "kind", "deeper", 3)) == (5, 11)
    assert positions.find(("steps", "a"), key=True) == (3, 3)
    assert positions.find(("steps", "a")) == (3, 6)
    assert Positions().find(("anything",)) is None


def test_quoted_values_and_words_read_as_other_than_text_are_told_apart() -> None:
    _, positions, _ = parse_yaml(TEXT, "wf.yaml")
    assert positions.quoted == {("steps", "a", "next"), ("steps", "b", "items", 1)}
    assert positions.not_text == {
        ("steps", "b", "signal"): "off",
        ("steps", "b", "items", 0): "1",
        ("steps", "b", "items", 2): "~",
        ("steps", "b", "items", 3): "2.5",
    }


def test_keys_stay_as_yaml_reads_them_unless_asked_to_be_text() -> None:
    text = "outcomes:\n  yes: 1\n  no: 2\n  3: three\n  ~: nothing\n  'on': quoted\n"
    data, positions, _ = parse_yaml(text, None)
    assert set(data["outcomes"]) == {True, False, 3, None, "on"}
    assert positions.keys_not_text == {}

    data, positions, _ = parse_yaml(text, None, keys_as_text=True)
    assert data["outcomes"] == {"yes": 1, "no": 2, "3": "three", "~": "nothing", "on": "quoted"}
    assert positions.keys_not_text == {
        ("outcomes", "yes"): True,
        ("outcomes", "no"): False,
        ("outcomes", "3"): 3,
        ("outcomes", "~"): None,
    }
    assert positions.keys[("outcomes", "no")] == (3, 3)


def test_a_duplicate_key_is_a_problem_at_its_second_place() -> None:
    _, _, problems = parse_yaml("steps:\n  a: {kind: end}\n  a: {kind: task}\nname: x\nname: y\n", "wf.yaml")
    assert [(p.line, p.column, p.step, p.message) for p in problems] == [
        (3, 3, "a", "duplicate step id 'a' in steps (first at line 2)"),
        (5, 1, None, "duplicate key 'name' in the top level (first at line 4)"),
    ]


def test_an_empty_document_is_a_problem() -> None:
    data, _, problems = parse_yaml("# nothing here\n", "wf.yaml")
    assert data is None
    assert [(p.line, p.message) for p in problems] == [(1, "the document is empty")]


def test_an_alias_is_refused_with_its_position() -> None:
    data, _, problems = parse_yaml("a: &x 1\nb: *x\n", "wf.yaml")
    assert data is None
    assert len(problems) == 1
    assert problems[0].line is not None
    assert "alias" in problems[0].message

"""Static validation of definitions: every mistake reported with file, line, step and expectation."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from officeflow import DefinitionInvalid, handler, load_definition
from officeflow.errors import Problem
from officeflow.kinds import BUILTIN_KINDS
from officeflow.steps.registry import Registry


@handler("known")
def known(input: Any, ctx: Any) -> None:
    return None


def problems(text: str, registry: Registry | None = None) -> list[Problem]:
    with pytest.raises(DefinitionInvalid) as info:
        load_definition(
            textwrap.dedent(text).lstrip(), registry or Registry([known], kinds=BUILTIN_KINDS), file="wf.yaml"
        )
    return info.value.problems


def one(text: str, registry: Registry | None = None) -> Problem:
    found = problems(text, registry)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_a_valid_definition_loads_with_its_graph() -> None:
    d = load_definition(
        textwrap.dedent("""
        name: ok
        version: 2
        steps:
          a: {kind: task, handler: known, next: b}
          b: {kind: parallel, branches: [c, e]}
          c: {kind: task, handler: known}
          e: {kind: wait, signal: done}
    """),
        Registry([known], kinds=BUILTIN_KINDS),
    )
    assert (d.name, d.version, d.start) == ("ok", 2, "a")
    assert d.scope_of("c") == (("b", "c"),)
    assert d.scope_of("a") == ()
    assert d.graph.ordered(d.steps) == ["a", "b", "c", "e"]


def test_an_unknown_step_id_names_the_line_and_the_steps_that_exist() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, next: b}
          b2: {kind: task, handler: known}
    """)
    assert [(q.line, q.step) for q in found] == [(4, "a"), (5, "b2")]  # b2 is unreachable, too
    p = found[0]
    assert (p.file, p.line, p.step) == ("wf.yaml", 4, "a")
    assert p.message == "'b' is not a step of this workflow"
    assert p.expected == "one of: a, b2"


def test_unreachable_steps_are_reported_at_their_own_line() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known}
          orphan: {kind: task, handler: known}
    """)
    assert [(p.line, p.step, p.message) for p in found] == [
        (5, "orphan", "step is never reached from the start step 'a'")
    ]


def test_a_cycle_without_exit_is_reported_with_its_members() -> None:
    p = one("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, next: b}
          b: {kind: task, handler: known, next: c}
          c: {kind: timer, duration: 1m, next: a}
    """)
    assert p.message == "loop with no way out: a → b → c → a"
    assert (p.line, p.step) == (4, "a")


def test_a_loop_with_a_switch_exit_is_fine_but_a_switch_only_loop_spins() -> None:
    load_definition(
        textwrap.dedent("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, next: check}
          check: {kind: switch, cases: [{when: "steps.a.output == null", to: a}], default: done}
          done: {kind: end}
    """),
        Registry([known], kinds=BUILTIN_KINDS),
    )
    found = problems("""
        name: x
        version: 1
        steps:
          s1: {kind: switch, cases: [{when: "true", to: s2}], default: out}
          s2: {kind: switch, cases: [{when: "true", to: s1}], default: out}
          out: {kind: end}
    """)
    assert [p.message for p in found] == ["loop made only of switch steps: s1 → s2 → s1"]


def test_bad_cel_is_reported_with_the_column_of_the_mistake() -> None:
    p = one("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, next: r}
          r:
            kind: switch
            cases:
              - when: steps.a.output.total > 100 &&
                to: a
            default: done
          done: {kind: end}
    """)
    assert (p.line, p.step) == (8, "r")
    assert p.column == 44  # just past the expression, where the right operand is missing
    assert p.message.startswith("bad CEL `steps.a.output.total > 100 &&` at column 30: Syntax error")


def test_cel_reading_an_unknown_variable_or_step_is_reported() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, input: {currency: EUR, total: steps.nope.output.total}}
    """)
    messages = sorted(p.message for p in found)
    assert messages == [
        "`EUR` reads unknown variable 'EUR'; to pass the text 'EUR', quote it in CEL: '\"EUR\"'",
        "`steps.nope.output.total` reads steps.nope, which is not a step of this workflow",
    ]
    assert {p.pointer for p in found} == {"/steps/a/input/currency", "/steps/a/input/total"}


def test_duplicate_step_ids_are_reported_even_though_yaml_would_keep_the_last() -> None:
    p = one("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known}
          a: {kind: task, handler: known}
    """)
    assert (p.line, p.step) == (5, "a")
    assert p.message == "duplicate step id 'a' in steps (first at line 4)"


def test_missing_handlers_are_reported_when_the_handlers_are_known() -> None:
    p = one("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: ledger.post}
    """)
    assert (p.line, p.step, p.message) == (4, "a", "handler 'ledger.post' is not registered")
    assert p.expected == "one of: known"
    # Without the application's handlers (e.g. validating in CI without --app), it is not checked.
    load_definition(
        textwrap.dedent("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: ledger.post}
    """),
        Registry(kinds=BUILTIN_KINDS),
    )


def test_unknown_fields_and_kinds_and_missing_fields() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          a: {kind: task, handler: known, nxt: b, next: b}
          b: {kind: taks}
          c: {kind: wait, next: a}
    """)
    by_step = {(p.step, p.message) for p in found}
    assert ("a", "unknown field 'nxt'") in by_step
    assert ("b", "unknown kind 'taks'") in by_step
    assert ("c", "missing required field 'signal'") in by_step
    kinds = next(p for p in found if p.step == "b")
    assert kinds.expected == (
        "one of: document, end, http, human, llm, model, parallel, rules, subflow, switch, task, timer, wait"
    )


def test_branch_rules() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          p: {kind: parallel, branches: [l, r], next: after}
          l: {kind: task, handler: known, next: after}
          r: {kind: end}
          after: {kind: task, handler: known}
    """)
    messages = [p.message for p in found]
    assert "step is reached from the main flow and from branch 'l' of parallel 'p'" in messages
    assert "'end' inside branch 'r' of parallel 'p'" in messages


def test_field_rules_of_the_built_in_kinds() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          w: {kind: wait, signal: s, on_timeout: t, next: t}
          t: {kind: timer, duration: 1m, until: "input.at", next: bad}
          bad: {kind: task, handler: known, retry: {attempts: 0}, timeout: soon}
    """)
    messages = {p.message for p in found}
    assert "on_timeout needs a timeout" in messages
    assert "a timer takes exactly one of duration or until" in messages
    assert "Input should be greater than or equal to 1" in messages
    assert any("'soon' is not a duration such as 30s" in m for m in messages)


def test_top_level_problems() -> None:
    found = problems("""
        name: Bad Name
        version: 0
        input: {type: objekt}
        steps:
          a: {kind: end}
    """)
    pointers = {p.pointer for p in found}
    assert {"/name", "/version", "/input/type"} <= pointers


def test_yaml_syntax_errors_have_a_line() -> None:
    p = one("name: x\nversion: 1\nsteps:\n  a: {kind: end\n")
    assert p.line == 5
    assert p.message.startswith("YAML syntax error")


def test_python_data_loads_like_yaml() -> None:
    d = load_definition(
        {"name": "py", "version": 1, "steps": {"a": {"kind": "task", "handler": "known"}}},
        Registry([known], kinds=BUILTIN_KINDS),
    )
    assert d.steps["a"].kind == "task"
    assert d.digest == load_definition(d.data, Registry([known], kinds=BUILTIN_KINDS)).digest


def test_the_example_sketch_from_the_design_reads_naturally(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text("name: ok\nversion: 1\nsteps:\n  a: {kind: end}\n")
    assert load_definition(path, Registry(kinds=BUILTIN_KINDS)).file == str(path)


HUMAN_WITH_REASONS = """
    name: x
    version: 1
    steps:
      ask:
        kind: human
        assign: {{group: finance}}
        outcomes:
          approve: {{next: done}}
          reject: {{next: done, reasons: [{word}, other]}}
      done: {{kind: end}}
"""


@pytest.mark.parametrize(
    ("word", "read_as"),
    [
        *[(word, "false") for word in ("no", "No", "NO", "off", "False")],
        *[(word, "true") for word in ("yes", "Yes", "on", "true", "ON")],
    ],
)
def test_a_word_yaml_reads_as_a_boolean_where_text_is_expected_is_named_with_the_quoting(
    word: str, read_as: str
) -> None:
    """YAML 1.1 reads unquoted no/yes/on/off/true/false as booleans: `reasons: [no, other]` must
    say so, where it is, and how to write it, not 'Input should be a valid string'."""
    p = one(HUMAN_WITH_REASONS.format(word=word))
    assert p.message == f"YAML read `{word}` as the boolean {read_as}; quote it: '{word}'"
    assert (p.line, p.column, p.step) == (9, 38, "ask")
    assert p.pointer == "/steps/ask/outcomes/reject/reasons/0"
    assert p.expected == "text"


@pytest.mark.parametrize("written", ["'no'", '"no"'])
def test_the_quoted_word_is_text(written: str) -> None:
    d = load_definition(
        textwrap.dedent(HUMAN_WITH_REASONS.format(word=written)).lstrip(), Registry(kinds=BUILTIN_KINDS)
    )
    assert d.steps["ask"].outcomes["reject"].reasons == ("no", "other")  # type: ignore[attr-defined]


def test_y_and_n_stay_text() -> None:
    """PyYAML keeps y and n as text (YAML 1.1 would read them as booleans too)."""
    d = load_definition(textwrap.dedent(HUMAN_WITH_REASONS.format(word="y")).lstrip(), Registry(kinds=BUILTIN_KINDS))
    assert d.steps["ask"].outcomes["reject"].reasons == ("y", "other")  # type: ignore[attr-defined]


def test_keys_yaml_reads_as_booleans_are_named_at_the_key_and_read_as_written() -> None:
    found = problems("""
        name: x
        version: 1
        steps:
          ask:
            kind: human
            assign: {group: finance}
            outcomes:
              yes: {next: done}
              no: {next: done}
          done: {kind: end}
    """)
    assert [(p.line, p.column, p.step, p.message) for p in found] == [
        (8, 7, "ask", "YAML read the key `yes` as the boolean true; quote it: 'yes'"),
        (9, 7, "ask", "YAML read the key `no` as the boolean false; quote it: 'no'"),
    ]
    assert found[0].pointer == "/steps/ask/outcomes/yes"
    assert found[0].expected == "text (a key is text)"


def test_quoted_keys_are_text() -> None:
    d = load_definition(
        textwrap.dedent("""
        name: x
        version: 1
        steps:
          ask:
            kind: human
            assign: {group: finance}
            outcomes: {'yes': {next: done}, "no": {next: done}}
          done: {kind: end}
        """),
        Registry(kinds=BUILTIN_KINDS),
    )
    assert list(d.steps["ask"].outcomes) == ["yes", "no"]  # type: ignore[attr-defined]


def test_numbers_and_null_where_text_is_expected_are_named_too() -> None:
    found = problems("""
        name: x
        version: 1
        title: 1.10
        steps:
          w: {kind: wait, signal: null, next: done}
          done: {kind: end}
    """)
    assert [(p.line, p.message) for p in found] == [
        (3, "YAML read `1.10` as the number 1.1; quote it: '1.10'"),
        (5, "YAML read `null` as null; quote it: 'null'"),
    ]


def test_a_kind_yaml_reads_as_a_boolean_is_named_with_the_kinds() -> None:
    p = one("""
        name: x
        version: 1
        steps:
          a: {kind: on}
    """)
    assert p.message == "YAML read `on` as the boolean true; quote it: 'on'"
    assert str(p.expected).startswith("one of: document, end, http, human")
    assert (p.line, p.column) == (4, 13)


def test_a_number_where_a_number_is_expected_is_no_problem() -> None:
    found = problems("""
        name: x
        version: 1.5
        steps:
          a: {kind: end}
    """)
    assert [p.message for p in found] == ["Input should be a valid integer, got a number with a fractional part"]

"""Static checks: the seeded overlaps, gaps, unreachable rows and type errors are found with their
rows, and tables that are fine raise no alarm."""

from __future__ import annotations

from pathlib import Path

import pytest

from officeflow.rules import check_model, load_model, load_yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"


def findings(name: str) -> list[tuple[str, str, tuple[int, ...], str]]:
    return [(f.decision, f.check, f.rules, f.message) for f in check_model(load_model(DATA / name))]


def test_the_seeded_mistakes_are_found_each_with_its_rows() -> None:
    assert findings("seeded-checks.yaml") == [
        ("overlapping", "type", (5,), "input 'amount': \"x\" is a string, the input is a number"),
        (
            "overlapping",
            "type",
            (5,),
            'input \'category\': "hotel" is not one of its input values ("travel", "meals", "office")',
        ),
        (
            "overlapping",
            "type",
            (3,),
            'the output "revew" of \'verdict\' is not one of its output values ("auto", "review")',
        ),
        ("overlapping", "overlap", (1, 2), 'match the same input (for example amount = 50, category = "meals")'),
        ("overlapping", "overlap", (2, 3), "match the same input (for example amount = 200)"),
        ("gappy", "gap", (), "no rule matches amount = 18, vip = false"),
        ("shadowed", "unreachable", (3,), "every input it matches is matched by an earlier rule, which comes first"),
        (
            "any_disagree",
            "overlap",
            (1, 2),
            'match the same input with different outputs (for example category = "travel")',
        ),
    ]


def test_findings_carry_the_line_of_their_first_row() -> None:
    lines = {(f.decision, f.rules): f.line for f in check_model(load_model(DATA / "seeded-checks.yaml"))}
    assert lines[("overlapping", (1, 2))] == 14
    assert lines[("shadowed", (3,))] == 44


@pytest.mark.parametrize(
    "name", ["fine-tables.yaml", "expense-policy.yaml", "kogito-loan.dmn", "camunda-expense.dmn", "nulls.dmn"]
)
def test_tables_that_are_fine_raise_no_alarm(name: str) -> None:
    assert findings(name) == []


def test_the_hit_policy_fixture_shows_its_deliberate_overlaps_only_where_they_matter() -> None:
    assert findings("hit-policies.dmn") == [
        ("A", "overlap", (1, 5), "match the same input with different outputs (for example Score = 90, Member = true)"),
        ("A", "overlap", (2, 5), "match the same input with different outputs (for example Score = 80, Member = true)"),
        ("F", "unreachable", (5,), "every input it matches is matched by an earlier rule, which comes first"),
    ]


def table(policy: str, rows: str, inputs: str = "[x]", extra: str = "") -> list[tuple[str, tuple[int, ...], str]]:
    text = (
        f"name: t\nversion: 1\ninputs: {{x: number, y: boolean, s: string}}\ndecisions:\n- name: d\n"
        f"  hit_policy: {policy}\n  inputs: {inputs}\n  outputs: [{{name: o{extra}}}]\n  rules:\n{rows}"
    )
    return [(f.check, f.rules, f.message) for f in check_model(load_yaml(text, "t.yaml"))]


@pytest.mark.parametrize(
    ("policy", "rows", "inputs", "extra", "expected"),
    [
        # an exact split at a boundary is neither an overlap nor a gap
        ("U", "  - {when: ['< 10'], then: [a]}\n  - {when: ['>= 10'], then: [b]}\n", "[x]", "", []),
        # a shared endpoint overlaps
        (
            "U",
            "  - {when: ['<= 10'], then: [a]}\n  - {when: ['>= 10'], then: [b]}\n",
            "[x]",
            "",
            [("overlap", (1, 2), "match the same input (for example x = 10)")],
        ),
        # a hole between two ranges is a gap
        (
            "U",
            "  - {when: ['[0..10]'], then: [a]}\n  - {when: ['[20..30]'], then: [b]}\n",
            "[x]",
            "",
            [("gap", (), "no rule matches x in (10..20) (e.g. 15)")],
        ),
        # a default output covers the gaps
        ("U", "  - {when: ['[0..10]'], then: [a]}\n  - {when: ['[20..30]'], then: [b]}\n", "[x]", ", default: z", []),
        # both booleans covered, or not
        ("U", "  - {when: [true], then: [a]}\n  - {when: [false], then: [b]}\n", "[y]", "", []),
        ("U", "  - {when: [true], then: [a]}\n", "[y]", "", [("gap", (), "no rule matches y = false")]),
        # strings: not("a") and "a" partition every string
        ("U", "  - {when: ['\"a\"'], then: [a]}\n  - {when: ['not(\"a\")'], then: [b]}\n", "[s]", "", []),
        # a CEL cell cannot be reasoned about: no overlap is claimed
        ("U", "  - {when: ['x > 5.0'], then: [a]}\n  - {when: ['> 0'], then: [b]}\n", "[x]", "", []),
        # under FIRST, a catch-all after complete coverage still catches null: reachable
        (
            "F",
            "  - {when: ['< 10'], then: [a]}\n  - {when: ['>= 10'], then: [b]}\n  - {when: ['-'], then: [c]}\n",
            "[x]",
            "",
            [],
        ),
        # a repeated row is unreachable
        (
            "F",
            "  - {when: ['< 10'], then: [a]}\n  - {when: ['< 5'], then: [b]}\n",
            "[x]",
            "",
            [("unreachable", (2,), "every input it matches is matched by an earlier rule, which comes first")],
        ),
        # collect tables are meant to overlap and to leave gaps
        ("C+", "  - {when: ['> 1'], then: [1]}\n  - {when: ['> 2'], then: [2]}\n", "[x]", "", []),
        # comparing a boolean with < is a type error
        (
            "U",
            "  - {when: ['< 1'], then: [a]}\n",
            "[y]",
            "",
            [
                ("type", (1,), "input 'y': 1 is a number, the input is a boolean"),
                ("type", (1,), "input 'y': a boolean is compared with < or >"),
            ],
        ),
    ],
)
def test_checks_are_precise_on_small_tables(
    policy: str, rows: str, inputs: str, extra: str, expected: list[tuple[str, tuple[int, ...], str]]
) -> None:
    assert table(policy, rows, inputs, extra) == expected

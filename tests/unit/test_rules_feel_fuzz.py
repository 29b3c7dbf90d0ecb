"""Random FEEL over every kind of value: whatever a text computes, evaluating it gives a value or
null with an error, never an exception (seeded, so a failure repeats)."""

from __future__ import annotations

import html
import json
import random

import pytest

from officeflow.rules import DecisionModelInvalid, load_dmn

ATOMS = (
    "1", "0", "-1", "1.5", "1e3", "null", "true", '"a"', '""', "[1,2]", "[]", "{a:1}",
    'date("2020-02-29")', 'time("10:00:00Z")', 'date and time("2020-01-01T10:00:00@Europe/Paris")',
    'duration("P1Y")', 'duration("PT1H")', "[1..3]", "(< 2)", "x", "y", '[{a:1},{a:"b"}]',
)  # fmt: skip
FUNCTIONS = (
    "count", "sum", "min", "max", "mean", "string", "number", "abs", "floor", "ceiling", "decimal",
    "substring", "string length", "upper case", "split", "sort", "reverse", "flatten", "distinct values",
    "append", "concatenate", "sublist", "remove", "insert before", "index of", "union", "median", "stddev",
    "mode", "product", "all", "any", "before", "after", "includes", "during", "meets", "overlaps",
    "context", "context merge", "context put", "get value", "get entries", "date", "time", "date and time",
    "duration", "years and months duration", "day of week", "week of year", "string join", "matches",
    "replace", "contains", "starts with", "modulo", "sqrt", "log", "exp", "odd", "even", "round up",
    "round half up", "is", "list replace", "list contains", "not",
)  # fmt: skip
OPERATORS = ("+", "-", "*", "/", "**", "=", "!=", "<", ">", "<=", ">=", "and", "or")
MODEL = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="x" name="fuzz" id="m">
<inputData name="x" id="ix"/><inputData name="y" id="iy"/>
<decision name="d" id="d"><literalExpression><text>{text}</text></literalExpression></decision></definitions>"""


def random_feel(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(ATOMS)
    if roll < 0.55:
        return f"({random_feel(rng, depth + 1)} {rng.choice(OPERATORS)} {random_feel(rng, depth + 1)})"
    if roll < 0.8:
        args = ", ".join(random_feel(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        return f"{rng.choice(FUNCTIONS)}({args})"
    if roll < 0.85:
        parts = [random_feel(rng, depth + 1) for _ in range(3)]
        return f"if {parts[0]} then {parts[1]} else {parts[2]}"
    if roll < 0.9:
        return f"for i in {random_feel(rng, depth + 1)} return i"
    if roll < 0.95:
        return f"{random_feel(rng, depth + 1)}[{random_feel(rng, depth + 1)}]"
    return f"{random_feel(rng, depth + 1)}.a"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_feel_evaluates_to_a_value_or_null_and_its_result_is_json(seed: int) -> None:
    rng = random.Random(seed)
    evaluated = 0
    for _ in range(400):
        text = random_feel(rng)
        try:
            model = load_dmn(MODEL.format(text=html.escape(text)))
        except DecisionModelInvalid:
            continue
        inputs = {"x": rng.choice([1, "s", None, [1, 2], {"a": 1}]), "y": 2}
        json.dumps(model.evaluate(inputs).as_dict())
        evaluated += 1
    assert evaluated > 200

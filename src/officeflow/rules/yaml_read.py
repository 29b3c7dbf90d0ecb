"""The YAML form of decision tables, for people who write them by hand.

::

    name: expense-policy            # the model's name
    version: 3                      # an integer, raised with each change
    inputs:                         # optional: the inputs, with their types (and allowed values)
      amount: number
      category: {type: string, values: [travel, meals, office]}
    decisions:
      - name: approval
        hit_policy: FIRST           # U A P F R O C C+ C< C> C#, or the DMN names
        inputs: [amount, category]  # a column: an input's name, or {name, expression (CEL), type, values}
        outputs:
          - {name: verdict, type: string, values: [auto, review], default: review}
        rules:
          - when: ["< 50", [meals, office]]
            then: [auto]
            note: small claims          # the row's annotation
      - name: fee                   # a literal expression (CEL) instead of a table
        expression: amount * 0.02

An input cell is, by the first rule that applies: empty, ``~`` or ``-``: any value; a YAML list:
one of these literal values; a number or boolean: that value; a string that is a simple unary
test (``< 100``, ``[1..5]``, ``"a", "b"``, ``not("x")``, ``null``, ``>= date("2026-01-01")``):
that test; any other string: a CEL boolean expression over the inputs (``amount > 100 &&
category == "travel"``). Strings in unary tests are in double quotes, as in DMN. An output cell
is a literal value (a bare string is a string), or ``= <CEL>`` for a computed value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from officeflow.errors import Problem
from officeflow.rules import feel_ast as ast
from officeflow.rules.convert import feel_text, from_json
from officeflow.rules.errors import DecisionModelInvalid, problem
from officeflow.rules.feel_parser import FeelSyntaxError, parse_unary_tests
from officeflow.rules.model import (
    CEL,
    FEEL,
    HIT_POLICY_CODES,
    Aggregation,
    Decision,
    DecisionTable,
    HitPolicy,
    InputClause,
    InputData,
    LiteralBox,
    OutputClause,
    Rule,
    Text,
)
from officeflow.rules.safe import Positions, load_yaml
from officeflow.rules.types import BASE_TYPES

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_TEMPORAL_FUNCTIONS = {"date", "time", "date and time", "duration"}
_TOP_KEYS = {"name", "version", "title", "description", "inputs", "decisions"}
_DECISION_KEYS = {
    "name",
    "hit_policy",
    "aggregation",
    "inputs",
    "outputs",
    "rules",
    "requires",
    "expression",
    "type",
    "description",
}
_COLUMN_KEYS = {"name", "expression", "type", "values", "label"}
_OUTPUT_KEYS = {"name", "type", "values", "default", "label"}
_RULE_KEYS = {"when", "then", "note", "id"}


@dataclass(frozen=True)
class YamlDocument:
    name: str
    version: int
    digest: str
    decisions: tuple[Decision, ...]
    inputs: tuple[InputData, ...]


def is_simple_test(node: ast.Node) -> bool:
    """Whether parsed unary tests use only literals (and date/time/duration of a literal)."""
    if isinstance(node, ast.Call):
        fn = node.function
        return (
            isinstance(fn, ast.Name)
            and fn.name in _TEMPORAL_FUNCTIONS
            and node.named is None
            and all(isinstance(a, ast.Literal) and type(a.value) is str for a in node.args)
        )
    if not isinstance(
        node, ast.UnaryTests | ast.CompareTest | ast.RangeTest | ast.ExprTest | ast.RangeNode | ast.Literal | ast.Negate
    ):
        return False
    return all(is_simple_test(child) for child in node.children())


def input_cell(value: Any) -> Text:
    """The Text of one YAML input cell (see the module docstring)."""
    if value is None:
        return Text(text="-")
    if isinstance(value, list):
        return Text(text=", ".join(feel_text(from_json(v)) for v in value))
    if isinstance(value, bool | int | float):
        return Text(text=feel_text(from_json(value)))
    text = str(value).strip()
    if text in ("", "-"):
        return Text(text="-")
    try:
        if is_simple_test(parse_unary_tests(text)):
            return Text(text=text)
    except FeelSyntaxError:
        pass
    return Text(text=text, language=CEL)


def output_cell(value: Any) -> Text:
    """The Text of one YAML output cell: a literal, or ``= <CEL>``."""
    if isinstance(value, str) and value.lstrip().startswith("="):
        return Text(text=value.lstrip()[1:].strip(), language=CEL)
    try:
        return Text(text=feel_text(from_json(value)))
    except TypeError:
        return Text(text=feel_text(str(value)))


def _values(value: Any) -> Text | None:
    if value is None:
        return None
    if isinstance(value, list):
        return Text(text=", ".join(feel_text(from_json(v)) for v in value))
    return Text(text=str(value))


class _Reader:
    def __init__(self, file: str | None, positions: Positions) -> None:
        self.file = file
        self.positions = positions
        self.problems: list[Problem] = []
        self.declared_values: dict[str, Any] = {}
        self.decision_name = ""

    def line(self, path: tuple[str | int, ...]) -> int | None:
        probe = path
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get(())

    def fail(self, path: tuple[str | int, ...], message: str, expected: str | None = None) -> None:
        where = "/".join(str(p) for p in path) or None
        self.problems.append(problem(message, file=self.file, line=self.line(path), where=where, expected=expected))

    def keys(self, data: Mapping[str, Any], allowed: set[str], path: tuple[str | int, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.fail((*path, key), f"unknown key '{key}'", expected=", ".join(sorted(allowed)))

    def type_name(self, value: Any, path: tuple[str | int, ...]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in BASE_TYPES:
            self.fail(
                path,
                f"unknown type {value!r}",
                expected="number, string, boolean, date, time, dateTime, dayTimeDuration, yearMonthDuration or Any",
            )
            return None
        return value

    # --- the document --------------------------------------------------------------------------

    def read(self, data: Any) -> tuple[str, int, list[Decision], list[InputData]]:
        if not isinstance(data, dict):
            self.fail((), "the document is not a mapping", expected="name, version, decisions")
            return "", 0, [], []
        self.keys(data, _TOP_KEYS, ())
        name = data.get("name")
        if not isinstance(name, str) or not MODEL_NAME.fullmatch(name):
            self.fail(("name",), f"the model name is {name!r}", expected="letters, digits, '_', '.', '-'")
            name = ""
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.fail(("version",), f"the version is {version!r}", expected="an integer of 1 or more")
            version = 0
        declared = self.inputs(data.get("inputs"))
        raw_decisions = data.get("decisions")
        if not isinstance(raw_decisions, list) or not raw_decisions:
            self.fail(("decisions",), "no decisions", expected="a list of decisions")
            raw_decisions = []
        decisions = [self.decision(d, ("decisions", i), declared) for i, d in enumerate(raw_decisions)]
        found = [d for d in decisions if d is not None]
        names = {d.name for d in found}
        inputs = list(declared.values())
        if not inputs:
            inputs = self.inferred_inputs(found, names)
        return name, version, found, inputs

    def inputs(self, raw: Any) -> dict[str, InputData]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.fail(("inputs",), "the inputs are not a mapping", expected="name: type, or name: {type, values}")
            return {}
        found: dict[str, InputData] = {}
        for key, spec in raw.items():
            path = ("inputs", key)
            if not NAME.fullmatch(str(key)):
                self.fail(path, f"the input name '{key}' is not a plain name", expected="letters, digits and '_'")
                continue
            type_ref = spec if not isinstance(spec, dict) else spec.get("type")
            if isinstance(spec, dict):
                self.keys(spec, {"type", "values"}, path)
                if "values" in spec:
                    self.declared_values[key] = spec["values"]
            found[key] = InputData(name=key, type_ref=self.type_name(type_ref, path), line=self.line(path))
        return found

    @staticmethod
    def inferred_inputs(decisions: list[Decision], names: set[str]) -> list[InputData]:
        seen: dict[str, InputData] = {}
        for d in decisions:
            if isinstance(d.logic, DecisionTable):
                for clause in d.logic.inputs:
                    text = clause.expression
                    if text.language == FEEL and text.text not in names and text.text not in seen:
                        seen[text.text] = InputData(name=text.text, type_ref=clause.type_ref)
        return list(seen.values())

    def decision(self, raw: Any, path: tuple[str | int, ...], declared: dict[str, InputData]) -> Decision | None:
        if not isinstance(raw, dict):
            self.fail(path, "a decision is not a mapping", expected="name, inputs, outputs, rules")
            return None
        self.keys(raw, _DECISION_KEYS, path)
        name = raw.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            self.fail((*path, "name"), f"the decision name is {name!r}", expected="letters, digits and '_'")
            return None
        requires = raw.get("requires") or []
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            self.fail((*path, "requires"), "requires is not a list of decision names")
            requires = []
        type_ref = self.type_name(raw.get("type"), (*path, "type"))
        if "expression" in raw and "rules" not in raw:
            text = raw["expression"]
            if not isinstance(text, str):
                self.fail((*path, "expression"), "the expression is not a string", expected="a CEL expression")
                return None
            literal = LiteralBox(text=Text(text=text, language=CEL, line=self.line((*path, "expression"))))
            return Decision(name=name, logic=literal, type_ref=type_ref, requires=tuple(requires), line=self.line(path))
        self.decision_name = name
        table = self.table(raw, path, declared)
        if table is None:
            return None
        return Decision(name=name, logic=table, type_ref=type_ref, requires=tuple(requires), line=self.line(path))

    def policy(self, raw: dict[str, Any], path: tuple[str | int, ...]) -> tuple[HitPolicy, Aggregation | None] | None:
        text = str(raw.get("hit_policy", "UNIQUE")).strip()
        upper = text.upper().replace("_", " ")
        if upper in HIT_POLICY_CODES:
            policy, aggregation = HIT_POLICY_CODES[upper]
        else:
            try:
                policy, aggregation = HitPolicy(upper), None
            except ValueError:
                self.fail(
                    (*path, "hit_policy"),
                    f"unknown hit policy '{text}'",
                    expected="U, A, P, F, R, O, C, C+, C<, C>, C# or UNIQUE, ANY, PRIORITY, FIRST, "
                    "RULE ORDER, OUTPUT ORDER, COLLECT",
                )
                return None
        if "aggregation" in raw:
            try:
                aggregation = Aggregation(str(raw["aggregation"]).upper())
            except ValueError:
                self.fail(
                    (*path, "aggregation"),
                    f"unknown aggregation {raw['aggregation']!r}",
                    expected="SUM, MIN, MAX, COUNT",
                )
                return None
        return policy, aggregation

    def table(
        self, raw: dict[str, Any], path: tuple[str | int, ...], declared: dict[str, InputData]
    ) -> DecisionTable | None:
        found = self.policy(raw, path)
        if found is None:
            return None
        policy, aggregation = found
        columns = [self.column(c, (*path, "inputs", j), declared) for j, c in enumerate(raw.get("inputs") or [])]
        outputs = [self.output(o, (*path, "outputs", k)) for k, o in enumerate(raw.get("outputs") or [])]
        if not outputs:
            self.fail((*path, "outputs"), "a table needs at least one output", expected="a list of outputs")
        rules: list[Rule] = []
        raw_rules = raw.get("rules")
        if not isinstance(raw_rules, list):
            self.fail((*path, "rules"), "the rules are not a list", expected="a list of {when, then}")
            raw_rules = []
        for r, rule in enumerate(raw_rules):
            built = self.rule(rule, (*path, "rules", r), r + 1, len(columns), len(outputs))
            if built is not None:
                rules.append(built)
        if any(c is None for c in columns) or any(o is None for o in outputs):
            return None
        return DecisionTable(
            id=raw["name"],
            hit_policy=policy,
            aggregation=aggregation,
            inputs=tuple(c for c in columns if c is not None),
            outputs=tuple(o for o in outputs if o is not None),
            rules=tuple(rules),
            output_label=raw["name"],
            line=self.line(path),
        )

    def column(self, raw: Any, path: tuple[str | int, ...], declared: dict[str, InputData]) -> InputClause | None:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            self.fail(
                path, "an input column is not a name or a mapping", expected="a name, or {name, expression, type}"
            )
            return None
        self.keys(raw, _COLUMN_KEYS, path)
        name = raw.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            self.fail((*path, "name"), f"the column name is {name!r}", expected="letters, digits and '_'")
            return None
        expression = raw.get("expression")
        line = self.line(path)
        text = (
            Text(text=str(expression), language=CEL, line=line)
            if expression is not None
            else Text(text=name, line=line)
        )
        type_ref = self.type_name(raw.get("type"), (*path, "type"))
        if type_ref is None and name in declared:
            type_ref = declared[name].type_ref
        return InputClause(
            id=f"{name}_in",
            label=raw.get("label") or name,
            expression=text,
            type_ref=type_ref,
            allowed=_values(raw.get("values", self.declared_values.get(name))),
        )

    def output(self, raw: Any, path: tuple[str | int, ...]) -> OutputClause | None:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            self.fail(path, "an output is not a name or a mapping", expected="a name, or {name, type, values, default}")
            return None
        self.keys(raw, _OUTPUT_KEYS, path)
        name = raw.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            self.fail((*path, "name"), f"the output name is {name!r}", expected="letters, digits and '_'")
            return None
        return OutputClause(
            id=f"{name}_out",
            name=name,
            label=raw.get("label") or name,
            type_ref=self.type_name(raw.get("type"), (*path, "type")),
            allowed=_values(raw.get("values")),
            default=output_cell(raw["default"]) if "default" in raw else None,
        )

    def rule(self, raw: Any, path: tuple[str | int, ...], index: int, n_in: int, n_out: int) -> Rule | None:
        if not isinstance(raw, dict):
            self.fail(path, f"rule {index} is not a mapping", expected="{when: [...], then: [...]}")
            return None
        self.keys(raw, _RULE_KEYS, path)
        when = raw.get("when", [])
        then = raw.get("then")
        if not isinstance(when, list):
            self.fail((*path, "when"), f"rule {index}: 'when' is not a list", expected=f"{n_in} cells")
            return None
        if not isinstance(then, list):
            then = [then]
        if len(when) != n_in or len(then) != n_out:
            self.fail(
                path, f"rule {index} has {len(when)} input and {len(then)} output cells", expected=f"{n_in} and {n_out}"
            )
            return None
        line = self.line(path)
        inputs = tuple(_at(input_cell(c), line) for c in when)
        outputs = tuple(_at(output_cell(c), line) for c in then)
        note = raw.get("note")
        rule_id = raw.get("id", f"{self.decision_name}_r{index}")
        return Rule(
            index=index,
            id=str(rule_id) if rule_id is not None else None,
            annotation=str(note) if note is not None else None,
            inputs=inputs,
            outputs=outputs,
            line=line,
        )


def _at(text: Text, line: int | None) -> Text:
    return Text(text=text.text, language=text.language, id=text.id, line=line)


def read_yaml(text: str, file: str | None = None) -> YamlDocument:
    """The model the YAML form describes; raises DecisionModelInvalid with every problem found."""
    data, positions, problems = load_yaml(text, file)
    where = file or "the YAML decision model"
    if data is None or problems:
        raise DecisionModelInvalid(problems, f"{where}: the decision model is invalid")
    reader = _Reader(file, positions)
    name, version, decisions, inputs = reader.read(data)
    if reader.problems:
        raise DecisionModelInvalid(reader.problems, f"{where}: the decision model is invalid")
    return YamlDocument(
        name=name,
        version=version,
        digest=hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        decisions=tuple(decisions),
        inputs=tuple(inputs),
    )

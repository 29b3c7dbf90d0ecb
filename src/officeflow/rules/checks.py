"""Static checks of decision tables, reported with rule (row) numbers.

- **overlap**: under UNIQUE, two rows that some input matches both; under ANY, the same where
  their outputs differ. Reported with an example input.
- **gap**: under a single-hit policy without default outputs, an input no row matches. Looked
  for over each input's domain: booleans; a list or ranges of allowed values (the input's own
  input values, else its input data's type); for other numbers and dates, the span the table's
  own cells reach (so ``< 18`` with ``> 18`` finds 18, while a table that starts at 0 is not
  blamed for negative values); for other strings, the values the cells name. Null is not a gap.
- **unreachable**: under FIRST, a row every input of which an earlier row matches (null
  included: a last ``-`` row still catches null).
- **type**: a cell's literal of another kind than its input (``"abc"`` for a number, ``< 5`` on
  a boolean); an output literal or default outside the output values; an input literal outside
  the input values.

Cells that read variables, use ``?`` or are CEL have no known region: a question that depends on
one is not answered, so no check reports what it cannot show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.rules import feel_ast as ast
from officeflow.rules.convert import feel_text
from officeflow.rules.decision_model import DecisionModel
from officeflow.rules.feel_compile import Compiler, Matcher
from officeflow.rules.feel_parser import FeelSyntaxError, parse_expression, parse_unary_tests
from officeflow.rules.model import CEL, DecisionTable, HitPolicy, Text
from officeflow.rules.regions import (
    FULL,
    Interval,
    Region,
    cell_region,
    hull,
    kind_of,
    literal_values,
    pieces,
    point,
    representative,
)
from officeflow.rules.types import BASE_TYPES

SEARCH_BUDGET = 200_000
"""Pieces a gap or shadow search may visit per question before it gives up (and reports nothing)."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One result of a static check."""

    check: str
    """``overlap``, ``gap``, ``unreachable`` or ``type``."""
    decision: str
    table: str
    rules: tuple[int, ...]
    message: str
    line: int | None = None

    def __str__(self) -> str:
        rows = ", ".join(map(str, self.rules))
        where = f"rule{'s' if len(self.rules) > 1 else ''} {rows}" if self.rules else "table"
        return f"{self.decision}: {where}: {self.check}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "decision": self.decision,
            "table": self.table,
            "rules": list(self.rules),
            "message": self.message,
            "line": self.line,
        }


@dataclass
class _Column:
    label: str
    kind: str | None
    domain: Region | None
    """Declared domain (booleans, allowed values), or None when open."""
    cells: list[Region | None]


class _TableCheck:
    def __init__(self, model: DecisionModel, owner: str, table: DecisionTable) -> None:
        self.model = model
        self.owner = owner
        self.table = table
        self.table_id = table.id or owner
        self.findings: list[Finding] = []
        self.unary = model.program.build.unary

    def add(self, check: str, rules: tuple[int, ...], message: str) -> None:
        line = None
        if rules:
            rule = self.table.rules[rules[0] - 1]
            line = rule.line
        self.findings.append(
            Finding(check=check, decision=self.owner, table=self.table_id, rules=rules, message=message, line=line)
        )

    # --- columns -------------------------------------------------------------------------------

    def _tests(self, text: Text) -> ast.UnaryTests | None:
        if text.language == CEL:
            return None
        node = self.unary.get(id(text))
        if node is not None:
            return node
        try:
            return parse_unary_tests(text.text)
        except FeelSyntaxError:
            return None

    def _matcher(self, tests: ast.UnaryTests) -> Matcher | None:
        try:
            return Compiler(()).matcher(tests)
        except ValueError:
            return None

    def _region(self, text: Text) -> Region | None:
        tests = self._tests(text)
        if tests is None:
            return None
        if tests.any:
            return FULL
        matcher = self._matcher(tests)
        if matcher is None:
            return None
        return cell_region(tests, matcher)

    def _input_type(self, j: int) -> tuple[str | None, Text | None]:
        clause = self.table.inputs[j]
        base = BASE_TYPES.get(clause.type_ref.split(":")[-1]) if clause.type_ref else None
        allowed = clause.allowed if clause.allowed is not None and clause.allowed.text.strip() else None
        name = clause.expression.text.strip()
        declared = self.model.program.inputs.get(name)
        if declared is not None:
            base = base or declared.base
            if allowed is None and declared.allowed_text:
                allowed = Text(text=declared.allowed_text)
        if base == "Any":
            base = None
        return base, allowed

    def columns(self) -> list[_Column]:
        columns: list[_Column] = []
        for j, clause in enumerate(self.table.inputs):
            base, allowed = self._input_type(j)
            cells = [self._region(rule.inputs[j]) for rule in self.table.rules]
            kind = base if base in ("number", "string", "boolean", "date") else None
            if base is None:
                kinds = {kind_of(v) for rule in self.table.rules for v in self._literals(rule.inputs[j])}
                kind = kinds.pop() if len(kinds) == 1 else None
            domain: Region | None = None
            if kind == "boolean":
                domain = point(False).union(point(True))
            if allowed is not None:
                declared = self._region(allowed)
                if declared is not None and declared.intervals:
                    domain = declared
            label = clause.label or clause.expression.text
            cells = [c if c is None or all(kind_of(v) == kind for v in c.endpoints()) else None for c in cells]
            columns.append(_Column(label, kind, domain, cells))
            self._type_checks(j, label, kind, allowed)
        return columns

    def _literals(self, text: Text) -> list[Any]:
        tests = self._tests(text)
        return literal_values(tests) if tests is not None and not tests.any else []

    def _type_checks(self, j: int, label: str, kind: str | None, allowed: Text | None) -> None:
        allowed_region = self._region(allowed) if allowed is not None else None
        for rule in self.table.rules:
            tests = self._tests(rule.inputs[j])
            if tests is None or tests.any:
                continue
            for value in literal_values(tests):
                value_kind = kind_of(value)
                if kind is not None and value_kind is not None and value_kind != kind:
                    self.add(
                        "type",
                        (rule.index,),
                        f"input '{label}': {feel_text(value)} is a {value_kind}, the input is a {kind}",
                    )
                elif (
                    allowed_region is not None
                    and allowed_region.intervals
                    and value_kind == kind
                    and not allowed_region.covers(Interval(value, True, value, True))
                ):
                    self.add(
                        "type",
                        (rule.index,),
                        f"input '{label}': {feel_text(value)} is not one of its "
                        f"input values ({allowed.text if allowed else ''})",
                    )
            if kind == "boolean" and any(isinstance(t, ast.CompareTest | ast.RangeTest) for t in tests.tests):
                self.add("type", (rule.index,), f"input '{label}': a boolean is compared with < or >")

    def output_checks(self) -> None:
        for k, output in enumerate(self.table.outputs):
            if output.allowed is None or not output.allowed.text.strip():
                continue
            allowed = self._region(output.allowed)
            if allowed is None or not allowed.intervals:
                continue
            name = output.name or output.label or str(k + 1)
            texts = [(rule.index, rule.outputs[k]) for rule in self.table.rules if k < len(rule.outputs)]
            if output.default is not None:
                texts.append((0, output.default))
            for index, text in texts:
                value = _literal(text)
                if value is None or kind_of(value) is None:
                    continue
                if not allowed.covers(Interval(value, True, value, True)):
                    where = (index,) if index else ()
                    what = "the default" if not index else "the output"
                    self.add(
                        "type",
                        where,
                        f"{what} {feel_text(value)} of '{name}' is not one of its output values "
                        f"({output.allowed.text})",
                    )

    # --- row questions -------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        columns = self.columns()
        self.output_checks()
        policy = self.table.hit_policy
        if policy in (HitPolicy.UNIQUE, HitPolicy.ANY):
            self.overlaps(columns)
        if policy.single and not any(o.default is not None for o in self.table.outputs):
            self.gaps(columns)
        if policy is HitPolicy.FIRST:
            self.unreachable(columns)
        return self.findings

    def _analysable(self, columns: list[_Column], row: int) -> bool:
        return all(c.cells[row] is not None and (c.kind is not None or c.cells[row] == FULL) for c in columns)

    def overlaps(self, columns: list[_Column]) -> None:
        rules = self.table.rules
        for a in range(len(rules)):
            if not self._analysable(columns, a):
                continue
            for b in range(a + 1, len(rules)):
                if not self._analysable(columns, b):
                    continue
                if self.table.hit_policy is HitPolicy.ANY and _same_outputs(rules[a].outputs, rules[b].outputs):
                    continue
                example: list[str] = []
                for column in columns:
                    cell_a, cell_b = column.cells[a], column.cells[b]
                    assert cell_a is not None
                    assert cell_b is not None
                    both = cell_a.intersect(cell_b)
                    if column.domain is not None:
                        both = both.intersect(column.domain)
                    found = next((p for p in pieces([both], column.kind or "", both)), None)
                    if found is None:
                        break
                    if both != FULL.intersect(column.domain or FULL) and not (cell_a == FULL and cell_b == FULL):
                        example.append(f"{column.label} {_describe(found, column.kind or '')}")
                else:
                    what = (
                        "match the same input"
                        if self.table.hit_policy is HitPolicy.UNIQUE
                        else ("match the same input with different outputs")
                    )
                    detail = f" (for example {', '.join(example)})" if example else " (they match every input)"
                    self.add("overlap", (rules[a].index, rules[b].index), f"{what}{detail}")

    def _domains(self, columns: list[_Column], *, for_gaps: bool) -> list[Region] | None:
        domains: list[Region] = []
        for column in columns:
            known = [c for c in column.cells if c is not None]
            if for_gaps and len(known) != len(column.cells):
                return None
            if column.domain is not None:
                domains.append(column.domain)
            elif all(c == FULL for c in column.cells):
                domains.append(Region((Interval(None, False, None, False),)))
            elif column.kind is None or len(known) != len(column.cells):
                return None
            elif not for_gaps:
                domains.append(Region(FULL.intervals))
            elif column.kind in ("number", "date"):
                domains.append(hull(c for c in known if c != FULL))
            elif any(not c.bounded for c in known if c != FULL):
                domains.append(Region(FULL.intervals))
            else:
                found = Region(())
                for c in known:
                    if c != FULL:
                        found = found.union(c)
                domains.append(found)
        return domains

    def gaps(self, columns: list[_Column]) -> None:
        domains = self._domains(columns, for_gaps=True)
        if domains is None:
            return
        rows = [[c.cells[r] for c in columns] for r in range(len(self.table.rules))]
        gap, _ = _uncovered(columns, domains, rows)  # type: ignore[arg-type]
        if gap:
            described = ", ".join(
                f"{c.label} {_describe(p, c.kind or '')}"
                for c, p in zip(columns, gap, strict=True)
                if not (p.low is None and p.high is None)
            )
            self.add("gap", (), f"no rule matches {described or 'some inputs'}")

    def unreachable(self, columns: list[_Column]) -> None:
        domains = self._domains(columns, for_gaps=False)
        if domains is None:
            return
        rows = [[c.cells[r] for c in columns] for r in range(len(self.table.rules))]
        for j in range(1, len(rows)):
            target = rows[j]
            if any(t is None for t in target):
                continue
            scope = [d.intersect(t) for d, t in zip(domains, target, strict=True)]  # type: ignore[arg-type]
            with_null = [t.null for t in target]  # type: ignore[union-attr]
            earlier = rows[:j]
            if any(any(cell is None for cell in row) for row in earlier):
                continue
            found, exhausted = _uncovered(columns, scope, earlier, with_null)  # type: ignore[arg-type]
            if found is None and not exhausted:
                self.add(
                    "unreachable",
                    (self.table.rules[j].index,),
                    "every input it matches is matched by an earlier rule, which comes first",
                )


def _uncovered(
    columns: list[_Column], domains: list[Region], rows: list[list[Region]], nulls: list[bool] | None = None
) -> tuple[list[Interval] | None, bool]:
    """A combination of pieces (one per column, in the domains) that no row covers, or None; and
    whether the search gave up (its budget spent) before it could tell."""
    column_pieces: list[list[Interval | None]] = []
    for j, (column, domain) in enumerate(zip(columns, domains, strict=True)):
        found: list[Interval | None] = list(pieces([r[j] for r in rows] + [domain], column.kind or "", domain))
        if nulls is not None and nulls[j]:
            found.append(None)
        column_pieces.append(found)
    budget = [SEARCH_BUDGET]

    def covers(region: Region, piece: Interval | None) -> bool:
        return region.null if piece is None else region.covers(piece)

    def search(j: int, active: list[list[Region]], chosen: list[Interval | None]) -> list[Interval | None] | None:
        if j == len(columns):
            return chosen if not active else None
        for piece in column_pieces[j]:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            rest = [row for row in active if covers(row[j], piece)]
            found = search(j + 1, rest, [*chosen, piece])
            if found is not None:
                return found
        return None

    result = search(0, rows, [])
    if result is None:
        return None, budget[0] < 0
    return [p if p is not None else Interval(None, False, None, False) for p in result], False


def _describe(piece: Interval, kind: str) -> str:
    if piece.is_point:
        return f"= {feel_text(piece.low)}"
    text = piece.describe(kind)
    if kind == "number":
        example = representative(piece, kind)
        return f"in {text} (e.g. {feel_text(example)})" if example is not None else f"in {text}"
    return f"= {text}" if text == "another string" else f"in {text}"


def _literal(text: Text) -> Any:
    if text.language == CEL:
        return None
    try:
        node = parse_expression(text.text)
    except FeelSyntaxError:
        return None
    if isinstance(node, ast.Literal):
        return node.value
    return None


def _same_outputs(a: tuple[Text, ...], b: tuple[Text, ...]) -> bool:
    return [t.text.strip() for t in a] == [t.text.strip() for t in b]


def check_model(model: DecisionModel) -> list[Finding]:
    """Every finding of the static checks, table by table, in table order."""
    findings: list[Finding] = []
    for owner, table in model.tables():
        findings.extend(_TableCheck(model, owner, table).run())
    return findings

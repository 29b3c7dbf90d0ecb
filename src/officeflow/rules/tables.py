"""Decision tables compiled into one evaluator each, with DMN's hit policies.

Evaluation: each input expression is evaluated once; each row's cells are tested in order,
stopping at the first that fails (``-`` cells are not tested at all), and under FIRST the scan
stops at the first row that matches. The matching rows are recorded (for the explanation and hit
counts), then the hit policy makes the result:

- UNIQUE: the one row's outputs; more than one row is an error (null).
- ANY: the rows must agree on their outputs (else an error, null).
- PRIORITY: the row whose outputs come earliest in the output value lists (ties: table order).
- FIRST: the first row in table order.
- RULE ORDER / OUTPUT ORDER: a list of every row's outputs, in table order / by priority.
- COLLECT: a list of every row's outputs; C+ sums, C< takes the least, C> the greatest, C# counts.

One output column gives its value; several give a context (``{name: value}``). No row matching
gives the default outputs where the table has them, else null for single-hit policies, an
empty list for RULE ORDER, OUTPUT ORDER and COLLECT, 0 for C# and null for C+, C<, C>.
An input outside its input values, or an output outside its output values, is an error (null).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from officeflow.rules.build import TRACE, Build
from officeflow.rules.convert import feel_text
from officeflow.rules.feel_compile import Evaluator, Matcher, Scope
from officeflow.rules.model import FEEL, Aggregation, DecisionTable, HitPolicy, Text
from officeflow.rules.regions import FULL, Region, cell_region
from officeflow.rules.table_index import ColumnIndex, build_column_index
from officeflow.rules.trace import MatchedRule, Recorder
from officeflow.rules.values import DECIMAL, compare, equal


class _Row:
    __slots__ = ("checks", "info", "outputs", "regions", "residual")

    def __init__(
        self,
        checks: tuple[tuple[int, Matcher], ...],
        outputs: list[Evaluator],
        info: MatchedRule,
        regions: list[Region | None],
    ) -> None:
        self.checks = checks
        """Every cell's test (``-`` cells have none), by column."""
        self.outputs = outputs
        self.info = info
        self.regions = regions
        """The values each cell matches, where that is known (see regions.py)."""
        self.residual = checks
        """The tests the column index does not answer (set by the evaluator)."""


def _cell_text(text: Text) -> str:
    return text.text.strip() or "-"


def _region(build: Build, cell: Text, test: Matcher | None) -> Region | None:
    if test is None:
        return FULL if cell.language == FEEL else None
    tests = build.unary.get(id(cell))
    return cell_region(tests, test) if tests is not None else None


def compile_table(table: DecisionTable, build: Build, names: Iterable[str], owner: str, used: set[str]) -> Evaluator:
    """The evaluator of ``table``, which belongs to the decision or knowledge model ``owner``."""
    names = set(names)
    table_id = table.id or owner
    shown_id = f" (id {table.id})" if table.id and table.id != owner else ""
    here = f"decision table{shown_id} of '{owner}'"
    n_in, n_out = len(table.inputs), len(table.outputs)
    if n_out == 0:
        build.fail("a decision table needs at least one output", where=here, line=table.line)
    output_names = [o.name or "" for o in table.outputs]
    if n_out > 1 and (not all(output_names) or len(set(output_names)) != n_out):
        build.fail("the outputs of a table with several outputs need distinct names", where=here, line=table.line)

    inputs = [
        build.expression(c.expression, names, f"{here}, input {j + 1} '{c.label or c.expression.text}'", used)
        for j, c in enumerate(table.inputs)
    ]
    input_allowed: list[tuple[int, Matcher, str]] = []
    for j, c in enumerate(table.inputs):
        if c.allowed is not None and c.allowed.text.strip():
            where = f"{here}, input values of input {j + 1}"
            test = build.tests(c.allowed, names, where, used)
            if test is not None:
                input_allowed.append((j, test, c.label or c.expression.text))
    output_allowed: list[Matcher | None] = []
    priorities: list[list[Any] | None] = []
    for k, o in enumerate(table.outputs):
        where = f"{here}, output values of output {k + 1}"
        if o.allowed is not None and o.allowed.text.strip():
            output_allowed.append(build.tests(o.allowed, names, where, used))
            priorities.append(build.literal_values(o.allowed, where))
        else:
            output_allowed.append(None)
            priorities.append(None)
    if table.hit_policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER) and not any(priorities):
        build.fail(
            f"hit policy {table.hit_policy.value} needs output values (a list of literals) to order by",
            where=here,
            line=table.line,
        )
    defaults = [
        build.expression(o.default, names, f"{here}, default of output {k + 1}", used) if o.default else None
        for k, o in enumerate(table.outputs)
    ]

    rows: list[_Row] = []
    for rule in table.rules:
        where = f"{here}, rule {rule.index}" + (f" (id {rule.id})" if rule.id else "")
        if len(rule.inputs) != n_in or len(rule.outputs) != n_out:
            build.fail(
                f"has {len(rule.inputs)} input and {len(rule.outputs)} output entries",
                where=where,
                line=rule.line,
                expected=f"{n_in} and {n_out}",
            )
            continue
        checks: list[tuple[int, Matcher]] = []
        regions: list[Region | None] = []
        for j, cell in enumerate(rule.inputs):
            test = build.tests(cell, names, f"{where}, input {j + 1}", used)
            if test is not None:
                checks.append((j, test))
            regions.append(_region(build, cell, test))
        outputs = [
            build.expression(cell, names, f"{where}, output {k + 1}", used) for k, cell in enumerate(rule.outputs)
        ]
        info = MatchedRule(
            table=table_id,
            decision=owner,
            index=rule.index,
            id=rule.id,
            annotation=rule.annotation,
            inputs=tuple(_cell_text(c) for c in rule.inputs),
            outputs=tuple(_cell_text(c) for c in rule.outputs),
        )
        rows.append(_Row(tuple(checks), outputs, info, regions))

    return TableEvaluator(
        table, table_id, inputs, input_allowed, output_names, output_allowed, priorities, defaults, rows
    )


class TableEvaluator:
    """Callable evaluator of one table (see the module docstring)."""

    def __init__(
        self,
        table: DecisionTable,
        table_id: str,
        inputs: list[Evaluator],
        input_allowed: list[tuple[int, Matcher, str]],
        output_names: list[str],
        output_allowed: list[Matcher | None],
        priorities: list[list[Any] | None],
        defaults: list[Evaluator | None],
        rows: list[_Row],
    ) -> None:
        self.policy = table.hit_policy
        self.aggregation = table.aggregation
        self.table_id = table_id
        self.inputs = inputs
        self.input_allowed = input_allowed
        self.output_names = output_names
        self.output_allowed = output_allowed if any(output_allowed) else None
        self.priorities = priorities
        self.defaults = defaults if any(d is not None for d in defaults) else None
        self.rows = rows
        self.single_output = len(output_names) == 1
        self.first = self.policy is HitPolicy.FIRST
        self.indexes: list[tuple[int, ColumnIndex]] = []
        n_columns = len(inputs)
        for j in range(n_columns):
            index = build_column_index([row.regions[j] for row in rows])
            if index is not None:
                self.indexes.append((j, index))
        indexed = {j for j, _ in self.indexes}
        for row in rows:
            row.residual = tuple((j, t) for j, t in row.checks if j not in indexed or row.regions[j] is None)
        self.all_rows = (1 << len(rows)) - 1

    def __call__(self, scope: Scope) -> Any:
        values = [f(scope) for f in self.inputs]
        recorder: Recorder = scope[TRACE]
        for j, allowed, label in self.input_allowed:
            x = values[j]
            if x is not None and not allowed(x, scope):
                recorder.errors.append(
                    f"table {self.table_id}: input '{label}' = {feel_text(x)} is not an allowed value"
                )
                return None
        hits = self._scan(values, scope) if self.indexes else self._scan_all(values, scope)
        if not hits:
            return self._no_match(scope)
        recorder.matched.extend(row.info for row in hits)
        results = [self._outputs(row, scope, recorder) for row in hits]
        return self._combine(hits, results, recorder)

    def _scan_all(self, values: list[Any], scope: Scope) -> list[_Row]:
        hits: list[_Row] = []
        for row in self.rows:
            for j, test in row.checks:
                if not test(values[j], scope):
                    break
            else:
                hits.append(row)
                if self.first:
                    break
        return hits

    def _scan(self, values: list[Any], scope: Scope) -> list[_Row]:
        mask = self.all_rows
        rows = self.rows
        for j, index in self.indexes:
            found = index.lookup(values[j])
            if found is None:
                found = self._column_mask(j, values[j], scope, mask)
            mask &= found
            if not mask:
                return []
        hits: list[_Row] = []
        while mask:
            low = mask & -mask
            mask ^= low
            row = rows[low.bit_length() - 1]
            for j, test in row.residual:
                if not test(values[j], scope):
                    break
            else:
                hits.append(row)
                if self.first:
                    break
        return hits

    def _column_mask(self, column: int, value: Any, scope: Scope, candidates: int) -> int:
        """Rows among ``candidates`` whose cell in ``column`` matches, by testing the cells."""
        found = 0
        for r, row in enumerate(self.rows):
            bit = 1 << r
            if not candidates & bit:
                continue
            test = next((t for j, t in row.checks if j == column), None)
            if test is None or test(value, scope):
                found |= bit
        return found

    def _outputs(self, row: _Row, scope: Scope, recorder: Recorder) -> Any:
        found = [f(scope) for f in row.outputs]
        if self.output_allowed is not None:
            for k, allowed in enumerate(self.output_allowed):
                value = found[k]
                if allowed is not None and value is not None and not allowed(value, scope):
                    recorder.errors.append(
                        f"table {self.table_id}: rule {row.info.index} gives {feel_text(value)} "
                        f"for output '{self.output_names[k] or k + 1}', not one of its output values"
                    )
                    found[k] = None
        if self.single_output:
            return found[0]
        return dict(zip(self.output_names, found, strict=True))

    def _no_match(self, scope: Scope) -> Any:
        if self.defaults is not None:
            values = [d(scope) if d is not None else None for d in self.defaults]
            return values[0] if self.single_output else dict(zip(self.output_names, values, strict=True))
        if self.policy.single:
            return None
        if self.aggregation is Aggregation.COUNT:
            return Decimal(0)
        if self.aggregation is not None:
            return None
        return []

    def _priority(self, result: Any) -> tuple[int, ...]:
        outputs = [result] if self.single_output else [result.get(n) for n in self.output_names]
        key: list[int] = []
        for value, order in zip(outputs, self.priorities, strict=True):
            if order is None:
                continue
            position = next((i for i, p in enumerate(order) if equal(p, value) is True), len(order))
            key.append(position)
        return tuple(key)

    def _combine(self, hits: list[_Row], results: list[Any], recorder: Recorder) -> Any:
        policy = self.policy
        if policy is HitPolicy.FIRST:
            return results[0]
        if policy is HitPolicy.UNIQUE:
            if len(hits) > 1:
                rows = ", ".join(str(r.info.index) for r in hits)
                recorder.errors.append(f"table {self.table_id}: hit policy UNIQUE, but rules {rows} all match")
                return None
            return results[0]
        if policy is HitPolicy.ANY:
            if any(equal(results[0], other) is not True for other in results[1:]):
                rows = ", ".join(str(r.info.index) for r in hits)
                recorder.errors.append(
                    f"table {self.table_id}: hit policy ANY, but rules {rows} give different outputs"
                )
                return None
            return results[0]
        if policy is HitPolicy.PRIORITY:
            return min(results, key=self._priority)
        if policy is HitPolicy.RULE_ORDER:
            return results
        if policy is HitPolicy.OUTPUT_ORDER:
            return sorted(results, key=self._priority)
        if self.aggregation is None:
            return results
        if self.aggregation is Aggregation.COUNT:
            return Decimal(len(results))
        if self.single_output:
            return _aggregate(self.aggregation, results, recorder, self.table_id)
        return {
            n: _aggregate(self.aggregation, [r[n] for r in results], recorder, self.table_id) for n in self.output_names
        }


def _aggregate(aggregation: Aggregation, values: list[Any], recorder: Recorder, table_id: str) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if aggregation is Aggregation.SUM:
        if not all(type(v) is Decimal for v in present):
            recorder.errors.append(f"table {table_id}: C+ needs numbers")
            return None
        total = Decimal(0)
        for v in present:
            total = DECIMAL.add(total, v)
        return total
    pick: Callable[[int], bool] = (lambda c: c < 0) if aggregation is Aggregation.MIN else (lambda c: c > 0)
    best = present[0]
    for v in present[1:]:
        order = compare(v, best)
        if order is None:
            recorder.errors.append(f"table {table_id}: C< and C> need values of one ordered kind")
            return None
        if pick(order):
            best = v
    return best

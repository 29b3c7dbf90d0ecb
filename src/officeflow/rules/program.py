"""A decision model compiled for evaluation: its decisions in dependency order, ready to run.

Compilation (once, at load): every text is parsed and compiled with the names in its scope
(a decision sees the model's input data, decisions and business knowledge models; a knowledge
model sees its parameters and the other knowledge models); the names each decision reads, with
the requirements it declares, give the dependency graph, which must have no cycle. Every problem
is collected with its place and the model is refused if there is any.

Evaluation: inputs are converted to FEEL values and checked against their types; each
knowledge model becomes a function value; then the decisions asked for, and those they need, are
evaluated in dependency order, each result checked against its type and recorded with the rows
that matched while it was evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from officeflow.rules.build import TRACE, Build
from officeflow.rules.convert import feel_text, from_json
from officeflow.rules.errors import DecisionEvaluationError, DecisionModelInvalid
from officeflow.rules.feel_compile import Evaluator, Scope
from officeflow.rules.model import (
    Box,
    ConditionalBox,
    ContextBox,
    Decision,
    DecisionTable,
    FilterBox,
    FunctionBox,
    InputData,
    InvocationBox,
    ItemDefinition,
    IteratorBox,
    Knowledge,
    ListBox,
    LiteralBox,
    RelationBox,
    Text,
)
from officeflow.rules.tables import compile_table
from officeflow.rules.trace import DecisionResult, Recorder
from officeflow.rules.types import ANY, Type, TypeSystem
from officeflow.rules.values import Function


def _members(
    items: Iterable[ItemDefinition], decisions: Iterable[Decision], knowledge: Iterable[Knowledge]
) -> set[str]:
    """Every name that may follow a ``.``: item components, context entries, output names."""
    found: set[str] = set()

    def item(i: ItemDefinition) -> None:
        for c in i.components:
            found.add(c.name)
            item(c)

    def box(b: Box | None) -> None:
        if isinstance(b, ContextBox):
            for e in b.entries:
                if e.name:
                    found.add(e.name)
                box(e.value)
        elif isinstance(b, DecisionTable):
            found.update(o.name for o in b.outputs if o.name)
        elif isinstance(b, RelationBox):
            found.update(b.columns)
        elif isinstance(b, ListBox):
            for x in b.items:
                box(x)
        elif isinstance(b, FunctionBox):
            box(b.body)
        elif isinstance(b, InvocationBox):
            for _, binding in b.bindings:
                box(binding)
        elif isinstance(b, ConditionalBox):
            for part in (b.condition, b.then, b.otherwise):
                box(part)
        elif isinstance(b, FilterBox):
            box(b.source)
            box(b.match)
        elif isinstance(b, IteratorBox):
            box(b.source)
            box(b.body)

    for i in items:
        item(i)
    for d in decisions:
        box(d.logic)
    for k in knowledge:
        box(k.body)
    return found


class _CompiledDecision:
    __slots__ = ("decision", "evaluate", "needs", "reads", "type")

    def __init__(
        self, decision: Decision, evaluate: Evaluator, type_: Type, needs: list[str], reads: list[str]
    ) -> None:
        self.decision = decision
        self.evaluate = evaluate
        self.type = type_
        self.needs = needs
        """The decisions it depends on (declared or read)."""
        self.reads = reads
        """Every input, decision and knowledge model it declares or reads."""


class Program:
    """The compiled form of a model (see the module docstring)."""

    def __init__(
        self,
        *,
        file: str | None,
        decisions: Sequence[Decision],
        inputs: Sequence[InputData],
        knowledge: Sequence[Knowledge],
        items: Sequence[ItemDefinition],
    ) -> None:
        self.free: set[str] = set()
        build = Build(file, _members(items, decisions, knowledge), free=self.free if not inputs else None)
        self.build = build
        self.types = TypeSystem({i.name: i for i in items}, self._allowed_compiler(build))
        build.named_types = self.types.shape_check
        self._check_names(build, decisions, inputs, knowledge)
        self.inputs: dict[str, Type] = {}
        for data in inputs:
            self.inputs[data.name] = self._type(data.type_ref, f"input data '{data.name}'", data.line)
        self.knowledge: dict[str, tuple[Knowledge, Evaluator]] = {}
        knowledge_names = {k.name for k in knowledge}
        for k in knowledge:
            names = {p for p, _ in k.parameters} | knowledge_names
            used: set[str] = set()
            self.knowledge[k.name] = (k, self.box(k.body, names, k.name, used))
        scope_names = set(self.inputs) | {d.name for d in decisions} | knowledge_names
        self.decisions: dict[str, _CompiledDecision] = {}
        for d in decisions:
            used = set()
            evaluator = self.box(d.logic, scope_names, d.name, used)
            decision_type = self._type(d.type_ref, f"decision '{d.name}'", d.line)
            needs = sorted(({*used, *d.requires} & {x.name for x in decisions}) - {d.name})
            if d.name in used:
                build.fail("reads its own value", where=f"decision '{d.name}'", line=d.line)
            for required in d.requires:
                if required not in scope_names:
                    build.fail(
                        f"requires '{required}', which the model does not define",
                        where=f"decision '{d.name}'",
                        line=d.line,
                    )
            reads = sorted(({*used, *d.requires} & scope_names) - {d.name})
            self.decisions[d.name] = _CompiledDecision(d, evaluator, decision_type, needs, reads)
        self.order = self._order(build)
        self.free_inputs = tuple(sorted(self.free))
        self.free_types = self._free_types(decisions)
        if build.problems:
            raise DecisionModelInvalid(build.problems, f"{file or 'the decision model'}: the decision model is invalid")
        self._plans: dict[tuple[str, ...], list[_CompiledDecision]] = {}

    # --- compilation ---------------------------------------------------------------------------

    @staticmethod
    def _allowed_compiler(build: Build) -> Any:
        def compile_allowed(text: str, owner: str) -> Any:
            used: set[str] = set()
            return build.tests(Text(text=text), (), f"allowed values of type '{owner}'", used)

        return compile_allowed

    def _type(self, type_ref: str | None, where: str, line: int | None) -> Type:
        resolved = self.types.resolve(type_ref)
        if resolved is None:
            self.build.fail(
                f"unknown type '{type_ref}'",
                where=where,
                line=line,
                expected="a FEEL type or an item definition of the model",
            )
            return ANY
        return resolved

    @staticmethod
    def _check_names(
        build: Build, decisions: Sequence[Decision], inputs: Sequence[InputData], knowledge: Sequence[Knowledge]
    ) -> None:
        seen: dict[str, str] = {}
        for kind, items in (("input data", inputs), ("decision", decisions), ("business knowledge model", knowledge)):
            for item in items:
                if item.name in seen:
                    build.fail(
                        f"the name '{item.name}' is also used by a {seen[item.name]}",
                        where=f"{kind} '{item.name}'",
                        line=item.line,
                        expected="unique names",
                    )
                seen[item.name] = kind

    def _free_types(self, decisions: Sequence[Decision]) -> dict[str, Type]:
        """For a model without input data: the type of each variable a table input reads as a
        plain name with a typeRef (so ``"2026-03-01"`` is a date where the column says date)."""
        found: dict[str, Type] = {}
        for d in decisions:
            if not isinstance(d.logic, DecisionTable):
                continue
            for clause in d.logic.inputs:
                name = clause.expression.text.strip()
                if name in self.free and clause.type_ref and name not in found:
                    resolved = self.types.resolve(clause.type_ref)
                    if resolved is not None:
                        found[name] = resolved
        return found

    def box(self, box: Box, names: set[str], owner: str, used: set[str]) -> Evaluator:
        """The evaluator of one boxed expression in a scope of ``names``."""
        build = self.build
        where = f"'{owner}'" + (f" (id {box.id})" if getattr(box, "id", None) and box.id != owner else "")
        if isinstance(box, LiteralBox):
            return build.expression(box.text, names, f"literal expression of {where}", used)
        if isinstance(box, DecisionTable):
            return compile_table(box, build, names, owner, used)
        if isinstance(box, ContextBox):
            return self._context(box, names, owner, used)
        if isinstance(box, InvocationBox):
            if box.function not in names:
                build.fail(
                    f"invokes '{box.function}', which is not a business knowledge model in scope",
                    where=f"invocation in {where}",
                    line=None,
                )
            target = box.function
            bindings = [(p, self.box(b, names, owner, used) if b is not None else None) for p, b in box.bindings]
            used.add(target)

            def invoke(s: Scope) -> Any:
                function = s.get(target)
                if type(function) is not Function:
                    return None
                return function.invoke((), {p: (f(s) if f is not None else None) for p, f in bindings})

            return invoke
        if isinstance(box, ListBox):
            items = [self.box(b, names, owner, used) for b in box.items]
            return lambda s: [f(s) for f in items]
        if isinstance(box, RelationBox):
            rows = []
            for row in box.rows:
                if len(row) != len(box.columns):
                    build.fail(
                        f"a relation row has {len(row)} cells",
                        where=f"relation in {where}",
                        line=None,
                        expected=f"{len(box.columns)}",
                    )
                    continue
                rows.append([(c, self.box(b, names, owner, used)) for c, b in zip(box.columns, row, strict=True)])
            return lambda s: [{c: f(s) for c, f in row} for row in rows]
        if isinstance(box, FunctionBox):
            params = tuple(p for p, _ in box.parameters)
            body = self.box(box.body, names | set(params), owner, used)

            def make(s: Scope) -> Any:
                return Function(owner, params, lambda args: body({**s, **dict(zip(params, args, strict=False))}))

            return make
        if isinstance(box, ConditionalBox):
            condition = self.box(box.condition, names, owner, used)
            then = self.box(box.then, names, owner, used)
            otherwise = self.box(box.otherwise, names, owner, used)
            return lambda s: then(s) if condition(s) is True else otherwise(s)
        if isinstance(box, FilterBox):
            return self._filter(box, names, owner, used)
        if isinstance(box, IteratorBox):
            return self._iterator(box, names, owner, used)
        build.fail(f"{type(box).__name__} is not supported", where=where, line=None)
        return lambda s: None

    def _filter(self, box: FilterBox, names: set[str], owner: str, used: set[str]) -> Evaluator:
        """Items of the list for which the match is true; ``item`` is the item, and a context
        item's entries are names too (as in FEEL's ``list[condition]``)."""
        source = self.box(box.source, names, owner, used)
        self.build.dynamic += 1
        try:
            match = self.box(box.match, names | {"item"}, owner, used)
        finally:
            self.build.dynamic -= 1

        def run(s: Scope) -> Any:
            items = source(s)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            kept = []
            for item in items:
                inner = {**s, **item, "item": item} if type(item) is dict else {**s, "item": item}
                if match(inner) is True:
                    kept.append(item)
            return kept

        return run

    def _iterator(self, box: IteratorBox, names: set[str], owner: str, used: set[str]) -> Evaluator:
        """``for``: the list of the body's values, one per item (``partial`` is the list so far);
        ``every``/``some``: whether the body is true for every/some item (null when undecided)."""
        source = self.box(box.source, names, owner, used)
        body = self.box(box.body, names | {box.variable, "partial"}, owner, used)
        variable, kind = box.variable, box.kind

        def run(s: Scope) -> Any:
            items = source(s)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            if kind == "for":
                out: list[Any] = []
                for item in items:
                    out.append(body({**s, variable: item, "partial": out}))
                return out
            answers = [body({**s, variable: item}) for item in items]
            if kind == "every":
                if any(a is False for a in answers):
                    return False
                return True if all(a is True for a in answers) else None
            if any(a is True for a in answers):
                return True
            return False if all(a is False for a in answers) else None

        return run

    def _context(self, box: ContextBox, names: set[str], owner: str, used: set[str]) -> Evaluator:
        entries: list[tuple[str | None, Evaluator]] = []
        inner = set(names)
        for entry in box.entries:
            entries.append((entry.name, self.box(entry.value, inner, owner, used)))
            if entry.name:
                inner.add(entry.name)

        def run(s: Scope) -> Any:
            scope = dict(s)
            out: dict[str, Any] = {}
            for name, f in entries:
                value = f(scope)
                if name is None:
                    return value
                out[name] = scope[name] = value
            return out

        return run

    def _order(self, build: Build) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}
        for start in self.decisions:
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = []
            while stack:
                name, index = stack.pop()
                if index == 0:
                    if state.get(name) == 2:
                        continue
                    if state.get(name) == 1:
                        cycle = [*path[path.index(name) :], name]
                        build.fail(
                            f"decisions depend on each other in a cycle: {' -> '.join(cycle)}",
                            where=f"decision '{name}'",
                            line=self.decisions[name].decision.line,
                        )
                        return list(self.decisions)
                    state[name] = 1
                    path.append(name)
                needs = self.decisions[name].needs
                if index < len(needs):
                    stack.append((name, index + 1))
                    stack.append((needs[index], 0))
                else:
                    state[name] = 2
                    path.pop()
                    order.append(name)
        return order

    # --- evaluation ----------------------------------------------------------------------------

    def reads(self, decision: str) -> list[str]:
        """The inputs, decisions and knowledge models ``decision`` declares or reads."""
        return list(self.decisions[decision].reads)

    def plan(self, requested: tuple[str, ...]) -> list[_CompiledDecision]:
        plan = self._plans.get(requested)
        if plan is not None:
            return plan
        unknown = [r for r in requested if r not in self.decisions]
        if unknown:
            raise DecisionEvaluationError(
                f"no decision {', '.join(map(repr, unknown))}; the model has {', '.join(map(repr, self.decisions))}"
            )
        needed: set[str] = set()
        todo = list(requested)
        while todo:
            name = todo.pop()
            if name not in needed:
                needed.add(name)
                todo.extend(self.decisions[name].needs)
        plan = [self.decisions[n] for n in self.order if n in needed]
        self._plans[requested] = plan
        return plan

    def evaluate(
        self, inputs: Mapping[str, Any], requested: tuple[str, ...]
    ) -> tuple[dict[str, DecisionResult], list[str]]:
        plan = self.plan(requested)
        recorder = Recorder()
        scope: Scope = {TRACE: recorder}
        input_errors: list[str] = []
        try:
            for name, input_type in self.inputs.items():
                value = input_type.coerce(from_json(inputs.get(name)))
                if not input_type.conforms(value):
                    input_errors.append(f"input '{name}' = {feel_text(value)} is not a {input_type.describe()}")
                    value = None
                scope[name] = value
            for name in self.free_inputs:
                value = from_json(inputs.get(name))
                free_type = self.free_types.get(name)
                if free_type is not None:
                    value = free_type.coerce(value)
                    if not free_type.conforms(value):
                        input_errors.append(f"input '{name}' = {feel_text(value)} is not a {free_type.describe()}")
                        value = None
                scope[name] = value
        except TypeError as exc:
            raise DecisionEvaluationError(f"the input is not JSON data: {exc}") from None
        for name, (k, body) in self.knowledge.items():
            scope[name] = _knowledge_function(k, body, scope)
        results: dict[str, DecisionResult] = {}
        for compiled in plan:
            decision = compiled.decision
            try:
                value = compiled.evaluate(scope)
            except RecursionError:
                recorder.errors.append("recursion too deep")
                value = None
            matched, errors = recorder.take()
            if not compiled.type.conforms(value):
                errors = (*errors, f"the value {feel_text(value)} is not a {compiled.type.describe()}")
                value = None
            scope[decision.name] = value
            results[decision.name] = DecisionResult(
                name=decision.name, id=decision.id, value=value, matched=matched, errors=errors
            )
        return results, input_errors


def _knowledge_function(k: Knowledge, body: Evaluator, scope: Scope) -> Function:
    params = tuple(p for p, _ in k.parameters)

    def call(args: Sequence[Any]) -> Any:
        inner = dict(scope)
        inner.update(zip(params, args, strict=False))
        return body(inner)

    return Function(k.name, params, call)

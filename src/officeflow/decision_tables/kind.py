"""The ``rules`` step kind: evaluate a stored decision table on values from the run.

```yaml
check:
  kind: rules
  table: per-diem           # a stored decision table of the run's tenant
  version: 3                # optional: else the latest version when the step is entered
  decision: Limit           # optional: else every decision of the model
  input:                    # the model's inputs, from the run (CEL)
    amount: steps.claim.output.amount
    category: input.category
  output: limit             # optional: the step's output is {limit: <result>} instead of the result
  route_by: route           # optional: the value `routes` looks up (a path in the result)
  routes: {auto: pay, manager: review}
  next: review              # any other value, and the step without `routes`
```

The result is the decision's value when the step names a ``decision``, else an object of every
decision's value by name (JSON: a DMN context is an object, a list an array). It runs inside the
engine's transaction (a control kind): it reads the stored version (compiled once per version
and kept), evaluates it, adds one to the hit count of every row that matched, writes the
``decision_evaluated`` history event (table, version, digest, input, outputs, the matched rows
with their input entries and outputs, and the tables' column names) and completes.

A table or version that is not stored, a decision the model lacks, an input that is not an
object, and an evaluation error (two rows matching under UNIQUE, a value outside an input's
allowed values) park the step as a dead letter with the reason and fail the run, as any failed
control step does: an operator retries it (after pushing a fixed table) or skips it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field

from officeflow.decision_tables.compiled import CompiledModels, columns, resolve
from officeflow.decision_tables.errors import DecisionTableNotFound
from officeflow.errors import OfficeflowError
from officeflow.expressions import Expr, Value
from officeflow.jsonutil import dumps
from officeflow.rules import Evaluation
from officeflow.steps.base import ControlKind, Edge, KindEnvironment, StepConfig, StepId, ValueField, step_kind
from officeflow.steps.port import StepPort
from officeflow.store.tx_rules import RowHit

TABLE_NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$"
EVENT = "decision_evaluated"
"""The history event a ``rules`` step writes."""


class RulesConfig(StepConfig):
    kind: Literal["rules"]
    table: str = Field(pattern=TABLE_NAME)
    version: int | None = Field(None, ge=1, le=2**31 - 1)
    decision: str | None = Field(None, min_length=1, max_length=500)
    input: ValueField | None = None
    output: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    route_by: str | None = Field(None, min_length=1, max_length=500)
    routes: dict[str, StepId] = Field(default_factory=dict)
    next: StepId | None = None

    def edges(self) -> list[Edge]:
        found = [Edge(target, ("routes", value)) for value, target in self.routes.items()]
        if self.next:
            found.append(Edge(self.next, ("next",)))
        return found

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.input is not None:
            yield ("input",), self.input


def route_key(value: Any) -> str:
    """How a value is looked up in ``routes``: a string as it is, anything else as JSON
    (``true``, ``12``, ``null``)."""
    return value if isinstance(value, str) else dumps(value)


def routed_value(step: RulesConfig, result: Any) -> Any:
    """The value ``routes`` looks up: ``route_by`` followed as a path of names through the result."""
    value = result
    for name in step.route_by.split(".") if step.route_by else ():
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


@step_kind("rules")
class Rules(ControlKind):
    """Evaluates a stored decision table; see the module docstring."""

    config = RulesConfig

    def __init__(self, env: KindEnvironment) -> None:
        super().__init__(env)
        self.models = CompiledModels()

    def bind(self, models: CompiledModels) -> None:
        """Share compiled models with the office's decision tables (one compile per version)."""
        self.models = models

    def check(self, step: RulesConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        if step.input is not None and not isinstance(step.input.raw, Mapping):
            yield ("input",), "the input is not a mapping", "the model's input names, each with a CEL expression"
        if step.route_by and not step.routes:
            yield ("route_by",), "route_by without routes picks nothing", "routes: {<value>: <step>, ...}"

    def enter(self, step: RulesConfig, port: StepPort) -> None:
        where = f"decision table '{step.table}'"
        try:
            inputs = step.input.evaluate(port.variables()) if step.input is not None else {}
        except OfficeflowError as exc:
            port.fail("DecisionInputError", f"{where}: the step's input cannot be evaluated: {exc.message}")
            return
        if not isinstance(inputs, dict):
            port.fail("DecisionInputError", f"{where}: the step's input is a {type(inputs).__name__}, not an object")
            return
        try:
            head, model = resolve(port.tx, self.models, port.tenant, step.table, step.version)
        except DecisionTableNotFound as exc:
            port.fail("DecisionTableNotFound", exc.message)
            return
        where = f"decision table '{head.name}' version {head.version}"
        if step.decision is not None and step.decision not in model.decision_names:
            known = ", ".join(repr(d) for d in model.decision_names)
            port.fail("DecisionNotFound", f"{where} has no decision {step.decision!r}; it has {known}")
            return
        evaluation = model.evaluate(inputs, step.decision)
        if evaluation.errors:
            port.fail("DecisionEvaluationError", f"{where}: " + "; ".join(evaluation.errors))
            return
        result = evaluation.outputs[step.decision] if step.decision is not None else evaluation.outputs
        if step.routes and step.next is None and route_key(routed_value(step, result)) not in step.routes:
            value = route_key(routed_value(step, result))
            port.fail(
                "DecisionRouteMissing",
                f"{where}: the value {value!r} has no step in `routes` ({', '.join(step.routes)}) "
                "and the step has no `next`",
            )
            return
        matched = evaluation.matched()
        port.tx.add_decision_hits(
            port.tenant,
            head.name,
            head.version,
            [RowHit(table_id=m.table, rule=m.index, decision=m.decision) for m in matched],
            port.now,
        )
        port.history(EVENT, explanation(head.name, head.version, step.decision, inputs, evaluation, model))
        port.complete({step.output: result} if step.output else result)

    def successor(self, step: RulesConfig, output: Any) -> str | None:
        if not step.routes:
            return step.next
        result = output.get(step.output) if step.output and isinstance(output, Mapping) else output
        return step.routes.get(route_key(routed_value(step, result)), step.next)


def explanation(
    name: str, version: int, decision: str | None, inputs: Mapping[str, Any], evaluation: Evaluation, model: Any
) -> dict[str, Any]:
    """What the history keeps of one evaluation (and a task's explanation panel shows)."""
    names = columns(model)
    matched = evaluation.matched()
    used = {m.table for m in matched}
    return {
        "table": name,
        "version": version,
        "digest": evaluation.digest,
        "decision": decision,
        "input": dict(inputs),
        "outputs": evaluation.outputs,
        "matched": [m.as_dict() for m in matched],
        "columns": {
            key: {"inputs": list(c.inputs), "outputs": list(c.outputs)} for key, c in names.items() if key in used
        },
    }


__all__ = ["EVENT", "Rules", "RulesConfig", "explanation", "route_key", "routed_value"]

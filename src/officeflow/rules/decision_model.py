"""A loaded decision model: named, versioned, digested, compiled, ready to evaluate.

A model is immutable once loaded. ``evaluate`` is pure (the same input gives the same
:class:`~officeflow.rules.trace.Evaluation`) and safe to call from many threads at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from officeflow.rules.model import Box, ContextBox, Decision, DecisionTable, InputData, ItemDefinition, Knowledge
from officeflow.rules.program import Program
from officeflow.rules.trace import Evaluation


@dataclass(frozen=True, kw_only=True)
class DecisionModel:
    """A set of decisions (a DRD) with its input data, knowledge models and types."""

    name: str
    version: int
    digest: str
    """SHA-256 of the source as read: the same text always has the same digest."""
    format: str
    """``dmn`` or ``yaml``: what it was read from."""
    file: str | None = None
    namespace: str | None = None
    dmn_version: str | None = None
    decisions: tuple[Decision, ...]
    inputs: tuple[InputData, ...] = ()
    knowledge: tuple[Knowledge, ...] = ()
    items: tuple[ItemDefinition, ...] = ()
    program: Program = field(repr=False, compare=False)

    @property
    def decision_names(self) -> list[str]:
        return [d.name for d in self.decisions]

    @property
    def input_names(self) -> list[str]:
        """The names an input may give: the input data, or for a model without input data, the
        variables its expressions read (as Camunda's tables read process variables)."""
        return [i.name for i in self.inputs] or list(self.program.free_inputs)

    def decision(self, name: str) -> Decision:
        for d in self.decisions:
            if d.name == name:
                return d
        raise KeyError(name)

    def tables(self) -> list[tuple[str, DecisionTable]]:
        """Every decision table with the decision or knowledge model it belongs to."""
        found: list[tuple[str, DecisionTable]] = []

        def walk(owner: str, box: Box) -> None:
            if isinstance(box, DecisionTable):
                found.append((owner, box))
            elif isinstance(box, ContextBox):
                for entry in box.entries:
                    walk(owner, entry.value)

        for d in self.decisions:
            walk(d.name, d.logic)
        for k in self.knowledge:
            walk(k.name, k.body)
        return found

    def evaluate(
        self, inputs: Mapping[str, Any] | None = None, decisions: str | Sequence[str] | None = None
    ) -> Evaluation:
        """Evaluate the decisions named (default: every decision) on JSON-like ``inputs``."""
        if decisions is None:
            requested = tuple(self.program.order)
        elif isinstance(decisions, str):
            requested = (decisions,)
        else:
            requested = tuple(decisions)
        results, input_errors = self.program.evaluate(inputs or {}, requested)
        return Evaluation(
            model=self.name,
            version=self.version,
            digest=self.digest,
            decisions=results,
            requested=requested,
            input_errors=tuple(input_errors),
        )

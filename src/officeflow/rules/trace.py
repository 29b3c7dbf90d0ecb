"""What an evaluation returns: each decision's value, the rows that matched, and any errors.

Everything here is plain data: :meth:`Evaluation.as_dict` is JSON (decision values through
:func:`officeflow.rules.convert.plain`), ready for a run's history or a task's explanation.
:class:`HitCounts` adds up how often each row matched over many evaluations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from officeflow.rules.convert import plain


@dataclass(frozen=True, kw_only=True)
class MatchedRule:
    """A row that matched: where it is and what it says (the cells as written)."""

    table: str
    """The id of its decision table (or ``<decision name>`` when the table has no id)."""
    decision: str
    """The decision or business knowledge model the table belongs to."""
    index: int
    """The row number, from 1."""
    id: str | None
    annotation: str | None
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "decision": self.decision,
            "rule": self.index,
            "id": self.id,
            "annotation": self.annotation,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
        }


@dataclass(frozen=True, kw_only=True)
class DecisionResult:
    """One decision's outcome."""

    name: str
    id: str | None
    value: Any
    """The FEEL value (decimals, dates, ...); ``plain_value`` is its JSON form."""
    matched: tuple[MatchedRule, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def plain_value(self) -> Any:
        return plain(self.value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.name,
            "id": self.id,
            "value": self.plain_value,
            "matched": [m.as_dict() for m in self.matched],
            "errors": list(self.errors),
        }


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """The result of evaluating a model on one input."""

    model: str
    version: int
    digest: str
    decisions: dict[str, DecisionResult]
    """Every decision evaluated (those asked for and those they need), in evaluation order."""
    requested: tuple[str, ...]
    input_errors: tuple[str, ...] = ()

    @property
    def outputs(self) -> dict[str, Any]:
        """The JSON value of each decision asked for."""
        return {name: self.decisions[name].plain_value for name in self.requested}

    @property
    def errors(self) -> list[str]:
        found = list(self.input_errors)
        for result in self.decisions.values():
            found += [f"{result.name}: {e}" for e in result.errors]
        return found

    def matched(self) -> list[MatchedRule]:
        return [m for result in self.decisions.values() for m in result.matched]

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "digest": self.digest,
            "outputs": self.outputs,
            "decisions": [r.as_dict() for r in self.decisions.values()],
            "errors": self.errors,
        }


@dataclass
class HitCounts:
    """How many times each row matched, over the evaluations added; keyed by (table, row)."""

    counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    evaluations: int = 0

    def add(self, evaluation: Evaluation | Iterable[MatchedRule]) -> None:
        rows = evaluation.matched() if isinstance(evaluation, Evaluation) else evaluation
        self.evaluations += 1
        for m in rows:
            self.counts[(m.table, m.index)] += 1

    def merge(self, other: HitCounts) -> None:
        self.counts.update(other.counts)
        self.evaluations += other.evaluations

    def for_table(self, table: str) -> dict[int, int]:
        return {index: n for (t, index), n in sorted(self.counts.items()) if t == table}

    def as_dict(self) -> dict[str, Any]:
        tables: dict[str, dict[str, int]] = {}
        for (table, index), n in sorted(self.counts.items()):
            tables.setdefault(table, {})[str(index)] = n
        return {"evaluations": self.evaluations, "tables": tables}


class Recorder:
    """Collects matched rows and errors while one decision is evaluated (internal to evaluation)."""

    __slots__ = ("errors", "matched")

    def __init__(self) -> None:
        self.matched: list[MatchedRule] = []
        self.errors: list[str] = []

    def take(self) -> tuple[tuple[MatchedRule, ...], tuple[str, ...]]:
        found = (tuple(self.matched), tuple(self.errors))
        self.matched.clear()
        self.errors.clear()
        return found

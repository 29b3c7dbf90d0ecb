"""A ``model`` step's declarative fallback: when the model is not to be trusted, a decision table,
then a person.

The reasons, in the order they are checked: the model has no version to call or failed
(``error``), did not answer in time (``timeout``), the input lies outside the ranges the version
saw in training (``outside_training_range``: checked before the model is called), or the
prediction's confidence is below ``min_confidence`` or, with ``single_label``, its conformal
prediction set does not hold exactly one label (``low_confidence``; a prediction without a
confidence is low). A reason listed in ``on`` sends the item to ``table`` (a ``.dmn`` or
``.yaml`` file, or the name of a stored decision table, latest version); the table decides when
its decision has a value (a rule matched, no error); otherwise the run goes on to ``then`` (a
step, usually a ``human`` one). A reason not listed: an error or a timeout fails the step (its
retry policy applies), a low confidence or an input outside the training range is let through.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from officeflow.rules import DecisionModel, load_dmn, load_model, load_yaml
from officeflow.steps.base import Duration, StepId
from officeflow.store.base import Store


class FallbackReason(StrEnum):
    """Why a ``model`` step did not take the model's output."""

    ERROR = "error"
    """The model failed, or the model has no production or canary version."""
    TIMEOUT = "timeout"
    """The model did not answer within the fallback's ``timeout`` (or its own)."""
    LOW_CONFIDENCE = "low_confidence"
    """Confidence below ``min_confidence``, or (``single_label``) a prediction set of not one label."""
    OUTSIDE_TRAINING_RANGE = "outside_training_range"
    """A feature of the input lies outside what the version saw in training."""


class FallbackSpec(BaseModel):
    """``fallback:`` of a ``model`` step (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: tuple[FallbackReason, ...] = tuple(FallbackReason)
    min_confidence: float | None = Field(None, ge=0.0, le=1.0)
    single_label: bool = False
    timeout: Duration | None = None
    table: str | None = Field(None, min_length=1)
    decision: str | None = None
    """The table's decision to take (default: the model's first decision)."""
    then: StepId | None = None


@dataclass(frozen=True, kw_only=True)
class TableDecision:
    """What the fallback table said."""

    table: str
    version: int | None
    decision: str
    value: Any
    matched: list[str]
    errors: list[str]

    @property
    def decided(self) -> bool:
        return self.value is not None and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.table,
            "version": self.version,
            "decision": self.decision,
            "value": self.value,
            "matched": self.matched,
            "errors": self.errors,
        }


def is_file(table: str) -> bool:
    return table.endswith((".dmn", ".yaml", ".yml")) or "/" in table


class Tables:
    """Decision tables for fallbacks: files (loaded again when they change) and stored tables
    (the latest version, loaded once per content digest)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._files: dict[str, tuple[float, DecisionModel]] = {}
        self._stored: dict[tuple[str, str], DecisionModel] = {}
        self._lock = threading.Lock()

    def load(self, tenant: str, table: str) -> tuple[DecisionModel, int | None]:
        if is_file(table):
            path = Path(table)
            mtime = path.stat().st_mtime
            with self._lock:
                found = self._files.get(table)
            if found is None or found[0] != mtime:
                found = (mtime, load_model(path))
                with self._lock:
                    self._files[table] = found
            return found[1], None
        with self.store.read() as tx:
            record = tx.get_decision_table(tenant, table)
        if record is None:
            raise LookupError(f"there is no decision table {table!r}")
        key = (tenant, record.digest)
        with self._lock:
            model = self._stored.get(key)
        if model is None:
            model = load_dmn(record.source) if record.format == "dmn" else load_yaml(record.source)
            with self._lock:
                self._stored[key] = model
        return model, record.version

    def decide(self, tenant: str, spec: FallbackSpec, inputs: Mapping[str, Any]) -> TableDecision:
        assert spec.table is not None
        try:
            model, version = self.load(tenant, spec.table)
            decision = spec.decision or model.decision_names[0]
            evaluation = model.evaluate(dict(inputs), decision)
        except Exception as exc:  # a table that cannot be read or run sends the item on to a person
            return TableDecision(
                table=spec.table,
                version=None,
                decision=spec.decision or "",
                value=None,
                matched=[],
                errors=[f"{type(exc).__name__}: {exc}"],
            )
        return TableDecision(
            table=spec.table,
            version=version,
            decision=decision,
            value=evaluation.outputs.get(decision),
            matched=[f"{m.table} row {m.index}" for m in evaluation.matched()],
            errors=evaluation.errors,
        )

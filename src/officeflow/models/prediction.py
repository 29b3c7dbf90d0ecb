"""What every model returns for one item: the ``Prediction`` contract.

A prediction carries the model's ``output`` (JSON), a ``confidence`` that is a calibrated
probability of the predicted label (or ``None`` when the model has no such probability: never a
constant), an ``explanation`` (per-feature contributions and reason codes, JSON), and for
classifiers the predicted ``label`` and, when the model was conformalised, the ``prediction_set``:
the labels that the conformal procedure cannot rule out at the model's stated error rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Reason:
    """One reason code: a stable code, a sentence for a person, and how much it weighed."""

    code: str
    text: str
    contribution: float

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "contribution": self.contribution}


def explanation(
    contributions: Mapping[str, float] | None = None, reasons: list[Reason] | None = None, **extra: Any
) -> dict[str, Any]:
    """The explanation JSON in its one shape: ``{"contributions": {...}, "reasons": [...], ...}``."""
    out: dict[str, Any] = {
        "contributions": dict(contributions or {}),
        "reasons": [r.as_dict() for r in reasons or []],
    }
    out.update(extra)
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Prediction:
    """One item's prediction.

    ``decides_alone`` is the rule a workflow applies before acting without a person: the model
    was conformalised and its prediction set holds exactly one label.
    """

    output: Any
    confidence: float | None
    explanation: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    prediction_set: tuple[str, ...] | None = None

    @property
    def decides_alone(self) -> bool:
        return self.prediction_set is not None and len(self.prediction_set) == 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "confidence": self.confidence,
            "explanation": dict(self.explanation),
            "label": self.label,
            "prediction_set": list(self.prediction_set) if self.prediction_set is not None else None,
        }

"""How a generic flavour (ONNX, skops, remote) turns items into a matrix and scores into predictions.

A ``TabularSpec`` names the numeric features in the order the model takes them, and whether the
model is a classifier (its labels, an optional ``ProbabilityCalibrator`` and optional
``ConformalSets``) or a regressor. It is stored as JSON beside the artifact.

For a classifier, each ``Prediction`` has the label of the highest calibrated probability, the
calibrated probability of that label as ``confidence`` (``None`` when no calibrator was fitted:
a raw score is not a probability one may act on), all probabilities in ``output``, and the
conformal set when the model was conformalised. A regressor's ``output`` is ``{"value": v}`` and
its confidence is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from officeflow.errors import Problem
from officeflow.jsonutil import json_pointer
from officeflow.models.calibration import ConformalSets, ProbabilityCalibrator
from officeflow.models.errors import ModelArtifactInvalid, ModelInputInvalid
from officeflow.models.prediction import Prediction


class Task(StrEnum):
    """What a tabular model predicts."""

    CLASSIFICATION = "classification"
    """Class probabilities over ``labels``."""
    REGRESSION = "regression"
    """One number."""


@dataclass(frozen=True, kw_only=True)
class TabularSpec:
    """The features a tabular model reads and how its output becomes predictions."""

    features: tuple[str, ...]
    task: Task = Task.CLASSIFICATION
    labels: tuple[str, ...] = ()
    calibrator: ProbabilityCalibrator | None = None
    conformal: ConformalSets | None = None

    def matrix(self, items: Sequence[Mapping[str, Any]]) -> NDArray[np.float32]:
        """The (n, features) float32 matrix of the items; a missing or non-numeric value is an input error."""
        try:
            return np.array([[item[f] for f in self.features] for item in items], dtype=np.float32)
        except (KeyError, TypeError, ValueError):
            raise ModelInputInvalid(self._problems(items)) from None

    def _problems(self, items: Sequence[Mapping[str, Any]]) -> list[Problem]:
        problems = []
        for index, item in enumerate(items):
            for f in self.features:
                value = item.get(f)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    message = "is missing" if f not in item else f"{value!r} is not a number"
                    problems.append(Problem(message=message, pointer=json_pointer((index, f)), expected="a number"))
        return problems

    def from_probabilities(self, raw: NDArray[Any]) -> list[Prediction]:
        raw = np.asarray(raw, dtype=np.float64)
        if raw.ndim != 2 or raw.shape[1] != len(self.labels):
            raise ModelArtifactInvalid(
                f"the model returned probabilities of shape {raw.shape}, expected (n, {len(self.labels)})"
            )
        probs = self.calibrator.apply(raw) if self.calibrator else raw
        sets = self.conformal.sets(probs) if self.conformal else None
        best = probs.argmax(axis=1).tolist()
        labels = self.labels
        calibrated = self.calibrator is not None
        out = []
        for i, row in enumerate(probs.tolist()):
            label = labels[best[i]]
            out.append(
                Prediction(
                    output={"label": label, "probabilities": dict(zip(labels, row, strict=True))},
                    confidence=row[best[i]] if calibrated else None,
                    explanation={"contributions": {}, "reasons": []},
                    label=label,
                    prediction_set=sets[i] if sets is not None else None,
                )
            )
        return out

    def from_values(self, values: NDArray[Any]) -> list[Prediction]:
        flat = np.asarray(values, dtype=np.float64).reshape(len(values), -1)[:, 0]
        return [
            Prediction(output={"value": v}, confidence=None, explanation={"contributions": {}, "reasons": []})
            for v in flat.tolist()
        ]

    def predictions(self, result: NDArray[Any]) -> list[Prediction]:
        if self.task is Task.CLASSIFICATION:
            return self.from_probabilities(result)
        return self.from_values(result)

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "task": self.task.value,
            "labels": list(self.labels),
            "calibrator": self.calibrator.as_dict() if self.calibrator else None,
            "conformal": self.conformal.as_dict() if self.conformal else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TabularSpec:
        try:
            cal, conf = data.get("calibrator"), data.get("conformal")
            return cls(
                features=tuple(str(f) for f in data["features"]),
                task=Task(data.get("task", "classification")),
                labels=tuple(str(v) for v in data.get("labels", ())),
                calibrator=ProbabilityCalibrator.from_dict(cal) if cal else None,
                conformal=ConformalSets.from_dict(conf) if conf else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactInvalid(f"the tabular spec is not valid: {exc!r}") from None

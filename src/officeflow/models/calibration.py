"""Probabilities that mean what they say, and conformal prediction sets.

``ProbabilityCalibrator`` maps a classifier's raw class probabilities to calibrated ones. It is
fitted by scikit-learn's ``CalibratedClassifierCV`` over a ``FrozenEstimator`` (isotonic or
sigmoid, fitted on a calibration split the classifier never saw) and then kept as plain numbers
(isotonic thresholds, or the sigmoid's two parameters per class), so the same calibration applies
to any flavour's output (ONNX, skops, a remote model) and is stored as JSON beside the artifact.
Applying it reproduces ``CalibratedClassifierCV.predict_proba`` exactly: binary problems
calibrate the positive class; multiclass problems calibrate each class one-vs-rest and
renormalise.

``ConformalSets`` is split-conformal prediction with the LAC score (score = 1 - p(true label)):
on a conformalisation split, the threshold q is the ceil((n + 1)(1 - alpha)) / n empirical
quantile of the scores, and an item's set holds every label whose probability is at least 1 - q.
On exchangeable data the set holds the true label with probability at least 1 - alpha. The
threshold is one number, so it also travels as JSON. (MAPIE's ``SplitConformalClassifier`` with
``conformity_score="lac"`` computes the same sets; the unit tests check that.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

Array = NDArray[np.float64]


class CalibrationMethod(StrEnum):
    """How raw probabilities are mapped to calibrated ones."""

    ISOTONIC = "isotonic"
    """A monotone step function (needs a few hundred calibration rows)."""
    SIGMOID = "sigmoid"
    """Platt scaling: 1 / (1 + exp(a * p + b)); for small calibration sets."""


class _Probabilities(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A fitted 'classifier' whose predict_proba is its input: lets CalibratedClassifierCV fit on given scores."""

    def __init__(self, n_classes: int = 2) -> None:
        self.n_classes = n_classes

    def fit(self, x: Any, y: Any) -> _Probabilities:
        self.classes_ = np.arange(self.n_classes)
        return self

    def predict_proba(self, x: Any) -> Array:
        return np.asarray(x, dtype=np.float64)

    def predict(self, x: Any) -> NDArray[np.int64]:
        return np.asarray(np.argmax(np.asarray(x), axis=1), dtype=np.int64)


@dataclass(frozen=True, kw_only=True)
class ProbabilityCalibrator:
    """Calibrates class probabilities; ``params`` holds one calibrator per calibrated class."""

    method: CalibrationMethod
    n_classes: int
    params: tuple[Mapping[str, Any], ...]

    def apply(self, raw: Array) -> Array:
        """Calibrated probabilities for raw probabilities of shape (n, n_classes)."""
        raw = np.asarray(raw, dtype=np.float64)
        if self.n_classes == 2:
            positive = self._one(self.params[0], raw[:, 1])
            return np.column_stack([1.0 - positive, positive])
        out = np.column_stack([self._one(p, raw[:, k]) for k, p in enumerate(self.params)])
        total = out.sum(axis=1, keepdims=True)
        uniform = np.full_like(out, 1.0 / self.n_classes)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, out / np.where(total > 0, total, 1.0), uniform)

    def _one(self, params: Mapping[str, Any], scores: Array) -> Array:
        if self.method is CalibrationMethod.ISOTONIC:
            return np.asarray(np.interp(scores, params["x"], params["y"]), dtype=np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(params["a"] * scores + params["b"])), dtype=np.float64)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method.value, "n_classes": self.n_classes, "params": [dict(p) for p in self.params]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbabilityCalibrator:
        return cls(
            method=CalibrationMethod(data["method"]),
            n_classes=int(data["n_classes"]),
            params=tuple(dict(p) for p in data["params"]),
        )


def fit_calibrator(
    raw: Array, y: Sequence[int] | NDArray[np.int64], method: CalibrationMethod = CalibrationMethod.ISOTONIC
) -> ProbabilityCalibrator:
    """Fit on held-out raw probabilities (n, k) and true class indices, with CalibratedClassifierCV."""
    raw = np.asarray(raw, dtype=np.float64)
    n_classes = raw.shape[1]
    frozen = FrozenEstimator(_Probabilities(n_classes).fit(raw, y))
    fitted = CalibratedClassifierCV(frozen, method=method.value).fit(raw, np.asarray(y))
    calibrators = fitted.calibrated_classifiers_[0].calibrators
    params: list[dict[str, Any]] = []
    for cal in calibrators:
        if method is CalibrationMethod.ISOTONIC:
            params.append({"x": [float(v) for v in cal.X_thresholds_], "y": [float(v) for v in cal.y_thresholds_]})
        else:
            params.append({"a": float(cal.a_), "b": float(cal.b_)})
    return ProbabilityCalibrator(method=method, n_classes=n_classes, params=tuple(params))


@dataclass(frozen=True, kw_only=True)
class ConformalSets:
    """Split-conformal (LAC) prediction sets at error rate ``alpha``."""

    labels: tuple[str, ...]
    alpha: float
    threshold: float
    rows: int

    def sets(self, probabilities: Array) -> list[tuple[str, ...]]:
        keep = (np.asarray(probabilities) >= 1.0 - self.threshold).tolist()
        labels = self.labels
        return [tuple(label for label, kept in zip(labels, row, strict=True) if kept) for row in keep]

    def as_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "alpha": self.alpha, "threshold": self.threshold, "rows": self.rows}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConformalSets:
        return cls(
            labels=tuple(str(v) for v in data["labels"]),
            alpha=float(data["alpha"]),
            threshold=float(data["threshold"]),
            rows=int(data["rows"]),
        )


def conformalize(
    probabilities: Array, y: Sequence[int] | NDArray[np.int64], labels: Sequence[str], alpha: float
) -> ConformalSets:
    """The LAC threshold from a conformalisation split (probabilities (n, k), true class indices)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    y_idx = np.asarray(y, dtype=np.int64)
    n = len(y_idx)
    scores = 1.0 - probabilities[np.arange(n), y_idx]
    level = min(1.0, math.ceil((n + 1) * (1 - alpha)) / n)
    threshold = float(np.quantile(scores, level, method="higher"))
    return ConformalSets(labels=tuple(labels), alpha=alpha, threshold=threshold, rows=n)


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """How conformal sets did on held-out data.

    ``coverage`` is the share of items whose set holds the true label (the guarantee: at least
    1 - alpha). ``alone_share`` is the share of items whose set has exactly one label (decided
    without a person), and ``alone_error`` the share of those where that label was wrong.
    """

    alpha: float
    rows: int
    coverage: float
    mean_set_size: float
    alone_share: float
    alone_error: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def measure_coverage(conformal: ConformalSets, probabilities: Array, y: Sequence[int] | NDArray[np.int64]) -> Coverage:
    """Coverage, set size and the error rate of the one-label decisions on held-out data."""
    y_idx = np.asarray(y, dtype=np.int64)
    sets = conformal.sets(probabilities)
    truth = [conformal.labels[k] for k in y_idx]
    covered = [t in s for t, s in zip(truth, sets, strict=True)]
    alone = [i for i, s in enumerate(sets) if len(s) == 1]
    wrong_alone = sum(1 for i in alone if sets[i][0] != truth[i])
    n = len(sets)
    return Coverage(
        alpha=conformal.alpha,
        rows=n,
        coverage=sum(covered) / n,
        mean_set_size=sum(len(s) for s in sets) / n,
        alone_share=len(alone) / n,
        alone_error=wrong_alone / len(alone) if alone else 0.0,
    )


def expected_calibration_error(probabilities: Array, y: Sequence[int] | NDArray[np.int64], bins: int = 10) -> float:
    """ECE of the top-label confidence: the mean |accuracy - confidence| over equal-width confidence bins."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    y_idx = np.asarray(y, dtype=np.int64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_idx
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)

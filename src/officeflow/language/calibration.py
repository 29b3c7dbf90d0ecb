"""Temperature scaling and conformal thresholds for the language heads.

A multinomial logistic head is usually over-confident on text it was not trained on.
**Temperature scaling** divides its logits by one number T, fitted by minimising the negative
log-likelihood on items the head did not see (a calibration split, or out-of-fold predictions for
heads trained on a handful of examples). One parameter cannot over-fit a small calibration set,
and it never changes which label ranks first.

**Split conformal** (LAC score, 1 - p(true label)): the threshold q is the ceil((n + 1)(1 - alpha))/n
empirical quantile of the scores on the calibration items; an item's prediction set holds every
label whose calibrated probability is at least 1 - q, and on exchangeable data holds the true
label with probability at least 1 - alpha.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

Array = NDArray[np.float64]


def softmax(logits: Array, temperature: float = 1.0) -> Array:
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


def fit_temperature(logits: Array, y: NDArray[np.int64]) -> float:
    """The T in [0.05, 20] that minimises the negative log-likelihood of ``y`` under softmax(logits / T)."""
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        p = softmax(logits, math.exp(log_t))
        return float(-np.log(np.maximum(p[rows, y], 1e-12)).mean())

    result = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return float(math.exp(result.x))


@dataclass(frozen=True, kw_only=True)
class Conformal:
    """A split-conformal threshold at error rate ``alpha``, fitted on ``rows`` calibration items."""

    alpha: float
    threshold: float
    rows: int

    def members(self, probabilities: Array) -> NDArray[np.bool_]:
        return np.asarray(probabilities) >= 1.0 - self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "threshold": self.threshold, "rows": self.rows}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conformal:
        return cls(alpha=float(data["alpha"]), threshold=float(data["threshold"]), rows=int(data["rows"]))


def fit_conformal(probabilities: Array, y: NDArray[np.int64], alpha: float) -> Conformal:
    """The LAC threshold from calibrated probabilities of calibration items."""
    n = len(y)
    scores = 1.0 - np.asarray(probabilities)[np.arange(n), y]
    level = min(1.0, math.ceil((n + 1) * (1 - alpha)) / n)
    return Conformal(alpha=alpha, threshold=float(np.quantile(scores, level, method="higher")), rows=n)

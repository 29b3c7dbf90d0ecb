"""How well a head does on labelled items: accuracy, per-class precision/recall/F1, the confusion
matrix, reliability (calibration) bins, expected calibration error, and conformal coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from officeflow.language.calibration import Array, Conformal


@dataclass(frozen=True, kw_only=True)
class ClassFigures:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, kw_only=True)
class ReliabilityBin:
    """Items whose top confidence fell in [low, high): how many, how confident, how often right."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


@dataclass(frozen=True, kw_only=True)
class CoverageFigures:
    """Conformal sets on these items: share holding the true label, mean size, share of one label."""

    alpha: float
    coverage: float
    mean_size: float
    single_share: float
    single_accuracy: float


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    labels: tuple[str, ...]
    rows: int
    accuracy: float
    macro_f1: float
    classes: tuple[ClassFigures, ...]
    confusion: tuple[tuple[int, ...], ...]
    reliability: tuple[ReliabilityBin, ...]
    ece: float
    coverage: CoverageFigures | None


def evaluate(
    labels: Sequence[str],
    y: NDArray[np.int64],
    probabilities: Array,
    conformal: Conformal | None = None,
    bins: int = 10,
) -> Evaluation:
    """Figures for true class indices ``y`` and calibrated ``probabilities`` (n, k)."""
    k = len(labels)
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    classes = []
    for c in range(k):
        tp = confusion[c, c]
        precision = tp / confusion[:, c].sum() if confusion[:, c].sum() else 0.0
        recall = tp / confusion[c].sum() if confusion[c].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(
            ClassFigures(
                label=labels[c],
                precision=float(precision),
                recall=float(recall),
                f1=float(f1),
                support=int(confusion[c].sum()),
            )
        )
    return Evaluation(
        labels=tuple(labels),
        rows=len(y),
        accuracy=float((predicted == y).mean()),
        macro_f1=float(np.mean([c.f1 for c in classes])),
        classes=tuple(classes),
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),
        reliability=_reliability(probabilities, y, bins),
        ece=_ece(probabilities, y, bins),
        coverage=_coverage(conformal, probabilities, y) if conformal else None,
    )


def _reliability(probabilities: Array, y: NDArray[np.int64], bins: int) -> tuple[ReliabilityBin, ...]:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=False), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                ReliabilityBin(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    count=int(mask.sum()),
                    confidence=float(confidence[mask].mean()),
                    accuracy=float(correct[mask].mean()),
                )
            )
    return tuple(out)


def _ece(probabilities: Array, y: NDArray[np.int64], bins: int) -> float:
    n = len(y)
    return float(sum(b.count / n * abs(b.accuracy - b.confidence) for b in _reliability(probabilities, y, bins)))


def _coverage(conformal: Conformal, probabilities: Array, y: NDArray[np.int64]) -> CoverageFigures:
    members = conformal.members(probabilities)
    members[np.arange(len(y)), probabilities.argmax(axis=1)] = True  # a set is never empty: the top label stays
    sizes = members.sum(axis=1)
    single = sizes == 1
    return CoverageFigures(
        alpha=conformal.alpha,
        coverage=float(members[np.arange(len(y)), y].mean()),
        mean_size=float(sizes.mean()),
        single_share=float(single.mean()),
        single_accuracy=float((probabilities.argmax(axis=1) == y)[single].mean()) if single.any() else 0.0,
    )

"""What the built-in models share: training results, labelled examples, held-out metrics.

A built-in model is trained by a ``Trainer``: it knows its base data, splits labelled examples by
a seed into train, calibration, conformalisation and test parts, fits an ``Artifact`` and scores a
model on examples with the metrics its report shows. ``officeflow.models.retrain`` uses the same
trainer to fit a candidate on base data plus people's corrections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from officeflow.models.artifact import Artifact
from officeflow.models.protocol import Model


@dataclass(frozen=True, kw_only=True)
class Example:
    """One labelled example: the model input and the true label (a feedback example says where it came from)."""

    input: Mapping[str, Any]
    label: Any
    source: str = "base"


@dataclass(frozen=True, kw_only=True)
class Splits:
    """Labelled examples split by a seed: fit on ``train``, calibrate, conformalise, and measure on ``test``."""

    train: list[Example]
    calibration: list[Example]
    conformal: list[Example]
    test: list[Example]


@dataclass(frozen=True, kw_only=True)
class TrainResult:
    """A trained model version: its artifact and its figures on the held-out part."""

    name: str
    seed: int
    metrics: Mapping[str, float]
    artifact: Artifact
    details: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What ``train --json`` prints."""
        return {
            "model": self.name,
            "seed": self.seed,
            "version": self.artifact.metadata.version,
            "metrics": {k: round(float(v), 6) for k, v in self.metrics.items()},
            "training_data_digest": self.artifact.metadata.training_data_digest,
        }


class Trainer(Protocol):
    """How one built-in model is trained and measured.

    ``examples_are_inputs`` says whether an example's ``input`` is one model input (checked
    against the input schema when it comes as feedback) or something larger (a labelled stream).
    """

    name: str
    examples_are_inputs: bool

    def base_examples(self) -> list[Example]: ...

    def split(self, examples: Sequence[Example], seed: int) -> Splits: ...

    def fit(self, splits: Splits, seed: int, version: str) -> Artifact: ...

    def load(self, artifact: Artifact) -> Model: ...

    def evaluate(self, model: Model, examples: Sequence[Example]) -> dict[str, float]: ...


def split_indices(labels: Sequence[Any], seed: int, shares: tuple[float, float, float, float]) -> list[list[int]]:
    """Stratified split of row indices into parts of the given shares (they sum to 1)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in shares]
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(str(label), []).append(i)
    bounds = np.cumsum(shares)
    for key in sorted(by_label):
        rows = np.asarray(by_label[key])
        rng.shuffle(rows)
        cuts = [round(b * len(rows)) for b in bounds[:-1]]
        for k, chunk in enumerate(np.split(rows, cuts)):
            parts[k].extend(int(i) for i in chunk)
    for part in parts:
        rng.shuffle(part)
    return parts


def binary_metrics(y: Sequence[int] | NDArray[Any], p: Sequence[float] | NDArray[Any]) -> dict[str, float]:
    """AUC, Brier score and Kolmogorov-Smirnov statistic of probabilities ``p`` for the positive class."""
    y_arr = np.asarray(y)
    p_arr = np.asarray(p, dtype=np.float64)
    fpr, tpr, _ = roc_curve(y_arr, p_arr)
    return {
        "auc": float(roc_auc_score(y_arr, p_arr)),
        "brier": float(brier_score_loss(y_arr, p_arr)),
        "ks": float(np.max(tpr - fpr)),
    }


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float, int]:
    """Precision, recall and support (actual positives) of boolean predictions."""
    tp = sum(1 for p, a in zip(predicted, actual, strict=True) if p and a)
    fp = sum(1 for p, a in zip(predicted, actual, strict=True) if p and not a)
    fn = sum(1 for p, a in zip(predicted, actual, strict=True) if a and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, tp + fn

"""A trained classification head: a multinomial logistic regression over text features.

``fit_head`` trains the regression on the training items, then fits a temperature (and,
when asked, a conformal threshold) on calibration items the regression never saw: either a given
calibration split, or, for heads trained from a handful of examples, out-of-fold predictions of a
stratified cross-validation, after which the regression is refitted on every example.

``TextHead.score`` turns features into ``Scored`` items: the label, its calibrated probability,
the alternatives (every label with its probability, best first) and the conformal prediction set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from officeflow.language.calibration import Array, Conformal, fit_conformal, fit_temperature, softmax
from officeflow.language.features import FeatureConfig, Features


@dataclass(frozen=True, kw_only=True)
class Scored:
    """One item's classification by one head."""

    label: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    prediction_set: tuple[str, ...] | None


@dataclass(frozen=True, kw_only=True)
class TextHead:
    """A fitted head: labels, the regression, its temperature, an optional conformal threshold."""

    labels: tuple[str, ...]
    classifier: LogisticRegression
    temperature: float
    conformal: Conformal | None
    features: FeatureConfig

    def probabilities(self, features: Features) -> Array:
        return softmax(logits(self.classifier, features), self.temperature)

    def score(self, features: Features, top: int | None = None) -> list[Scored]:
        return scored(self.labels, self.probabilities(features), self.conformal, top)

    def state(self) -> dict[str, Any]:
        """The head as plain data plus the regression (for ``officeflow.language.artifact``)."""
        return {
            "labels": list(self.labels),
            "classifier": self.classifier,
            "temperature": self.temperature,
            "conformal": self.conformal.as_dict() if self.conformal else None,
            "features": self.features.as_dict(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TextHead:
        conformal = state.get("conformal")
        return cls(
            labels=tuple(str(v) for v in state["labels"]),
            classifier=state["classifier"],
            temperature=float(state["temperature"]),
            conformal=Conformal.from_dict(conformal) if conformal else None,
            features=FeatureConfig.from_dict(state["features"]),
        )


def scored(
    labels: Sequence[str], probabilities: Array, conformal: Conformal | None, top: int | None = None
) -> list[Scored]:
    """Each row of calibrated ``probabilities`` as a ``Scored`` item: best label first, with the
    alternatives and, given a conformal threshold, the prediction set (never empty)."""
    members = conformal.members(probabilities) if conformal else None
    out: list[Scored] = []
    for row, p in enumerate(probabilities):
        order = np.argsort(-p, kind="stable")[: top or len(labels)]
        alternatives = tuple((labels[k], round(float(p[k]), 4)) for k in order)
        prediction_set = None
        if members is not None:
            prediction_set = tuple(labels[k] for k in order if members[row, k]) or (labels[order[0]],)
        out.append(
            Scored(
                label=alternatives[0][0],
                confidence=alternatives[0][1],
                alternatives=alternatives,
                prediction_set=prediction_set,
            )
        )
    return out


def logits(classifier: LogisticRegression, features: Features) -> Array:
    """One logit per label, also for two labels (where scikit-learn returns one column)."""
    raw = np.asarray(classifier.decision_function(features), dtype=np.float64)
    return np.column_stack([np.zeros_like(raw), raw]) if raw.ndim == 1 else raw


def _regression(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000, random_state=seed)


def _compact(classifier: LogisticRegression) -> LogisticRegression:
    """Coefficients as float32: half the artifact, the same labels to the fourth decimal of probability."""
    classifier.coef_ = classifier.coef_.astype(np.float32)
    classifier.intercept_ = classifier.intercept_.astype(np.float32)
    return classifier


def fit_head(
    features: Features,
    y: NDArray[np.int64],
    labels: Sequence[str],
    *,
    config: FeatureConfig,
    c: float = 4.0,
    seed: int = 0,
    calibration: tuple[Features, NDArray[np.int64]] | None = None,
    alpha: float | None = None,
    min_temperature: float | None = None,
) -> TextHead:
    """Train a head; calibrate on ``calibration`` or, without one, on out-of-fold predictions.

    ``min_temperature`` bounds the temperature from below: 1 keeps a calibration fitted on a
    handful of examples, which the regression may all get right, from sharpening its probabilities
    towards 1 (it may still soften them)."""
    if calibration is not None:
        classifier = _regression(c, seed).fit(features, y)
        cal_logits = logits(classifier, calibration[0])
        cal_y = calibration[1]
    else:
        cal_logits, cal_y = _out_of_fold_logits(features, y, len(labels), c, seed)
        classifier = _regression(c, seed).fit(features, y)
    temperature = fit_temperature(cal_logits, cal_y)
    if min_temperature is not None:
        temperature = max(temperature, min_temperature)
    conformal = fit_conformal(softmax(cal_logits, temperature), cal_y, alpha) if alpha is not None else None
    return TextHead(
        labels=tuple(labels),
        classifier=_compact(classifier),
        temperature=temperature,
        conformal=conformal,
        features=config,
    )


def _out_of_fold_logits(
    features: Features, y: NDArray[np.int64], n_labels: int, c: float, seed: int
) -> tuple[Array, NDArray[np.int64]]:
    """Each example's logits from a fold that did not train on it (every label needs two examples)."""
    folds = int(min(5, np.bincount(y, minlength=n_labels).min()))
    out = np.zeros((len(y), n_labels), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        out[test] = logits(_regression(c, seed).fit(features[train], y[train]), features[test])
    return out, y

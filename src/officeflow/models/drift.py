"""Drift: is what a model sees now still what it was trained on? Pure functions, no I/O.

The population stability index (PSI) compares two distributions over the same bins:
``PSI = sum((actual_i - expected_i) * ln(actual_i / expected_i))``, with empty bins given a small
share (``epsilon``) so the logarithm stays finite. The bins come from the training reference
(``ModelMetadata.reference``): numeric features are cut at training quantiles (so each bin held
about the same share of training rows), categorical features have one bin per training level plus
one for levels never seen. The model's confidence distribution is binned the same way. Feature
names may reach into nested inputs (``claim.amount``).

``measure_drift`` bins a window of recent inputs and confidences, computes each PSI, adds the
override rate (how often people overrode the model) and returns one ``Finding`` per subject with
its severity against ``Thresholds`` (PSI 0.1 warn, 0.25 alert by default; below ``min_rows``
items the window is too small to judge).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from officeflow.models.metadata import FeatureKind, FeatureReference, TrainingReference, feature_value

EPSILON = 1e-4


class Severity(StrEnum):
    """How far a drift figure is past its thresholds."""

    OK = "ok"
    """Below the warning threshold."""
    WARN = "warn"
    """At or above the warning threshold, below the alert threshold."""
    ALERT = "alert"
    """At or above the alert threshold."""
    TOO_FEW = "too_few"
    """The window holds fewer items than ``Thresholds.min_rows``: not judged."""


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """When drift figures warn and alert."""

    psi_warn: float = 0.1
    psi_alert: float = 0.25
    override_warn: float = 0.15
    override_alert: float = 0.30
    min_rows: int = 100

    def severity(self, value: float, warn: float, alert: float, rows: int) -> Severity:
        if rows < self.min_rows:
            return Severity.TOO_FEW
        if value >= alert:
            return Severity.ALERT
        if value >= warn:
            return Severity.WARN
        return Severity.OK


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One drift figure: ``subject`` is ``feature:<name>``, ``confidence`` or ``override_rate``."""

    subject: str
    metric: str
    value: float
    severity: Severity
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "metric": self.metric,
            "value": self.value,
            "severity": self.severity.value,
            "rows": self.rows,
        }


def reference_for(values: Sequence[Any], kind: FeatureKind, bins: int = 10) -> FeatureReference:
    """A feature's training reference: quantile cut points (numeric) or levels (categorical)."""
    if kind is FeatureKind.CATEGORICAL:
        levels = tuple(sorted({str(v) for v in values if v is not None}))
        ref = FeatureReference(kind=kind, levels=levels, proportions=())
        return FeatureReference(kind=kind, levels=levels, proportions=_shares(ref, values))
    numbers = np.asarray([float(v) for v in values if v is not None], dtype=np.float64)
    inner = np.quantile(numbers, np.linspace(0, 1, bins + 1)[1:-1]) if len(numbers) else np.array([])
    edges = tuple(float(e) for e in np.unique(inner))
    ref = FeatureReference(kind=kind, edges=edges, proportions=())
    return FeatureReference(kind=kind, edges=edges, proportions=_shares(ref, values))


def build_reference(
    rows: Sequence[Mapping[str, Any]],
    features: Mapping[str, FeatureKind],
    confidences: Sequence[float] | None = None,
    bins: int = 10,
) -> TrainingReference:
    """The training reference of ``rows`` (the model's inputs) and the model's confidences on them."""
    return TrainingReference(
        features={
            name: reference_for([feature_value(r, name) for r in rows], kind, bins) for name, kind in features.items()
        },
        confidence=reference_for(list(confidences), FeatureKind.NUMERIC, bins) if confidences is not None else None,
        rows=len(rows),
    )


def _shares(ref: FeatureReference, values: Sequence[Any]) -> tuple[float, ...]:
    counts: NDArray[Any]
    if ref.kind is FeatureKind.CATEGORICAL:
        index = {level: i for i, level in enumerate(ref.levels)}
        counts = np.zeros(len(ref.levels) + 1)
        for v in values:
            if v is not None:
                counts[index.get(str(v), len(ref.levels))] += 1
    else:
        numbers = np.asarray([float(v) for v in values if v is not None], dtype=np.float64)
        counts = np.bincount(np.searchsorted(ref.edges, numbers, side="right"), minlength=len(ref.edges) + 1)
    total = counts.sum()
    return tuple(float(c / total) if total else 0.0 for c in counts)


def psi(expected: Sequence[float], actual: Sequence[float], epsilon: float = EPSILON) -> float:
    """Population stability index between two share vectors over the same bins."""
    if len(expected) != len(actual):
        raise ValueError(f"PSI needs the same bins: {len(expected)} expected shares, {len(actual)} actual")
    total = 0.0
    for share_e, share_a in zip(expected, actual, strict=True):
        e, a = max(share_e, epsilon), max(share_a, epsilon)
        total += (a - e) * math.log(a / e)
    return total


def feature_psi(ref: FeatureReference, values: Sequence[Any]) -> float:
    """PSI of a window of values against a feature's training reference."""
    return psi(ref.proportions, _shares(ref, values))


def override_rate(overridden: int, decided: int) -> float:
    """The share of a model's decided outputs that a person overrode (0 when none were decided)."""
    return overridden / decided if decided else 0.0


def measure_drift(
    reference: TrainingReference,
    items: Sequence[Mapping[str, Any]],
    confidences: Sequence[float] | None = None,
    overrides: tuple[int, int] | None = None,
    thresholds: Thresholds | None = None,
) -> list[Finding]:
    """Findings for a window: PSI per feature and on confidence, and the override rate.

    ``overrides`` is ``(overridden, decided)`` over the same window.
    """
    th = thresholds or Thresholds()
    rows = len(items)
    findings = [
        Finding(
            subject=f"feature:{name}",
            metric="psi",
            value=(value := feature_psi(ref, [feature_value(item, name) for item in items])),
            severity=th.severity(value, th.psi_warn, th.psi_alert, rows),
            rows=rows,
        )
        for name, ref in reference.features.items()
    ]
    if reference.confidence is not None and confidences is not None:
        value = feature_psi(reference.confidence, list(confidences))
        findings.append(
            Finding(
                subject="confidence",
                metric="psi",
                value=value,
                severity=th.severity(value, th.psi_warn, th.psi_alert, len(confidences)),
                rows=len(confidences),
            )
        )
    if overrides is not None:
        overridden, decided = overrides
        value = override_rate(overridden, decided)
        findings.append(
            Finding(
                subject="override_rate",
                metric="rate",
                value=value,
                severity=th.severity(value, th.override_warn, th.override_alert, decided),
                rows=decided,
            )
        )
    return findings


def worst(findings: Sequence[Finding]) -> Severity:
    """The most severe judged finding (``OK`` when none is past a threshold)."""
    order = [Severity.ALERT, Severity.WARN]
    for level in order:
        if any(f.severity is level for f in findings):
            return level
    return Severity.OK

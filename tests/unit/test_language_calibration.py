"""Temperature scaling, conformal thresholds and the evaluation figures of the language heads."""

from __future__ import annotations

import numpy as np

from officeflow.language.calibration import fit_conformal, fit_temperature, softmax
from officeflow.language.evaluation import evaluate


def _sampled(temperature: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose labels are drawn from softmax(logits / temperature)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, size=(n, 4))
    p = softmax(logits, temperature)
    y = np.array([rng.choice(4, p=row) for row in p], dtype=np.int64)
    return logits, y


def test_the_fitted_temperature_recovers_the_one_the_labels_were_drawn_with() -> None:
    logits, y = _sampled(2.5, 4000, seed=1)
    assert abs(fit_temperature(logits, y) - 2.5) < 0.25


def test_conformal_sets_hold_the_true_label_at_least_one_minus_alpha_of_the_time() -> None:
    logits, y = _sampled(1.0, 6000, seed=2)
    probabilities = softmax(logits)
    conformal = fit_conformal(probabilities[:3000], y[:3000], alpha=0.1)
    members = conformal.members(probabilities[3000:])
    coverage = members[np.arange(3000), y[3000:]].mean()
    assert coverage >= 0.88
    assert members.sum(axis=1).mean() < 4


def test_evaluation_counts_the_confusion_and_measures_calibration() -> None:
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    ev = evaluate(("a", "b"), y, probabilities)
    assert ev.confusion == ((2, 0), (1, 1))
    assert ev.accuracy == 0.75
    assert ev.classes[1].recall == 0.5
    assert ev.classes[0].precision == 2 / 3
    assert abs(ev.ece - np.mean([abs(1 - 0.9), abs(0 - 0.8), abs(1 - 0.7), abs(1 - 0.6)])) < 1e-9

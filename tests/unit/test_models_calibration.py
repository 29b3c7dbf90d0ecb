"""Calibration equals scikit-learn's CalibratedClassifierCV; conformal sets equal MAPIE's and cover as promised."""

from __future__ import annotations

import numpy as np
import pytest
from mapie.classification import SplitConformalClassifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator

from officeflow.models import (
    CalibrationMethod,
    ConformalSets,
    ProbabilityCalibrator,
    conformalize,
    expected_calibration_error,
    fit_calibrator,
    measure_coverage,
)


def data(n_classes: int, seed: int = 0, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    features, labels = make_classification(n, n_features=8, n_informative=5, n_classes=n_classes, random_state=seed)
    return np.asarray(features), np.asarray(labels)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("method", list(CalibrationMethod))
def test_calibrator_reproduces_calibrated_classifier_cv(n_classes: int, method: CalibrationMethod) -> None:
    x, y = data(n_classes)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(x[:2000], y[:2000])
    ours = fit_calibrator(forest.predict_proba(x[2000:3000]), y[2000:3000], method)
    theirs = CalibratedClassifierCV(FrozenEstimator(forest), method=method.value).fit(x[2000:3000], y[2000:3000])
    again = ProbabilityCalibrator.from_dict(ours.as_dict())
    np.testing.assert_allclose(again.apply(forest.predict_proba(x[3000:])), theirs.predict_proba(x[3000:]), atol=1e-12)


def test_isotonic_calibration_lowers_the_calibration_error_of_an_overconfident_model() -> None:
    x, y = data(2, seed=1)
    forest = RandomForestClassifier(n_estimators=30, min_samples_leaf=1, random_state=0).fit(x[:2000], y[:2000])
    calibrator = fit_calibrator(forest.predict_proba(x[2000:3000]), y[2000:3000], CalibrationMethod.ISOTONIC)
    raw = forest.predict_proba(x[3000:])
    assert expected_calibration_error(calibrator.apply(raw), y[3000:]) < expected_calibration_error(raw, y[3000:])


def test_conformal_sets_equal_mapie_split_conformal_lac() -> None:
    x, y = data(3, seed=2)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(x[:2000], y[:2000])
    ours = conformalize(forest.predict_proba(x[2000:3000]), y[2000:3000], ["a", "b", "c"], alpha=0.1)
    mapie = SplitConformalClassifier(estimator=forest, confidence_level=0.9, conformity_score="lac", prefit=True)
    mapie.conformalize(x[2000:3000], y[2000:3000])
    _, their_sets = mapie.predict_set(x[3000:])
    our_sets = ours.sets(forest.predict_proba(x[3000:]))
    theirs = [tuple("abc"[k] for k in np.flatnonzero(row[:, 0])) for row in their_sets]
    assert our_sets == theirs


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.2])
def test_conformal_sets_hold_the_true_label_at_least_one_minus_alpha_of_the_time(alpha: float) -> None:
    """Averaged over 20 random calibration/test splits, coverage is at least 1 - alpha (within noise)."""
    x, y = data(3, seed=3, n=6000)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(x[:2000], y[:2000])
    probs = forest.predict_proba(x[2000:])
    rest = y[2000:]
    rng = np.random.default_rng(0)
    coverages = []
    for _ in range(20):
        order = rng.permutation(len(rest))
        cal, test = order[:500], order[500:]
        sets = conformalize(probs[cal], rest[cal], ["a", "b", "c"], alpha)
        coverages.append(measure_coverage(sets, probs[test], rest[test]).coverage)
    assert np.mean(coverages) >= 1 - alpha - 0.01
    again = ConformalSets.from_dict(sets.as_dict())
    assert again == sets


def test_coverage_reports_the_share_and_error_of_one_label_decisions() -> None:
    sets = ConformalSets(labels=("no", "yes"), alpha=0.1, threshold=0.5, rows=10)
    probs = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.75, 0.25]])
    coverage = measure_coverage(sets, probs, [0, 1, 0, 0])
    assert sets.sets(probs) == [("no",), ("no", "yes"), ("yes",), ("no",)]
    assert coverage.alone_share == 0.75
    assert coverage.alone_error == pytest.approx(1 / 3)
    assert coverage.coverage == 0.75
    with pytest.raises(ValueError, match="alpha"):
        conformalize(probs, [0, 1, 0, 0], ["no", "yes"], 1.5)

"""Drift: PSI against the training reference on features and confidence, and the override rate."""

from __future__ import annotations

import numpy as np
import pytest

from officeflow.models import (
    FeatureKind,
    Severity,
    Thresholds,
    build_reference,
    measure_drift,
    override_rate,
    psi,
    worst,
)
from officeflow.models.drift import feature_psi, reference_for


def rows(rng: np.random.Generator, n: int, shift: float = 0.0, new_level_share: float = 0.0) -> list[dict[str, object]]:
    levels = rng.choice(["rent", "own", "free"], size=n, p=[0.5, 0.4, 0.1])
    out: list[dict[str, object]] = []
    for k in range(n):
        level = "boat" if rng.random() < new_level_share else str(levels[k])
        out.append({"amount": float(rng.normal(100 + shift, 20)), "housing": level})
    return out


KINDS = {"amount": FeatureKind.NUMERIC, "housing": FeatureKind.CATEGORICAL}


def test_psi_is_zero_for_identical_shares_and_grows_with_the_difference() -> None:
    assert psi([0.25] * 4, [0.25] * 4) == 0
    small = psi([0.25] * 4, [0.3, 0.2, 0.25, 0.25])
    large = psi([0.25] * 4, [0.7, 0.1, 0.1, 0.1])
    assert 0 < small < 0.1 < 0.25 < large
    assert psi([0.5, 0.5, 0.0], [0.5, 0.4, 0.1]) > 0.25  # an empty training bin does not make it infinite
    with pytest.raises(ValueError, match="same bins"):
        psi([0.5, 0.5], [1.0])


def test_numeric_reference_bins_hold_equal_training_shares() -> None:
    rng = np.random.default_rng(0)
    ref = reference_for(list(rng.normal(0, 1, 5000)), FeatureKind.NUMERIC, bins=10)
    assert len(ref.edges) == 9
    assert all(abs(p - 0.1) < 0.005 for p in ref.proportions)


def test_an_unshifted_window_is_ok_and_a_shifted_one_alerts() -> None:
    rng = np.random.default_rng(1)
    train = rows(rng, 5000)
    reference = build_reference(train, KINDS, list(rng.beta(8, 2, 5000)))
    same = measure_drift(reference, rows(rng, 1000), list(rng.beta(8, 2, 1000)))
    assert {f.subject: f.severity for f in same} == {
        "feature:amount": Severity.OK,
        "feature:housing": Severity.OK,
        "confidence": Severity.OK,
    }
    assert worst(same) is Severity.OK
    shifted = measure_drift(reference, rows(rng, 1000, shift=25), list(rng.beta(3, 3, 1000)))
    by_subject = {f.subject: f for f in shifted}
    assert by_subject["feature:amount"].severity is Severity.ALERT
    assert by_subject["feature:housing"].severity is Severity.OK
    assert by_subject["confidence"].severity is Severity.ALERT
    assert worst(shifted) is Severity.ALERT


def test_a_level_never_seen_in_training_counts_as_drift() -> None:
    rng = np.random.default_rng(2)
    reference = build_reference(rows(rng, 5000), KINDS)
    window = rows(rng, 1000, new_level_share=0.15)
    value = feature_psi(reference.features["housing"], [r["housing"] for r in window])
    assert value >= 0.1
    assert reference.features["housing"].levels == ("free", "own", "rent")


def test_moderate_shift_warns() -> None:
    rng = np.random.default_rng(3)
    reference = build_reference(rows(rng, 5000), KINDS)
    findings = measure_drift(reference, rows(rng, 2000, shift=7))
    assert next(f for f in findings if f.subject == "feature:amount").severity is Severity.WARN


def test_override_rate_and_its_thresholds() -> None:
    assert override_rate(0, 0) == 0.0
    assert override_rate(30, 120) == 0.25
    rng = np.random.default_rng(4)
    reference = build_reference(rows(rng, 500), KINDS)
    window = rows(rng, 200)
    th = Thresholds(override_warn=0.1, override_alert=0.2)
    severity = {
        counts: next(
            f for f in measure_drift(reference, window, overrides=counts, thresholds=th) if f.subject == "override_rate"
        ).severity
        for counts in [(5, 200), (30, 200), (50, 200), (5, 20)]
    }
    assert severity == {
        (5, 200): Severity.OK,
        (30, 200): Severity.WARN,
        (50, 200): Severity.ALERT,
        (5, 20): Severity.TOO_FEW,
    }


def test_a_window_smaller_than_min_rows_is_not_judged() -> None:
    rng = np.random.default_rng(5)
    reference = build_reference(rows(rng, 1000), KINDS)
    findings = measure_drift(reference, rows(rng, 50, shift=50), thresholds=Thresholds(min_rows=100))
    assert all(f.severity is Severity.TOO_FEW for f in findings)
    assert worst(findings) is Severity.OK
    assert findings[0].as_dict()["severity"] == "too_few"


def test_feature_names_reach_into_nested_inputs() -> None:
    from officeflow.models import InputRange, outside_training_range

    rng = np.random.default_rng(6)
    train = [{"claim": r} for r in rows(rng, 2000)]
    reference = build_reference(train, {"claim.amount": FeatureKind.NUMERIC, "claim.housing": FeatureKind.CATEGORICAL})
    shifted = [{"claim": r} for r in rows(rng, 500, shift=30)]
    by_subject = {f.subject: f.severity for f in measure_drift(reference, shifted)}
    assert by_subject == {"feature:claim.amount": Severity.ALERT, "feature:claim.housing": Severity.OK}
    ranges = {"claim.amount": InputRange(minimum=0, maximum=200)}
    assert [f.feature for f in outside_training_range(ranges, {"claim": {"amount": 250}})] == ["claim.amount"]
    assert outside_training_range(ranges, {"claim": "not an object"}) == []

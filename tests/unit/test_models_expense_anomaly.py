"""The committed expense-anomaly model: reason codes for duplicates and splits, low scores for honest claims."""

from __future__ import annotations

import pytest

from officeflow.models import ModelInputInvalid, load_builtin
from officeflow.models.builtin.expense_anomaly import generator
from officeflow.models.builtin.expense_anomaly.model import ExpenseAnomalyModel
from officeflow.models.builtin.expense_anomaly.train import train
from officeflow.models.builtin.registry import BUILTINS

HISTORY = [
    {"merchant": "Trattoria Roma", "category": "meals", "amount": 23.4, "date": "2025-03-03"},
    {"merchant": "Staples", "category": "office_supplies", "amount": 41.87, "date": "2025-03-10"},
    {"merchant": "Deutsche Bahn", "category": "travel", "amount": 189.9, "date": "2025-03-11"},
]


def claim(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "employee_id": "e-007",
        "merchant": "Cafe Central",
        "category": "meals",
        "amount": 18.35,
        "date": "2025-03-12",
    }
    return {**base, **kw}


@pytest.fixture(scope="module")
def model() -> ExpenseAnomalyModel:
    loaded = load_builtin("expense-anomaly")
    assert isinstance(loaded, ExpenseAnomalyModel)
    return loaded


def reason_codes(prediction: object) -> list[str]:
    return [r["code"] for r in prediction.explanation["reasons"]]  # type: ignore[attr-defined]


def test_an_honest_claim_scores_low_and_gives_no_reason(model: ExpenseAnomalyModel) -> None:
    p = model.predict([{"claim": claim(), "recent_claims": HISTORY}])[0]
    assert p.label == "normal"
    assert p.output["score"] < 0.2
    assert reason_codes(p) == []
    assert p.confidence is not None
    assert p.confidence > 0.8


def test_a_duplicate_claim_is_flagged_with_the_duplicate_reason_code(model: ExpenseAnomalyModel) -> None:
    again = {
        "claim": claim(merchant="Staples", category="office_supplies", amount=41.87, date="2025-03-11"),
        "recent_claims": HISTORY,
    }
    p = model.predict([again])[0]
    assert p.label == "duplicate"
    assert p.output["score"] > 0.8
    assert reason_codes(p)[0] == "duplicate"
    assert p.explanation["reasons"][0]["text"] == "Same merchant and amount as a claim of 2025-03-10"


def test_a_split_purchase_is_flagged_with_the_total(model: ExpenseAnomalyModel) -> None:
    parts = [{"merchant": "Office Depot", "category": "office_supplies", "amount": 142.5, "date": "2025-03-12"}]
    p = model.predict(
        [
            {
                "claim": claim(merchant="Office Depot", category="office_supplies", amount=139.99),
                "recent_claims": HISTORY + parts,
            }
        ]
    )[0]
    assert p.label == "split"
    assert "total 282.49, over the office supplies limit of 150.00" in p.explanation["reasons"][0]["text"]


def test_over_limit_and_mismatch_claims_are_flagged(model: ExpenseAnomalyModel) -> None:
    over, mismatch = model.predict(
        [
            {"claim": claim(merchant="Hotel Ibis", category="lodging", amount=612.0), "recent_claims": HISTORY},
            {"claim": claim(merchant="JetBrains", category="meals", amount=21.3), "recent_claims": HISTORY},
        ]
    )
    assert over.label == "over_limit"
    assert "over_limit" in reason_codes(over)
    assert mismatch.label == "mismatch"
    assert mismatch.explanation["reasons"][0]["text"] == "JetBrains sells software, not meals"


def test_without_history_a_claim_is_still_scored(model: ExpenseAnomalyModel) -> None:
    p = model.predict([{"claim": claim()}])[0]
    assert p.label == "normal"


def test_a_claim_with_a_bad_field_is_refused_with_its_pointer(model: ExpenseAnomalyModel) -> None:
    with pytest.raises(ModelInputInvalid) as caught:
        model.predict([{"claim": claim(category="yachts", amount=-3)}])
    assert sorted(p.pointer or "" for p in caught.value.problems) == ["/0/claim/amount", "/0/claim/category"]


def test_the_generator_is_reproducible_and_labels_every_type() -> None:
    a, b = generator.generate(5, claims=800), generator.generate(5, claims=800)
    assert a == b
    assert {c.label for c in generator.generate(0)} == set(generator.LABELS)


def test_retraining_with_the_committed_seed_reproduces_the_committed_metrics() -> None:
    committed = BUILTINS["expense-anomaly"].artifact()
    result = train(int(committed.config["seed"]))
    for kind in generator.TYPES:
        for what in ("precision", "recall"):
            key = f"{kind}_{what}"
            assert result.metrics[key] == pytest.approx(committed.metadata.metrics[key], abs=0.02), key
    assert result.metrics["any_auc"] == pytest.approx(committed.metadata.metrics["any_auc"], abs=0.005)


def test_a_bad_date_in_the_history_is_refused_with_its_pointer(model: ExpenseAnomalyModel) -> None:
    """Not a date at all (the schema says so), or a date that does not exist (reading it says so)."""
    for bad in ("10 March", "2025-02-30"):
        history = [*HISTORY[:1], {**HISTORY[1], "merchant": "Cafe Central", "date": bad}]
        with pytest.raises(ModelInputInvalid) as caught:
            model.predict([{"claim": claim(), "recent_claims": history}])
        assert [p.pointer for p in caught.value.problems] == ["/0/recent_claims/1/date"]
    with pytest.raises(ModelInputInvalid, match="/1/claim/date"):
        model.predict([{"claim": claim()}, {"claim": claim(date="2025-02-30")}])


def test_the_committed_training_reference_sees_drift_in_claims(model: ExpenseAnomalyModel) -> None:
    """Claims like the training ones do not drift; the same claims at twice the amounts alert."""
    from officeflow.models import Severity, measure_drift
    from officeflow.models.builtin.expense_anomaly.train import ExpenseAnomalyTrainer

    trainer = ExpenseAnomalyTrainer()
    test = [e.input for e in trainer.split(trainer.base_examples(), 0).test]
    reference = model.metadata.reference
    assert reference is not None
    confidences = [p.confidence or 0.0 for p in model.predict(test)]
    calm = {f.subject: f.severity for f in measure_drift(reference, test, confidences)}
    assert calm == {
        "feature:claim.category": Severity.OK,
        "feature:claim.amount": Severity.OK,
        "feature:claim.merchant": Severity.OK,
        "confidence": Severity.OK,
    }
    doubled = [{**item, "claim": {**item["claim"], "amount": item["claim"]["amount"] * 2}} for item in test]
    shifted = {f.subject: f.severity for f in measure_drift(reference, doubled)}
    assert shifted["feature:claim.amount"] is Severity.ALERT

"""The committed credit-risk scorecard: scores, reason codes, conformal sets, reproducible training."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from officeflow.models import load_builtin
from officeflow.models.builtin.credit_risk import data
from officeflow.models.builtin.credit_risk.model import CreditRiskModel
from officeflow.models.builtin.credit_risk.train import CreditRiskTrainer, main, train
from officeflow.models.builtin.registry import BUILTINS

GOOD: dict[str, Any] = {
    "status_of_existing_checking_account": "no checking account",
    "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)",
    "purpose": "car (used)",
    "credit_amount": 2800,
    "savings_account_and_bonds": "... >= 1000 DM",
    "present_employment_since": "4 <= ... < 7 years",
    "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "guarantor",
    "present_residence_since": 4,
    "property": "real estate",
    "other_installment_plans": "none",
    "housing": "own",
    "number_of_existing_credits_at_this_bank": 1,
    "job": "skilled employee / official",
    "number_of_people_being_liable_to_provide_maintenance_for": 1,
    "telephone": "yes, registered under the customers name",
}
BAD = {
    **GOOD,
    "status_of_existing_checking_account": "... < 0 DM",
    "duration_in_month": 60,
    "credit_history": "no credits taken/ all credits paid back duly",
    "purpose": "education",
    "credit_amount": 15000,
    "savings_account_and_bonds": "... < 100 DM",
    "present_employment_since": "unemployed",
}


@pytest.fixture(scope="module")
def model() -> CreditRiskModel:
    loaded = load_builtin("credit-risk")
    assert isinstance(loaded, CreditRiskModel)
    return loaded


def test_an_applicant_with_a_bad_history_scores_worse_than_a_good_one(model: CreditRiskModel) -> None:
    good, bad = model.predict([GOOD, BAD])
    assert bad.output["score"] < good.output["score"] - 100
    assert bad.output["probability_of_default"] > 0.5 > good.output["probability_of_default"]
    assert (good.label, bad.label) == ("good", "bad")
    assert good.confidence == pytest.approx(1 - good.output["probability_of_default"])
    assert bad.prediction_set == ("bad",)
    assert good.prediction_set == ("good",)


def test_reason_codes_name_what_lowered_the_score_in_plain_words(model: CreditRiskModel) -> None:
    bad = model.predict([BAD])[0]
    reasons = bad.explanation["reasons"]
    texts = [r["text"] for r in reasons]
    assert 1 <= len(reasons) <= 4
    assert "Checking account status: under 0 DM" in texts
    assert all(r["contribution"] < 0 for r in reasons)
    assert [r["contribution"] for r in reasons] == sorted(r["contribution"] for r in reasons)
    contributions = bad.explanation["contributions"]
    assert bad.output["score"] == round(bad.explanation["base_points"] + sum(contributions.values()))


# optbinning's binning table appends its totals row in a way pandas 3 deprecates; harmless here
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_the_scorecard_reproduces_optbinnings_weights_of_evidence() -> None:
    """The JSON bins give the same WoE values as optbinning's own transform on held-out applicants."""
    from optbinning import BinningProcess

    trainer = CreditRiskTrainer()
    splits = trainer.split(trainer.base_examples(), 0)
    model = trainer.load(trainer.fit(splits, 0, "t"))
    assert isinstance(model, CreditRiskModel)
    names = [c.name for c in model.scorecard.characteristics]
    frame = pd.DataFrame([dict(e.input) for e in splits.train], columns=list(data.FEATURES))
    y = np.array([e.label == "bad" for e in splits.train], dtype=int)
    process = BinningProcess(
        names,
        categorical_variables=[n for n in names if n in data.CATEGORICAL],
        binning_fit_params={n: {"monotonic_trend": "auto_asc_desc"} for n in names if n in data.NUMERIC},
    ).fit(frame[names], y)
    test = pd.DataFrame([dict(e.input) for e in splits.test], columns=list(data.FEATURES))
    theirs = process.transform(test[names], metric="woe").to_numpy()
    ours = model.scorecard.woe_matrix([e.input for e in splits.test])
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_retraining_with_the_committed_seed_reproduces_the_committed_metrics() -> None:
    committed = BUILTINS["credit-risk"].artifact()
    result = train(int(committed.config["seed"]))
    for key in ("auc", "brier", "ks", "conformal_coverage"):
        assert result.metrics[key] == pytest.approx(committed.metadata.metrics[key], abs=0.005)
    assert result.artifact.metadata.training_data_digest == committed.metadata.training_data_digest


def test_protected_characteristics_are_not_inputs(model: CreditRiskModel) -> None:
    properties = model.metadata.input_schema["properties"]
    for name in data.EXCLUDED:
        assert name not in properties
    assert {c.name for c in model.scorecard.characteristics} <= set(properties)


def test_unknown_categories_are_refused_by_the_input_schema(model: CreditRiskModel) -> None:
    from officeflow.models import ModelInputInvalid

    with pytest.raises(ModelInputInvalid, match="/0/purpose"):
        model.predict([{**GOOD, "purpose": "yacht"}])


def test_train_entry_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "3", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    summary = json.loads(out[0])
    assert summary["model"] == "credit-risk"
    assert summary["seed"] == 3
    assert {"auc", "brier", "ks"} <= set(summary["metrics"])
    assert 0.6 < summary["metrics"]["auc"] < 0.95

"""The credit-risk model: a scorecard whose probabilities are calibrated and whose sets are conformal.

Its artifact holds ``scorecard.json`` (the bins and their weights of evidence), ``model.skops``
(the logistic regression on the WoE values, loaded with only ``LogisticRegression`` trusted) and
in ``model.json`` the calibrator and the conformal threshold. A prediction's output has the
score, the calibrated probability of default and the label; its explanation has each
characteristic's points and the reason codes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.credit_risk.data import LABELS
from officeflow.models.builtin.credit_risk.scorecard import Scorecard
from officeflow.models.calibration import ConformalSets, ProbabilityCalibrator
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.flavours.skops import load_estimator
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction, Reason, explanation

TRUSTED = ("sklearn.linear_model._logistic.LogisticRegression",)


class CreditRiskModel:
    """Scores credit applicants; see the module docstring."""

    def __init__(self, artifact: Artifact) -> None:
        self._metadata = artifact.metadata
        lr = load_estimator(artifact.file("model.skops"), trusted=TRUSTED)
        try:
            bins = json.loads(artifact.file("scorecard.json"))
            self.scorecard = Scorecard.from_parts(bins, lr.coef_[0].tolist(), float(lr.intercept_[0]))
            self._calibrator = ProbabilityCalibrator.from_dict(artifact.config["calibrator"])
            self._conformal = ConformalSets.from_dict(artifact.config["conformal"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactInvalid(f"credit-risk artifact: {exc!r}") from None
        self._checker = InputChecker(artifact.metadata.input_schema)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def raw_probabilities(self, items: Sequence[Mapping[str, Any]]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Uncalibrated (good, bad) probabilities from the logistic regression."""
        z = self.scorecard.log_odds_of_default(self.scorecard.woe_matrix(items))
        bad = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - bad, bad])

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        card = self.scorecard
        woe = card.woe_matrix(items)
        points = card.points(woe)
        z = card.log_odds_of_default(woe)
        raw = 1.0 / (1.0 + np.exp(-z))
        probs = self._calibrator.apply(np.column_stack([1.0 - raw, raw]))
        sets = self._conformal.sets(probs)
        names = [c.name for c in card.characteristics]
        out = []
        for i, item in enumerate(items):
            p_bad = float(probs[i, 1])
            label = LABELS[1] if p_bad >= 0.5 else LABELS[0]
            score = round(card.base_points + float(points[i].sum()))
            reasons = [
                Reason(code=name, text=text, contribution=-round(lost, 2))
                for name, text, lost in card.reasons(item, points[i])
            ]
            out.append(
                Prediction(
                    output={
                        "score": score,
                        "probability_of_default": p_bad,
                        "label": label,
                        "probabilities": {LABELS[0]: 1.0 - p_bad, LABELS[1]: p_bad},
                    },
                    confidence=max(p_bad, 1.0 - p_bad),
                    explanation=explanation(
                        {n: round(float(v), 2) for n, v in zip(names, points[i], strict=True)},
                        reasons,
                        base_points=round(card.base_points, 2),
                        unit="points",
                    ),
                    label=label,
                    prediction_set=sets[i],
                )
            )
        return out

"""The expense-anomaly model: rule features, gradient-boosted trees in ONNX, calibrated, with reason codes.

Its artifact holds ``model.onnx`` (a scikit-learn ``GradientBoostingClassifier`` over the
features of ``features.py``, exported with skl2onnx) and, in ``model.json``, the merchant
directory, the calibrator (isotonic, one-vs-rest) and the conformal threshold. The output's
``score`` is the calibrated probability that the claim is not normal; ``label`` is the most
probable class; the explanation lists each anomaly type at or above ``REASON_SHARE`` with its
sentence and probability, and the class probabilities as contributions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.expense_anomaly.features import featurize, reason_text
from officeflow.models.builtin.expense_anomaly.generator import LABELS, NORMAL
from officeflow.models.calibration import ConformalSets, ProbabilityCalibrator
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.flavours.onnx import onnx_session
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction, Reason

REASON_SHARE = 0.2


class ExpenseAnomalyModel:
    """Scores expense claims for anomalies; see the module docstring."""

    def __init__(self, artifact: Artifact, threads: int = 1) -> None:
        self._metadata = artifact.metadata
        self._session = onnx_session(artifact.file("model.onnx"), threads)
        self._input = self._session.get_inputs()[0].name
        try:
            self._merchants: dict[str, dict[str, float]] = dict(artifact.config["merchants"])
            self._calibrator = ProbabilityCalibrator.from_dict(artifact.config["calibrator"])
            self.conformal = ConformalSets.from_dict(artifact.config["conformal"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactInvalid(f"expense-anomaly artifact: {exc!r}") from None
        self._checker = InputChecker(artifact.metadata.input_schema)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def probabilities(self, items: Sequence[Mapping[str, Any]]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Calibrated class probabilities in ``LABELS`` order (the items are not checked)."""
        x, _ = featurize(items, self._merchants)
        raw = self._session.run(["probabilities"], {self._input: x})[0]
        return self._calibrator.apply(raw)

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        x, evidence = featurize(items, self._merchants)
        probs = self._calibrator.apply(self._session.run(["probabilities"], {self._input: x})[0])
        sets = self.conformal.sets(probs)
        best = probs.argmax(axis=1).tolist()
        out = []
        for i, (item, row) in enumerate(zip(items, probs.tolist(), strict=True)):
            label = LABELS[best[i]]
            by_label = dict(zip(LABELS, row, strict=True))
            flagged = [(kind, share) for kind, share in by_label.items() if kind != NORMAL and share >= REASON_SHARE]
            if len(flagged) > 1:
                flagged.sort(key=lambda kv: -kv[1])
            reasons = [
                Reason(code=kind, text=reason_text(kind, item["claim"], evidence[i]), contribution=round(share, 4))
                for kind, share in flagged
            ]
            out.append(
                Prediction(
                    output={"score": 1.0 - by_label[NORMAL], "label": label, "probabilities": by_label},
                    confidence=row[best[i]],
                    explanation={
                        "contributions": {k: round(v, 4) for k, v in by_label.items() if k != NORMAL},
                        "reasons": [r.as_dict() for r in reasons],
                        "unit": "probability",
                    },
                    label=label,
                    prediction_set=sets[i],
                )
            )
        return out

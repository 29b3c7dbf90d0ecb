"""A small real tabular classifier (scikit-learn, exported to ONNX) for the model-layer tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from officeflow.models import (
    Artifact,
    CalibrationMethod,
    Flavour,
    ModelMetadata,
    TabularSpec,
    conformalize,
    fit_calibrator,
    onnx_artifact,
    skops_artifact,
)

FEATURES = ("f0", "f1", "f2", "f3", "f4")
LABELS = ("no", "yes")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": list(FEATURES),
    "properties": {f: {"type": "number"} for f in FEATURES},
}


@dataclass
class Trained:
    pipeline: Pipeline
    spec: TabularSpec
    x_test: np.ndarray
    y_test: np.ndarray

    def items(self, n: int | None = None) -> list[dict[str, float]]:
        rows = self.x_test if n is None else self.x_test[:n]
        return [dict(zip(FEATURES, map(float, row), strict=True)) for row in rows]

    def metadata(self, flavour: Flavour) -> ModelMetadata:
        return ModelMetadata(
            name="toy",
            version="1",
            flavour=flavour,
            input_schema=SCHEMA,
            output_schema={"type": "object"},
            labels=LABELS,
        )

    def onnx(self) -> Artifact:
        graph = to_onnx(self.pipeline, self.x_test[:1].astype(np.float32), options={"zipmap": False}, target_opset=17)
        return onnx_artifact(self.metadata(Flavour.ONNX), graph.SerializeToString(), self.spec)

    def skops(self) -> Artifact:
        return skops_artifact(self.metadata(Flavour.SKOPS), self.pipeline, self.spec)


def train_toy(seed: int = 0) -> Trained:
    x, y = make_classification(3000, n_features=5, n_informative=3, random_state=seed)
    x = x.astype(np.float32)
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("forest", RandomForestClassifier(30, max_depth=6, random_state=0))]
    )
    pipeline.fit(x[:1500], y[:1500])
    calibrator = fit_calibrator(pipeline.predict_proba(x[1500:2000]), y[1500:2000], CalibrationMethod.ISOTONIC)
    conformal = conformalize(calibrator.apply(pipeline.predict_proba(x[2000:2500])), y[2000:2500], LABELS, 0.1)
    spec = TabularSpec(features=FEATURES, labels=LABELS, calibrator=calibrator, conformal=conformal)
    return Trained(pipeline=pipeline, spec=spec, x_test=x[2500:], y_test=y[2500:])

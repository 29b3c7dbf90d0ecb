"""Train the expense-anomaly model on generated claims, split by a seed.

The claims come from ``generator.generate(seed=0)`` (7,000 claims a year, about 15% anomalous);
``train(seed)`` splits them stratified by label (60% train, 10% calibration, 10%
conformalisation, 20% test), fits a ``GradientBoostingClassifier`` (80 trees of depth 3 per class)
on the features, exports it to ONNX, calibrates its probabilities (isotonic, one-vs-rest) and sets
the conformal threshold (alpha 0.05), then measures on the test part: precision and recall per
anomaly type (the predicted label against the true one), and for "any anomaly" the AUC of the score.

    python -m officeflow.models.builtin.expense_anomaly.train --seed 0 --json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Example, Splits, TrainResult, precision_recall, split_indices
from officeflow.models.builtin.expense_anomaly import features, generator
from officeflow.models.builtin.expense_anomaly.model import ExpenseAnomalyModel
from officeflow.models.calibration import CalibrationMethod, conformalize, fit_calibrator, measure_coverage
from officeflow.models.drift import build_reference
from officeflow.models.metadata import FeatureKind, Flavour, InputRange, ModelMetadata, data_digest
from officeflow.models.protocol import Model

NAME = "expense-anomaly"
ALPHA = 0.05
SHARES = (0.6, 0.1, 0.1, 0.2)
DATA_SEED = 0

OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["score", "label", "probabilities"],
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "probability the claim is anomalous"},
        "label": {"enum": list(generator.LABELS)},
        "probabilities": {"type": "object"},
    },
}


def _y(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.int64]]:
    index = {label: k for k, label in enumerate(generator.LABELS)}
    return np.array([index[e.label] for e in examples], dtype=np.int64)


class ExpenseAnomalyTrainer:
    """Trains and measures the expense-anomaly model (see the module docstring)."""

    name = NAME
    examples_are_inputs = True

    def base_examples(self) -> list[Example]:
        claims = generator.generate(DATA_SEED)
        return [Example(input=i, label=label) for i, label in generator.with_history(claims)]

    def split(self, examples: Sequence[Example], seed: int) -> Splits:
        parts = split_indices([e.label for e in examples], seed, SHARES)
        train, cal, conf, test = ([examples[i] for i in part] for part in parts)
        return Splits(train=train, calibration=cal, conformal=conf, test=test)

    def fit(self, splits: Splits, seed: int, version: str) -> Artifact:
        merchants = features.merchant_directory([e.input for e in splits.train])
        x_train, _ = features.featurize([e.input for e in splits.train], merchants)
        trees = GradientBoostingClassifier(n_estimators=80, max_depth=3, learning_rate=0.1, random_state=seed)
        trees.fit(x_train, _y(splits.train))
        if list(trees.classes_) != list(range(len(generator.LABELS))):
            raise ValueError("every label must occur in the training part")
        from skl2onnx import to_onnx  # heavy; needed only to train

        graph = to_onnx(trees, x_train[:1], options={id(trees): {"zipmap": False}}, target_opset=17)

        def raw(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.float64]]:
            x, _ = features.featurize([e.input for e in examples], merchants)
            return np.asarray(trees.predict_proba(x), dtype=np.float64)

        calibrator = fit_calibrator(raw(splits.calibration), _y(splits.calibration), CalibrationMethod.ISOTONIC)
        conformal = conformalize(
            calibrator.apply(raw(splits.conformal)), _y(splits.conformal), list(generator.LABELS), ALPHA
        )
        train_conf = calibrator.apply(raw(splits.train)).max(axis=1)
        inputs = [e.input for e in splits.train]
        amounts = [e.input["claim"]["amount"] for e in splits.train]
        metadata = ModelMetadata(
            name=NAME,
            version=version,
            flavour=Flavour.PYTHON,
            description="Expense claim anomaly score with reason codes (duplicates, splits, weekend, "
            "round amounts, over limit, merchant/category mismatch).",
            owner="officeflow",
            input_schema=features.INPUT_SCHEMA,
            output_schema=OUTPUT_SCHEMA,
            training_data_digest=data_digest([[dict(e.input), e.label] for e in splits.train]),
            labels=generator.LABELS,
            reference=build_reference(
                inputs,
                {
                    "claim.category": FeatureKind.CATEGORICAL,
                    "claim.amount": FeatureKind.NUMERIC,
                    "claim.merchant": FeatureKind.CATEGORICAL,
                },
                train_conf.tolist(),
            ),
            input_ranges={
                "claim.amount": InputRange(minimum=min(amounts), maximum=max(amounts)),
                "claim.merchant": InputRange(levels=tuple(sorted(merchants))),
            },
        )
        return Artifact(
            metadata=metadata,
            config={
                "builtin": NAME,
                "seed": seed,
                "data_seed": DATA_SEED,
                "features": list(features.FEATURES),
                "merchants": merchants,
                "calibrator": calibrator.as_dict(),
                "conformal": conformal.as_dict(),
            },
            files={"model.onnx": graph.SerializeToString()},
        )

    def load(self, artifact: Artifact) -> Model:
        return ExpenseAnomalyModel(artifact)

    def evaluate(self, model: Model, examples: Sequence[Example]) -> dict[str, float]:
        predictions = model.predict([e.input for e in examples])
        truth = [e.label for e in examples]
        predicted = [p.label for p in predictions]
        metrics: dict[str, float] = {}
        for kind in generator.TYPES:
            precision, recall, support = precision_recall([p == kind for p in predicted], [t == kind for t in truth])
            metrics[f"{kind}_precision"] = precision
            metrics[f"{kind}_recall"] = recall
            metrics[f"{kind}_support"] = support
        anomalous = [t != generator.NORMAL for t in truth]
        scores = [float(p.output["score"]) for p in predictions]
        precision, recall, _ = precision_recall([s >= 0.5 for s in scores], anomalous)
        metrics.update(
            {"any_precision": precision, "any_recall": recall, "any_auc": float(roc_auc_score(anomalous, scores))}
        )
        conformal = getattr(model, "conformal", None)
        if conformal is not None:
            probs = np.array([[p.output["probabilities"][label] for label in generator.LABELS] for p in predictions])
            coverage = measure_coverage(conformal, probs, _y(examples))
            metrics.update({f"conformal_{k}": v for k, v in coverage.as_dict().items() if k not in ("alpha", "rows")})
        return metrics


def train(seed: int, version: str = "1") -> TrainResult:
    """Train on the split chosen by ``seed``; the metrics are on the held-out test part."""
    trainer = ExpenseAnomalyTrainer()
    splits = trainer.split(trainer.base_examples(), seed)
    artifact = trainer.fit(splits, seed, version)
    metrics = trainer.evaluate(trainer.load(artifact), splits.test)
    metadata = replace(artifact.metadata, metrics={k: round(v, 6) for k, v in metrics.items()})
    artifact = Artifact(metadata=metadata, config=artifact.config, files=artifact.files)
    sizes = {k: len(getattr(splits, k)) for k in ("train", "calibration", "conformal", "test")}
    return TrainResult(name=NAME, seed=seed, metrics=metrics, artifact=artifact, details={"rows": sizes})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=0, help="chooses the train/test split (default 0)")
    parser.add_argument("--json", action="store_true", help="print the held-out metrics as one JSON object")
    args = parser.parse_args(argv)
    result = train(args.seed)
    if args.json:
        print(json.dumps(result.summary()))
    else:
        for key, value in result.metrics.items():
            print(f"{key:28} {value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

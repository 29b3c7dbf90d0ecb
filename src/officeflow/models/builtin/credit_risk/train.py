"""Train the credit-risk scorecard on a split of the German Credit data chosen by a seed.

``train(seed)`` splits the applicants (stratified: 60% train, 10% calibration, 10%
conformalisation, 20% test), bins each characteristic on the training part with ``optbinning``
(optimal binning, weights of evidence monotone in each number), keeps those whose information value
is at least 0.02, fits a logistic regression on the weights of evidence, calibrates its
probabilities (sigmoid) on the calibration part, sets the conformal threshold (alpha 0.1) on the
conformalisation part, and measures AUC, Brier score and KS on the test part.

    python -m officeflow.models.builtin.credit_risk.train --seed 7 --json
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from pandas.errors import Pandas4Warning
from sklearn.linear_model import LogisticRegression

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Example, Splits, TrainResult, binary_metrics, split_indices
from officeflow.models.builtin.credit_risk import data
from officeflow.models.builtin.credit_risk.model import CreditRiskModel
from officeflow.models.builtin.credit_risk.scorecard import Characteristic, Scorecard
from officeflow.models.calibration import (
    CalibrationMethod,
    conformalize,
    expected_calibration_error,
    fit_calibrator,
    measure_coverage,
)
from officeflow.models.drift import build_reference
from officeflow.models.errors import TrainingFailed
from officeflow.models.inputs import training_ranges
from officeflow.models.metadata import FeatureKind, Flavour, ModelMetadata, data_digest
from officeflow.models.protocol import Model

NAME = "credit-risk"
ALPHA = 0.1
MIN_IV = 0.02
SHARES = (0.6, 0.1, 0.1, 0.2)


def _y(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.array([1 if e.label == "bad" else 0 for e in examples], dtype=np.int64)


def _frame(examples: Sequence[Example]) -> pd.DataFrame:
    return pd.DataFrame([dict(e.input) for e in examples], columns=list(data.FEATURES))


def _characteristics(examples: Sequence[Example]) -> list[Characteristic]:
    from optbinning import BinningProcess  # heavy (a solver); needed only to train

    with warnings.catch_warnings():
        # optbinning's binning table appends its totals row in a way pandas 3 deprecates (harmless here)
        warnings.filterwarnings("ignore", category=Pandas4Warning, module=r"optbinning\.")
        process = BinningProcess(
            list(data.FEATURES),
            categorical_variables=list(data.CATEGORICAL),
            selection_criteria={"iv": {"min": MIN_IV}},
            binning_fit_params={name: {"monotonic_trend": "auto_asc_desc"} for name in data.NUMERIC},
        ).fit(_frame(examples), _y(examples))
        tables = {name: process.get_binned_variable(name).binning_table.build() for name in data.FEATURES}
    chosen = set(process.get_support(names=True))
    if not chosen:
        raise TrainingFailed(
            f"credit-risk: no characteristic has an information value of at least {MIN_IV} in the training data "
            "(are the labels right?)"
        )
    out = []
    for name in data.FEATURES:
        if name not in chosen:
            continue
        binned = process.get_binned_variable(name)
        table = tables[name]
        woe = tuple(float(w) for w in table["WoE"].iloc[: len(table) - 3])  # drop Special, Missing, Totals
        if name in data.CATEGORICAL:
            groups = tuple(tuple(str(v) for v in group) for group in binned.splits)
            out.append(Characteristic(name=name, groups=groups, woe=woe))
        else:
            out.append(Characteristic(name=name, splits=tuple(float(s) for s in binned.splits), woe=woe))
    return out


class CreditRiskTrainer:
    """Trains and measures the credit-risk scorecard (see the module docstring)."""

    name = NAME
    examples_are_inputs = True

    def base_examples(self) -> list[Example]:
        return data.load_examples()

    def split(self, examples: Sequence[Example], seed: int) -> Splits:
        parts = split_indices([e.label for e in examples], seed, SHARES)
        train, cal, conf, test = ([examples[i] for i in part] for part in parts)
        return Splits(train=train, calibration=cal, conformal=conf, test=test)

    def fit(self, splits: Splits, seed: int, version: str) -> Artifact:
        characteristics = _characteristics(splits.train)
        bins = Scorecard(
            characteristics=tuple(characteristics), coefficients=(0.0,) * len(characteristics), intercept=0
        )
        lr = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
        lr.fit(bins.woe_matrix([e.input for e in splits.train]), _y(splits.train))
        card = Scorecard.from_parts(bins.bins_as_dict(), lr.coef_[0].tolist(), float(lr.intercept_[0]))

        def raw(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.float64]]:
            p = 1.0 / (1.0 + np.exp(-card.log_odds_of_default(card.woe_matrix([e.input for e in examples]))))
            return np.column_stack([1.0 - p, p])

        calibrator = fit_calibrator(raw(splits.calibration), _y(splits.calibration), CalibrationMethod.SIGMOID)
        conformal = conformalize(
            calibrator.apply(raw(splits.conformal)), _y(splits.conformal), list(data.LABELS), ALPHA
        )
        train_conf = calibrator.apply(raw(splits.train)).max(axis=1)
        kinds = {f: FeatureKind.CATEGORICAL if f in data.CATEGORICAL else FeatureKind.NUMERIC for f in data.FEATURES}
        inputs = [e.input for e in splits.train]
        metadata = ModelMetadata(
            name=NAME,
            version=version,
            flavour=Flavour.PYTHON,
            description="Credit risk scorecard on the German Credit data: score, probability of default, reason codes.",
            owner="officeflow",
            input_schema=data.input_schema(splits.train + splits.calibration + splits.conformal + splits.test),
            output_schema=data.OUTPUT_SCHEMA,
            training_data_digest=data_digest([[dict(e.input), e.label] for e in splits.train]),
            labels=data.LABELS,
            reference=build_reference(inputs, kinds, train_conf.tolist()),
            input_ranges=training_ranges(
                {f: [i[f] for i in inputs] for f in data.FEATURES}, categorical=data.CATEGORICAL
            ),
        )
        buffer = io.BytesIO(sio.dumps(lr))
        return Artifact(
            metadata=metadata,
            config={
                "builtin": NAME,
                "seed": seed,
                "calibrator": calibrator.as_dict(),
                "conformal": conformal.as_dict(),
            },
            files={
                "model.skops": buffer.getvalue(),
                "scorecard.json": (json.dumps(card.bins_as_dict(), indent=1) + "\n").encode(),
            },
        )

    def load(self, artifact: Artifact) -> Model:
        return CreditRiskModel(artifact)

    def evaluate(self, model: Model, examples: Sequence[Example]) -> dict[str, float]:
        predictions = model.predict([e.input for e in examples])
        probs = np.array([[p.output["probabilities"][label] for label in data.LABELS] for p in predictions])
        y = _y(examples)
        metrics = binary_metrics(y, probs[:, 1])
        metrics["ece"] = expected_calibration_error(probs, y)
        conformal = getattr(model, "_conformal", None)
        if conformal is not None:
            coverage = measure_coverage(conformal, probs, y)
            metrics.update({f"conformal_{k}": v for k, v in coverage.as_dict().items() if k not in ("alpha", "rows")})
        return metrics


def train(seed: int, version: str = "1") -> TrainResult:
    """Train on the split chosen by ``seed``; the metrics are on the held-out test part."""
    trainer = CreditRiskTrainer()
    splits = trainer.split(trainer.base_examples(), seed)
    artifact = trainer.fit(splits, seed, version)
    metrics = trainer.evaluate(trainer.load(artifact), splits.test)
    artifact = Artifact(
        metadata=_with_metrics(artifact.metadata, metrics), config=artifact.config, files=artifact.files
    )
    sizes = {k: len(getattr(splits, k)) for k in ("train", "calibration", "conformal", "test")}
    return TrainResult(name=NAME, seed=seed, metrics=metrics, artifact=artifact, details={"rows": sizes})


def _with_metrics(metadata: ModelMetadata, metrics: dict[str, float]) -> ModelMetadata:
    from dataclasses import replace

    return replace(metadata, metrics={k: round(v, 6) for k, v in metrics.items()})


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

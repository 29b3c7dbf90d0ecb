"""The built-in models by name: their trainers and their committed artifacts.

``BUILTINS`` maps each name to a ``Builtin``: its model class, how to train it and where its
committed artifact lives (``<package>/artifact/``, written by the model's ``evaluate`` module). ``load_builtin(name)``
returns the committed version as a ``Model``; ``load_artifact(artifact)`` rebuilds a model from any
artifact whose config names a built-in (a retrained candidate, or one kept by the registry).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Trainer
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.protocol import Model

HERE = Path(__file__).parent


@dataclass(frozen=True, kw_only=True)
class Builtin:
    """A built-in model: its name, its model and trainer classes (``module:Class``, imported on first
    use, so that importing the model layer imports no model's code), its artifact's folder."""

    name: str
    model_class: str
    trainer_class: str
    folder: Path

    def trainer(self) -> Trainer:
        return cast(Trainer, _resolve(self.trainer_class)())

    def model(self, artifact: Artifact) -> Model:
        return cast(Model, _resolve(self.model_class)(artifact))

    @property
    def artifact_dir(self) -> Path:
        return self.folder / "artifact"

    def artifact(self) -> Artifact:
        return Artifact.read(self.artifact_dir)


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


_PACKAGE = "officeflow.models.builtin"
BUILTINS: dict[str, Builtin] = {
    "credit-risk": Builtin(
        name="credit-risk",
        model_class=f"{_PACKAGE}.credit_risk.model:CreditRiskModel",
        trainer_class=f"{_PACKAGE}.credit_risk.train:CreditRiskTrainer",
        folder=HERE / "credit_risk",
    ),
    "expense-anomaly": Builtin(
        name="expense-anomaly",
        model_class=f"{_PACKAGE}.expense_anomaly.model:ExpenseAnomalyModel",
        trainer_class=f"{_PACKAGE}.expense_anomaly.train:ExpenseAnomalyTrainer",
        folder=HERE / "expense_anomaly",
    ),
    "sensor-anomaly": Builtin(
        name="sensor-anomaly",
        model_class=f"{_PACKAGE}.sensor_anomaly.model:SensorAnomalyModel",
        trainer_class=f"{_PACKAGE}.sensor_anomaly.train:SensorAnomalyTrainer",
        folder=HERE / "sensor_anomaly",
    ),
}


def builtin(name: str) -> Builtin:
    try:
        return BUILTINS[name]
    except KeyError:
        known = ", ".join(sorted(BUILTINS))
        raise ModelArtifactInvalid(f"no built-in model named {name!r} (built-in models: {known})") from None


def load_builtin(name: str) -> Model:
    """The committed version of a built-in model."""
    spec = builtin(name)
    return spec.model(spec.artifact())


def load_artifact(artifact: Artifact) -> Model:
    """A built-in model from an artifact whose config names it (``config["builtin"]``)."""
    name = artifact.config.get("builtin")
    if not isinstance(name, str):
        raise ModelArtifactInvalid(f"model {artifact.metadata.name}: the artifact names no built-in model")
    return builtin(name).model(artifact)

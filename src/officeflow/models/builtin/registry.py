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
    folder: Path | None
    """``None``: a kind of model whose versions users train (a label set); nothing is committed."""
    artifact_folder: Path | None = None
    """Where the committed artifact is, when not in ``<folder>/artifact`` (the language models')."""
    trainer_takes_production: bool = False
    """The trainer is built from the production version (a label set's trainer keeps its examples)."""

    def trainer(self, production: Artifact | None = None) -> Trainer:
        cls = _resolve(self.trainer_class)
        return cast(Trainer, cls(production) if self.trainer_takes_production else cls())

    def model(self, artifact: Artifact) -> Model:
        return cast(Model, _resolve(self.model_class)(artifact))

    @property
    def artifact_dir(self) -> Path:
        if self.artifact_folder is not None:
            return self.artifact_folder
        if self.folder is None:
            raise ModelArtifactInvalid(f"{self.name}: users train its versions; no version is committed")
        return self.folder / "artifact"

    def artifact(self) -> Artifact:
        return Artifact.read(self.artifact_dir)


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


_PACKAGE = "officeflow.models.builtin"
_LANGUAGE = "officeflow.language"
"""The language models live in ``officeflow.language`` (which imports this layer, so this layer names
their classes as text and never imports them at load time)."""
_LANGUAGE_MODELS = HERE.parents[1] / "language" / "data" / "models"
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
    "ticket-triage": Builtin(
        name="ticket-triage",
        model_class=f"{_LANGUAGE}.builtin:BuiltinTextModel",
        trainer_class=f"{_LANGUAGE}.builtin:TicketTriageTrainer",
        folder=None,
        artifact_folder=_LANGUAGE_MODELS / "ticket-triage",
    ),
    "email-intent": Builtin(
        name="email-intent",
        model_class=f"{_LANGUAGE}.builtin:BuiltinTextModel",
        trainer_class=f"{_LANGUAGE}.builtin:EmailIntentTrainer",
        folder=None,
        artifact_folder=_LANGUAGE_MODELS / "email-intent",
    ),
}

TRAINED_BY_USERS: dict[str, Builtin] = {
    "label-set": Builtin(
        name="label-set",
        model_class=f"{_LANGUAGE}.builtin:BuiltinTextModel",
        trainer_class=f"{_LANGUAGE}.labelsets:LabelSetTrainer",
        folder=None,
        trainer_takes_production=True,
    ),
}
"""Kinds of built-in model with no committed version: users train theirs (``officeflow models labels
train``), and the artifact's ``config["builtin"]`` names the kind, so ``load_model`` and ``retrain`` find it."""


def builtin(name: str) -> Builtin:
    try:
        return BUILTINS[name] if name in BUILTINS else TRAINED_BY_USERS[name]
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

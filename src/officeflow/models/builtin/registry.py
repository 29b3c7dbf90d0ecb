"""The built-in models by name: their trainers and their committed artifacts.

``BUILTINS`` maps each name to a ``Builtin``: how to train it and where its committed artifact
lives (``<package>/artifact/``, written by the model's ``evaluate`` module). ``load_builtin(name)``
returns the committed version as a ``Model``; ``load_artifact(artifact)`` rebuilds a model from any
artifact whose config names a built-in (a retrained candidate, or one kept by the registry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Trainer
from officeflow.models.builtin.credit_risk.train import CreditRiskTrainer
from officeflow.models.builtin.expense_anomaly.train import ExpenseAnomalyTrainer
from officeflow.models.builtin.sensor_anomaly.train import SensorAnomalyTrainer
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.protocol import Model

HERE = Path(__file__).parent


@dataclass(frozen=True, kw_only=True)
class Builtin:
    """A built-in model: its name, its trainer, its committed artifact's folder."""

    name: str
    trainer: Callable[[], Trainer]
    folder: Path

    @property
    def artifact_dir(self) -> Path:
        return self.folder / "artifact"

    def artifact(self) -> Artifact:
        return Artifact.read(self.artifact_dir)


BUILTINS: dict[str, Builtin] = {
    "credit-risk": Builtin(name="credit-risk", trainer=CreditRiskTrainer, folder=HERE / "credit_risk"),
    "expense-anomaly": Builtin(name="expense-anomaly", trainer=ExpenseAnomalyTrainer, folder=HERE / "expense_anomaly"),
    "sensor-anomaly": Builtin(name="sensor-anomaly", trainer=SensorAnomalyTrainer, folder=HERE / "sensor_anomaly"),
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
    return spec.trainer().load(spec.artifact())


def load_artifact(artifact: Artifact) -> Model:
    """A built-in model from an artifact whose config names it (``config["builtin"]``)."""
    name = artifact.config.get("builtin")
    if not isinstance(name, str):
        raise ModelArtifactInvalid(f"model {artifact.metadata.name}: the artifact names no built-in model")
    return builtin(name).trainer().load(artifact)

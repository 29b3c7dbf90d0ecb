"""What a model version says about itself: identity, schemas, metrics, and its training reference.

``ModelMetadata`` is what the registry stores beside the artifact. The training reference holds,
per input feature, the bins of the training distribution (numeric cut points from training
quantiles, or categorical levels) with the share of training rows in each bin, and the same for
the model's confidence; drift is measured against it (``officeflow.models.drift``). The input
ranges say what the model saw in training, so a workflow can send an input outside them to a
person (``officeflow.models.ranges``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from officeflow import jsonutil
from officeflow.models.errors import ModelArtifactInvalid


class Flavour(StrEnum):
    """How a model version is stored and run."""

    ONNX = "onnx"
    """An ONNX graph run by onnxruntime."""
    SKOPS = "skops"
    """A scikit-learn estimator saved with skops, loaded with an explicit trusted-types list."""
    PYTHON = "python"
    """A Python callable (built-in models and user code)."""
    OIP = "oip"
    """A remote model spoken to over the Open Inference Protocol (KServe V2 REST)."""


class FeatureKind(StrEnum):
    """How a feature's distribution is binned."""

    NUMERIC = "numeric"
    """Cut points from training quantiles; values below the first or above the last fall in the end bins."""
    CATEGORICAL = "categorical"
    """One bin per training level, plus one for levels never seen in training."""


@dataclass(frozen=True, kw_only=True)
class FeatureReference:
    """A feature's training distribution as bins and the share of training rows in each.

    Numeric: ``edges`` are the inner cut points (n edges make n + 1 bins). Categorical: ``levels``
    are the training levels and the last proportion is the "unseen level" bin.
    """

    kind: FeatureKind
    proportions: tuple[float, ...]
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "proportions": list(self.proportions),
            "edges": list(self.edges),
            "levels": list(self.levels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureReference:
        return cls(
            kind=FeatureKind(data["kind"]),
            proportions=tuple(float(p) for p in data["proportions"]),
            edges=tuple(float(e) for e in data.get("edges", ())),
            levels=tuple(str(v) for v in data.get("levels", ())),
        )


@dataclass(frozen=True, kw_only=True)
class TrainingReference:
    """The training distributions drift is measured against: each input feature and the confidence."""

    features: Mapping[str, FeatureReference]
    confidence: FeatureReference | None
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": {name: ref.as_dict() for name, ref in self.features.items()},
            "confidence": self.confidence.as_dict() if self.confidence else None,
            "rows": self.rows,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingReference:
        conf = data.get("confidence")
        return cls(
            features={name: FeatureReference.from_dict(ref) for name, ref in data["features"].items()},
            confidence=FeatureReference.from_dict(conf) if conf else None,
            rows=int(data["rows"]),
        )


@dataclass(frozen=True, kw_only=True)
class InputRange:
    """The values a feature took in training: ``minimum``/``maximum`` for numbers, ``levels`` for categories."""

    minimum: float | None = None
    maximum: float | None = None
    levels: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"minimum": self.minimum, "maximum": self.maximum}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputRange:
        if "levels" in data:
            return cls(levels=tuple(str(v) for v in data["levels"]))
        return cls(minimum=data.get("minimum"), maximum=data.get("maximum"))


@dataclass(frozen=True, kw_only=True)
class ModelMetadata:
    """One model version's identity and the facts the registry, the step and the console show."""

    name: str
    version: str
    flavour: Flavour
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any]
    description: str = ""
    owner: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)
    training_data_digest: str = ""
    labels: tuple[str, ...] = ()
    reference: TrainingReference | None = None
    input_ranges: Mapping[str, InputRange] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "flavour": self.flavour.value,
            "description": self.description,
            "owner": self.owner,
            "input_schema": dict(self.input_schema),
            "output_schema": dict(self.output_schema),
            "metrics": dict(self.metrics),
            "training_data_digest": self.training_data_digest,
            "labels": list(self.labels),
            "reference": self.reference.as_dict() if self.reference else None,
            "input_ranges": {name: r.as_dict() for name, r in self.input_ranges.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "metadata") -> ModelMetadata:
        flavour = data.get("flavour")
        if flavour not in {f.value for f in Flavour}:
            known = ", ".join(f.value for f in Flavour)
            raise ModelArtifactInvalid(f"{source}: flavour must be one of {known}, not {flavour!r}")
        try:
            ref = data.get("reference")
            return cls(
                name=str(data["name"]),
                version=str(data["version"]),
                flavour=Flavour(data["flavour"]),
                description=str(data.get("description", "")),
                owner=str(data.get("owner", "")),
                input_schema=dict(data.get("input_schema") or {}),
                output_schema=dict(data.get("output_schema") or {}),
                metrics={str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
                training_data_digest=str(data.get("training_data_digest", "")),
                labels=tuple(str(v) for v in data.get("labels") or ()),
                reference=TrainingReference.from_dict(ref) if ref else None,
                input_ranges={k: InputRange.from_dict(v) for k, v in (data.get("input_ranges") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactInvalid(f"{source}: model metadata is not valid: {exc!r}") from None


def feature_value(item: Mapping[str, Any], name: str) -> Any:
    """The value a feature name points at in a model input: ``amount``, or ``claim.amount`` in nested objects.

    Drift references and training ranges name features this way, so they apply to the model's
    inputs as they are. A missing key gives ``None``.
    """
    value: Any = item
    for key in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def data_digest(rows: Iterable[Any]) -> str:
    """A stable SHA-256 digest of training rows (any JSON values), written ``sha256:<hex>``."""
    h = hashlib.sha256()
    for row in rows:
        h.update(jsonutil.dumps(row).encode())
        h.update(b"\n")
    return "sha256:" + h.hexdigest()

"""Request and response bodies of the model registry endpoints (/v1/models)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from officeflow.api.schemas import Input, Model
from officeflow.clock import iso
from officeflow.modelops import Change, ModelPathCount, ModelStageChange, ModelSummary, ModelVersionRow
from officeflow.models import Prediction

ModelName = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", min_length=1, max_length=100)
VersionName = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$", min_length=1, max_length=64)
Stage = Literal["candidate", "shadow", "canary", "production", "retired"]


class ModelSummaryOut(Model):
    name: str
    description: str
    owner: str
    versions: int
    production: str | None = Field(description="the version that decides (null: none)")
    canary: str | None
    canary_share: float = Field(description="the share of runs the canary decides for")
    shadows: list[str]

    @classmethod
    def of(cls, summary: ModelSummary) -> ModelSummaryOut:
        return cls(
            name=summary.name,
            description=summary.description,
            owner=summary.owner,
            versions=summary.versions,
            production=summary.production,
            canary=summary.canary,
            canary_share=summary.canary_share,
            shadows=list(summary.shadows),
        )


class ModelVersionOut(Model):
    name: str
    version: str
    flavour: str = Field(description="onnx, skops, python or oip")
    stage: Stage
    share: float
    description: str
    owner: str
    metrics: dict[str, float]
    training_data_digest: str
    artifact_digest: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    labels: list[str]
    created_at: str | None
    created_by: str | None
    changed_at: str | None
    changed_by: str | None

    @classmethod
    def of(cls, row: ModelVersionRow) -> ModelVersionOut:
        return cls(
            name=row.name,
            version=row.version,
            flavour=row.flavour,
            stage=row.stage.value,
            share=row.share,
            description=row.description,
            owner=row.owner,
            metrics={str(k): float(v) for k, v in dict(row.metrics).items()},
            training_data_digest=row.training_data_digest,
            artifact_digest=row.artifact_digest,
            input_schema=dict(row.input_schema),
            output_schema=dict(row.output_schema),
            labels=[str(v) for v in (row.metadata or {}).get("labels") or []],
            created_at=iso(row.created_at),
            created_by=row.created_by,
            changed_at=iso(row.changed_at),
            changed_by=row.changed_by,
        )


class StageChangeOut(Model):
    version: str
    action: str = Field(description="register, promote or rollback")
    from_stage: str | None
    to_stage: str
    share: float
    reason: str | None
    at: str | None
    actor: str | None

    @classmethod
    def of(cls, change: ModelStageChange) -> StageChangeOut:
        return cls(
            version=change.version,
            action=change.action,
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            share=change.share,
            reason=change.reason,
            at=iso(change.at),
            actor=change.actor,
        )


class PathCountOut(Model):
    version: str
    path: str = Field(description="model, table, person or shadow")
    count: int

    @classmethod
    def of(cls, count: ModelPathCount) -> PathCountOut:
        return cls(version=count.version, path=count.path.value, count=count.count)


class ModelOut(Model):
    name: str
    versions: list[ModelVersionOut]
    history: list[StageChangeOut] = Field(description="the latest stage changes, newest first")
    paths: list[PathCountOut] = Field(description="how many model step calls ended on each path, per version")


class EndpointIn(Input):
    base_url: str = Field(min_length=1, max_length=2000, description="the server, e.g. https://models.example.com")
    model: str = Field(min_length=1, max_length=200, description="the model's name on the server")
    version: str | None = Field(None, min_length=1, max_length=100)
    output: str = Field("predict_proba", min_length=1, max_length=200, description="the output to read")
    timeout: float = Field(10.0, gt=0, le=300, description="seconds to wait for an answer")
    retries: int = Field(2, ge=0, le=10, description="further attempts after a connection error or a 5xx")


class RegisterIn(Input):
    version: str = VersionName
    flavour: Literal["onnx", "skops", "oip"]
    input_schema: dict[str, Any] = Field(description="JSON Schema of one input item")
    output_schema: dict[str, Any] = Field(default_factory=dict)
    features: list[str] = Field(min_length=1, max_length=1000, description="input fields, in the model's column order")
    labels: list[str] = Field(default_factory=list, max_length=1000, description="class labels, in the model's order")
    task: Literal["classification", "regression"] = "classification"
    content: str | None = Field(
        None,
        max_length=70_000_000,
        pattern=r"^[A-Za-z0-9+/\s]*={0,2}\s*$",
        description="the ONNX or skops file, base64",
        json_schema_extra={"contentEncoding": "base64"},
    )
    trusted_types: list[str] = Field(
        default_factory=list, max_length=200, description="skops: the types the file may hold (you vouch for them)"
    )
    endpoint: EndpointIn | None = Field(None, description="oip: where the model is served")
    stage: Stage = "candidate"
    share: float | None = Field(None, gt=0, lt=1, description="a canary's share of runs")
    description: str = Field("", max_length=2000)
    owner: str = Field("", max_length=200)
    metrics: dict[str, float] = Field(default_factory=dict)
    training_data_digest: str = Field("", max_length=200)


class PromoteIn(Input):
    version: str = VersionName
    stage: Stage
    share: float | None = Field(None, gt=0, lt=1, description="a canary's share of runs (0 < share < 1)")
    reason: str | None = Field(None, max_length=2000)


class RollbackIn(Input):
    reason: str | None = Field(None, max_length=2000)


class ChangeOut(Model):
    version: str
    before: str
    after: str
    share: float

    @classmethod
    def of(cls, change: Change) -> ChangeOut:
        return cls(version=change.version, before=change.before.value, after=change.after.value, share=change.share)


class PredictIn(Input):
    items: list[dict[str, Any]] = Field(min_length=1, max_length=100, description="input items (JSON objects)")


class PredictionOut(Model):
    output: Any
    confidence: float | None = Field(description="a calibrated probability of the label, or null")
    label: str | None
    prediction_set: list[str] | None
    decides_alone: bool
    explanation: dict[str, Any]

    @classmethod
    def of(cls, prediction: Prediction) -> PredictionOut:
        data = prediction.as_dict()
        return cls(**data, decides_alone=prediction.decides_alone)


class PredictOut(Model):
    name: str
    version: str
    predictions: list[PredictionOut]

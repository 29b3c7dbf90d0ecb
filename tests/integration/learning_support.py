"""What the feedback, retraining and drift tests share: a built-in model registered in a tenant,
and predictions of the real model recorded as the ``model`` step records them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from officeflow import Office
from officeflow.ids import uuid7
from officeflow.models import Artifact
from officeflow.models.builtin.credit_risk import data
from officeflow.models.builtin.registry import builtin, load_artifact
from officeflow.store.tx_models import ModelPredictionRow, ModelStage, ModelVersionRow, PredictionPath

TENANT = "default"


def credit_inputs() -> list[dict[str, Any]]:
    """The applicants of the German Credit data (the model's training population)."""
    return [dict(e.input) for e in data.load_examples()]


def register(office: Office, artifact: Artifact, stage: ModelStage, *, tenant: str = TENANT) -> ModelVersionRow:
    """Register ``artifact`` at ``stage`` (straight into the registry's tables)."""
    meta = artifact.metadata
    now = office.now()
    row = ModelVersionRow(
        tenant=tenant,
        name=meta.name,
        version=meta.version,
        flavour=meta.flavour.value,
        description=meta.description,
        owner=meta.owner,
        input_schema=dict(meta.input_schema),
        output_schema=dict(meta.output_schema),
        metrics=dict(meta.metrics),
        training_data_digest=meta.training_data_digest,
        metadata=meta.as_dict(),
        config=dict(artifact.config),
        artifact_digest=artifact.digest(),
        stage=stage,
        share=0.0,
        created_at=now,
        created_by="test",
        changed_at=now,
        changed_by="test",
    )
    office.store.run(lambda tx: tx.add_model_version(row, artifact.files))
    return row


def credit_risk() -> Artifact:
    return builtin("credit-risk").artifact()


def record_predictions(
    office: Office,
    artifact: Artifact,
    inputs: Sequence[Mapping[str, Any]],
    *,
    at: float,
    tenant: str = TENANT,
    shadow: bool = False,
) -> list[ModelPredictionRow]:
    """Score ``inputs`` with the real model and record each call as a ``model`` step does."""
    model = load_artifact(artifact)
    predictions = model.predict(list(inputs))
    rows = [
        ModelPredictionRow(
            id=uuid7(),
            tenant=tenant,
            run_id=uuid7(),
            workflow="credit",
            step_id="score",
            iteration=0,
            model=artifact.metadata.name,
            version=artifact.metadata.version,
            shadow=shadow,
            input_digest="sha256:" + str(i),
            input=dict(item),
            output=p.output,
            confidence=p.confidence,
            label=p.label,
            prediction_set=p.prediction_set,
            explanation=dict(p.explanation) if p.explanation else None,
            latency_ms=1.0,
            path=PredictionPath.SHADOW if shadow else PredictionPath.MODEL,
            reason=None,
            error=None,
            at=at,
        )
        for i, (item, p) in enumerate(zip(inputs, predictions, strict=True))
    ]

    def body(tx: Any) -> None:
        for row in rows:
            tx.put_model_prediction(row)

    office.store.run(body)
    return rows

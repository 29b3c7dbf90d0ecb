"""/v1/models: the model registry: list, show, register, promote, roll back, try a version.

Models belong to the tenant. Reading and trying a version need ``models.read``; registering,
promoting and rolling back need ``models.write``. Each stage change is kept in the model's
history and written to the audit log.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office, settings
from officeflow.api.schemas_models import (
    ChangeOut,
    ModelOut,
    ModelSummaryOut,
    ModelVersionOut,
    PathCountOut,
    PredictIn,
    PredictionOut,
    PredictOut,
    PromoteIn,
    RegisterIn,
    RollbackIn,
    StageChangeOut,
)
from officeflow.errors import Problem, RequestInvalid
from officeflow.modelops import ModelStage
from officeflow.modelops.uploads import Upload, artifact_of
from officeflow.models import ModelInputInvalid

router = APIRouter(prefix="/v1/models", tags=["models"])
NAME = Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", max_length=100, description="the model's name")
VERSION = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$", max_length=64, description="a version of it")


def _decoded(content: str | None) -> bytes | None:
    if content is None:
        return None
    try:
        return base64.b64decode(content, validate=False)
    except binascii.Error as exc:
        raise RequestInvalid(
            [Problem(pointer="/content", message=f"not base64: {exc}", expected="the file, base64")],
            "the model file is not base64",
        ) from None


@router.get("", response_model=list[ModelSummaryOut], **guarded("models.read"))
def list_models(request: Request) -> list[ModelSummaryOut]:
    """Every model of the tenant with its production version, canary (and share) and shadows."""
    return [ModelSummaryOut.of(s) for s in office(request).queries.models.models(principal_of(request).tenant)]


@router.get("/{name}", response_model=ModelOut, **guarded("models.read"))
def get_model(request: Request, name: str = NAME) -> ModelOut:
    """A model's versions, its latest stage changes and how many step calls ended on each path."""
    versions, history, paths = office(request).queries.models.model(principal_of(request).tenant, name)
    return ModelOut(
        name=name,
        versions=[ModelVersionOut.of(v) for v in versions],
        history=[StageChangeOut.of(h) for h in history],
        paths=[PathCountOut.of(p) for p in paths],
    )


@router.get("/{name}/versions/{version}", response_model=ModelVersionOut, **guarded("models.read"))
def get_version(request: Request, name: str = NAME, version: str = VERSION) -> ModelVersionOut:
    """One version: flavour, stage, schemas, metrics, digests."""
    return ModelVersionOut.of(office(request).queries.models.version(principal_of(request).tenant, name, version))


@router.post(
    "/{name}/versions",
    response_model=ModelVersionOut,
    status_code=201,
    **guarded("models.write"),
)
def register_version(request: Request, body: RegisterIn, name: str = NAME) -> Any:
    """Register a version: an ONNX graph or a skops file (base64, loaded to check it; a skops file
    only with the types listed in ``trusted_types``, never as a plain pickle), or a remote model
    served over the Open Inference Protocol. It starts as a candidate unless ``stage`` says
    otherwise; an existing name and version answers 409."""
    principal = principal_of(request)
    upload = Upload(
        name=name,
        version=body.version,
        flavour=body.flavour,
        input_schema=body.input_schema,
        output_schema=body.output_schema,
        features=body.features,
        labels=body.labels,
        task=body.task,
        content=_decoded(body.content),
        trusted_types=body.trusted_types,
        endpoint=body.endpoint.model_dump() if body.endpoint else None,
        description=body.description,
        owner=body.owner or principal.actor,
        metrics=body.metrics,
        training_data_digest=body.training_data_digest,
    )
    artifact = artifact_of(upload, http_allow=settings(request).http_allowlist)
    row = office(request).models.register(
        principal.tenant, artifact, actor=principal.actor, stage=ModelStage(body.stage), share=body.share
    )
    return JSONResponse(ModelVersionOut.of(row).model_dump(mode="json"), status_code=201)


@router.post("/{name}/promote", response_model=list[ChangeOut], **guarded("models.write"))
def promote(request: Request, body: PromoteIn, name: str = NAME) -> list[ChangeOut]:
    """Put a version at a stage (a canary with its ``share``). Promoting to production retires the
    version it replaces; a new canary sends the old one back to candidate. The changes made."""
    principal = principal_of(request)
    changes = office(request).models.promote(
        principal.tenant,
        name,
        body.version,
        ModelStage(body.stage),
        body.share,
        actor=principal.actor,
        reason=body.reason,
    )
    return [ChangeOut.of(c) for c in changes]


@router.post("/{name}/rollback", response_model=list[ChangeOut], **guarded("models.write"))
def rollback(request: Request, body: RollbackIn, name: str = NAME) -> list[ChangeOut]:
    """Withdraw the canary; without one, retire production and bring back the version it replaced."""
    principal = principal_of(request)
    changes = office(request).models.rollback(principal.tenant, name, actor=principal.actor, reason=body.reason)
    return [ChangeOut.of(c) for c in changes]


@router.post("/{name}/versions/{version}/predict", response_model=PredictOut, **guarded("models.read"))
def predict(request: Request, body: PredictIn, name: str = NAME, version: str = VERSION) -> PredictOut:
    """Score items with one version, whatever its stage (nothing is recorded): trying a version."""
    try:
        predictions = office(request).models.predict(principal_of(request).tenant, name, version, body.items)
    except ModelInputInvalid as exc:
        problems = [replace(p, pointer="/items" + (p.pointer or "")) for p in exc.problems]
        raise RequestInvalid(problems, f"the items do not match the input schema of {name} {version}") from None
    return PredictOut(name=name, version=version, predictions=[PredictionOut.of(p) for p in predictions])

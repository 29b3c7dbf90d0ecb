"""Governed models: the registry of model versions and their stages, routing, and the ``model`` step.

``ModelRegistry`` (built by the composition root, ``office.models``) keeps versions in the store,
changes their stages with an audit entry each, routes runs to versions and serves loaded models
with micro-batching. The ``model`` step kind (officeflow.modelops.kind) calls a model by name
with a declarative fallback to a decision table, then a person. See docs/models.md.
"""

from officeflow.modelops.registry import ModelRegistry, ModelSummary, ModelVersionExists
from officeflow.modelops.routing import Route, bucket, route
from officeflow.modelops.stages import Change, ModelNotFound, StageRefused
from officeflow.store.tx_models import (
    ModelPathCount,
    ModelPredictionRow,
    ModelStage,
    ModelStageChange,
    ModelVersionRow,
    PredictionPath,
)

__all__ = [
    "Change",
    "ModelNotFound",
    "ModelPathCount",
    "ModelPredictionRow",
    "ModelRegistry",
    "ModelStage",
    "ModelStageChange",
    "ModelSummary",
    "ModelVersionExists",
    "ModelVersionRow",
    "PredictionPath",
    "Route",
    "StageRefused",
    "bucket",
    "route",
]

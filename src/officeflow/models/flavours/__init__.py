"""Model flavours: how a model version is stored and run (ONNX, skops, a Python callable, a remote OIP model)."""

from officeflow.models.flavours.callable import CallableModel, PredictFunction
from officeflow.models.flavours.oip import OipClient, OipEndpoint, OipModel
from officeflow.models.flavours.onnx import OnnxModel
from officeflow.models.flavours.skops import SkopsModel, load_estimator
from officeflow.models.flavours.tabular import TabularSpec, Task

__all__ = [
    "CallableModel",
    "OipClient",
    "OipEndpoint",
    "OipModel",
    "OnnxModel",
    "PredictFunction",
    "SkopsModel",
    "TabularSpec",
    "Task",
    "load_estimator",
]

"""officeflow's model layer: the ``Model`` interface, flavours, micro-batching, calibration, drift, built-ins.

The registry, the ``model`` step, the CLI and the console call these names; nothing here touches
the store. See docs/models.md.
"""

from officeflow.models.artifact import Artifact
from officeflow.models.batching import BatcherStats, MicroBatcher
from officeflow.models.builtin.common import Example, TrainResult
from officeflow.models.builtin.registry import BUILTINS, load_builtin
from officeflow.models.calibration import (
    CalibrationMethod,
    ConformalSets,
    Coverage,
    ProbabilityCalibrator,
    conformalize,
    expected_calibration_error,
    fit_calibrator,
    measure_coverage,
)
from officeflow.models.drift import Finding as DriftFinding
from officeflow.models.drift import Severity, Thresholds, build_reference, measure_drift, override_rate, psi, worst
from officeflow.models.errors import (
    BatcherClosed,
    ModelArtifactInvalid,
    ModelInputInvalid,
    ModelRejected,
    ModelTimeout,
    ModelUnavailable,
    TrainingFailed,
    UntrustedTypes,
)
from officeflow.models.flavours import (
    CallableModel,
    OipClient,
    OipEndpoint,
    OipModel,
    OnnxModel,
    PredictFunction,
    SkopsModel,
    TabularSpec,
    Task,
)
from officeflow.models.inputs import InputChecker, RangeFinding, outside_training_range, training_ranges
from officeflow.models.loading import load_model, oip_artifact, onnx_artifact, skops_artifact
from officeflow.models.metadata import (
    FeatureKind,
    FeatureReference,
    Flavour,
    InputRange,
    ModelMetadata,
    TrainingReference,
    data_digest,
)
from officeflow.models.prediction import Prediction, Reason, explanation
from officeflow.models.protocol import Item, Model
from officeflow.models.retrain import Candidate, Comparison, retrain

__all__ = [
    "BUILTINS",
    "Artifact",
    "BatcherClosed",
    "BatcherStats",
    "CalibrationMethod",
    "CallableModel",
    "Candidate",
    "Comparison",
    "ConformalSets",
    "Coverage",
    "DriftFinding",
    "Example",
    "FeatureKind",
    "FeatureReference",
    "Flavour",
    "InputChecker",
    "InputRange",
    "Item",
    "MicroBatcher",
    "Model",
    "ModelArtifactInvalid",
    "ModelInputInvalid",
    "ModelMetadata",
    "ModelRejected",
    "ModelTimeout",
    "ModelUnavailable",
    "OipClient",
    "OipEndpoint",
    "OipModel",
    "OnnxModel",
    "PredictFunction",
    "Prediction",
    "ProbabilityCalibrator",
    "RangeFinding",
    "Reason",
    "Severity",
    "SkopsModel",
    "TabularSpec",
    "Task",
    "Thresholds",
    "TrainResult",
    "TrainingFailed",
    "TrainingReference",
    "UntrustedTypes",
    "build_reference",
    "conformalize",
    "data_digest",
    "expected_calibration_error",
    "explanation",
    "fit_calibrator",
    "load_builtin",
    "load_model",
    "measure_coverage",
    "measure_drift",
    "oip_artifact",
    "onnx_artifact",
    "outside_training_range",
    "override_rate",
    "psi",
    "retrain",
    "skops_artifact",
    "training_ranges",
    "worst",
]

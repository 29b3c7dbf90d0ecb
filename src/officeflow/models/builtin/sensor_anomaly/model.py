"""The sensor-anomaly model: the streaming detector behind the ``Model`` interface.

An item is one reading and the stream's state so far: ``{"reading": {"temperature": 61.2, ...},
"state": {...} or null}``. The output has ``anomalous``, ``score`` (>= 1 means a threshold was
reached) and the new ``state``, which the caller keeps for the stream's next reading (a workflow
carries it; a store keeps it per machine). The detector has no probability, so ``confidence`` is
``None``; the explanation has each sensor's z-score and a reason per finding.
Items of one batch are independent: each carries its own state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.sensor_anomaly.detector import Params, step
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction, Reason, explanation

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["reading"],
    "properties": {
        "reading": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "number"},
            "description": "sensor name -> value",
        },
        "state": {"type": ["object", "null"], "description": "the state this model returned for the previous reading"},
    },
}
OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["anomalous", "score", "state"],
    "properties": {
        "anomalous": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0},
        "state": {"type": "object"},
        "findings": {"type": "array"},
    },
}


class SensorAnomalyModel:
    """Scores sensor readings one stream step at a time; see the module docstring."""

    def __init__(self, artifact: Artifact) -> None:
        self._metadata = artifact.metadata
        try:
            self.params = Params.from_dict(artifact.config["params"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactInvalid(f"sensor-anomaly artifact: {exc!r}") from None
        self._checker = InputChecker(artifact.metadata.input_schema)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        out = []
        for item in items:
            state, verdict = step(self.params, item.get("state"), item["reading"])
            findings = [
                {"sensor": f.sensor, "kind": f.kind, "score": round(f.score, 3), "threshold": f.threshold}
                for f in verdict.findings
            ]
            reasons = [
                Reason(code=f"{f.kind}:{f.sensor}", text=f.text(), contribution=round(f.score / f.threshold, 3))
                for f in verdict.findings
            ]
            label = "anomaly" if verdict.anomalous else "normal"
            out.append(
                Prediction(
                    output={
                        "anomalous": verdict.anomalous,
                        "score": verdict.score,
                        "state": state,
                        "findings": findings,
                    },
                    confidence=None,
                    explanation=explanation({k: round(v, 3) for k, v in verdict.z.items()}, reasons, unit="z-score"),
                    label=label,
                )
            )
        return out

"""A language model seen through the model layer's interface (``officeflow.models.Model``).

``LanguageModel`` wraps a ``TextClassifier`` so the registry, the ``model`` step and the CLI can
treat it like any other model: ``predict(items)`` returns one ``Prediction`` per item whose
``output`` is the classifier's result (``category``, ``priority``, their confidences,
``alternatives``...), whose ``label``, ``confidence`` and ``prediction_set`` are those of the
first head (``category`` for ticket triage, ``intent`` for e-mail intent, ``label`` for a user's
head), and whose explanation carries every head's alternatives and prediction set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from officeflow.language.classifier import TextClassifier
from officeflow.language.errors import TextInputInvalid
from officeflow.models.errors import ModelInputInvalid
from officeflow.models.metadata import Flavour, ModelMetadata
from officeflow.models.prediction import Prediction, explanation

_STRING = {"type": "string"}
INPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    "ticket": {
        "type": "object",
        "properties": {"text": _STRING, "subject": _STRING, "title": _STRING},
        "anyOf": [{"required": ["text"]}, {"required": ["subject"]}, {"required": ["title"]}],
    },
    "email": {
        "type": "object",
        "properties": {"subject": _STRING, "body": _STRING, "attachments": {"type": "array", "items": _STRING}},
        "anyOf": [{"required": ["subject"]}, {"required": ["body"]}],
    },
    "text": {"type": "object", "properties": {"text": _STRING}, "required": ["text"]},
}


def output_schema(classifier: TextClassifier) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, head in classifier.heads.items():
        properties[name] = {"enum": list(head.labels)}
        properties[f"{name}_confidence"] = {"type": "number", "minimum": 0, "maximum": 1}
    properties["alternatives"] = {"type": "object"}
    properties["prediction_sets"] = {"type": "object"}
    return {"type": "object", "properties": properties, "required": [*properties][:-1]}


class LanguageModel:
    """A ``TextClassifier`` as an ``officeflow.models.Model``."""

    def __init__(self, classifier: TextClassifier, version: str = "1", metadata: ModelMetadata | None = None) -> None:
        """``metadata``: the version's own (from its artifact); without it, what the classifier says of itself."""
        self.classifier = classifier
        self._main = classifier.fields[0]
        generated = classifier.metadata.get("generated_accuracy") or {}
        self._metadata = metadata or ModelMetadata(
            name=classifier.name,
            version=version,
            flavour=Flavour.PYTHON,
            input_schema=INPUT_SCHEMAS[classifier.input_kind],
            output_schema=output_schema(classifier),
            description=f"{classifier.input_kind} classifier: " + ", ".join(classifier.fields),
            metrics={f"generated_accuracy_{k}": float(v) for k, v in generated.items()},
            labels=classifier.heads[self._main].labels,
        )

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        try:
            results = self.classifier.predict_batch(items)
        except TextInputInvalid as exc:
            raise ModelInputInvalid(exc.problems) from None
        return [self._prediction(r) for r in results]

    def _prediction(self, result: Mapping[str, Any]) -> Prediction:
        sets = result.get("prediction_sets") or {}
        main_set = sets.get(self._main)
        return Prediction(
            output=dict(result),
            confidence=float(result[f"{self._main}_confidence"]),
            explanation=explanation(alternatives=result["alternatives"], prediction_sets=sets),
            label=str(result[self._main]),
            prediction_set=tuple(main_set) if main_set is not None else None,
        )

"""The Python-callable flavour: any function from a batch of items to a batch of predictions.

Built-in models and user code use it. The function receives the checked items and returns one
``Prediction`` per item; a wrong count is the function's error and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from officeflow.models.errors import ModelRejected
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction

PredictFunction = Callable[[Sequence[Mapping[str, Any]]], Sequence[Prediction]]


class CallableModel:
    """A model whose ``predict`` is a Python function."""

    def __init__(self, metadata: ModelMetadata, fn: PredictFunction) -> None:
        self._metadata = metadata
        self._fn = fn
        self._checker = InputChecker(metadata.input_schema)

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        out = list(self._fn(items))
        if len(out) != len(items):
            raise ModelRejected(f"model {self._metadata.name}: returned {len(out)} predictions for {len(items)} items")
        return out

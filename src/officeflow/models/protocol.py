"""The one interface every model offers, whatever its flavour.

A model is batch-first: ``predict`` takes a sequence of items (JSON objects) and returns one
``Prediction`` per item, in order; a single item is a batch of one. It raises
``ModelInputInvalid`` when an item does not match the input schema (the message names the item
and the field) and ``ModelUnavailable`` when a remote model does not answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction

Item = Mapping[str, Any]
"""One model input: a JSON object."""


@runtime_checkable
class Model(Protocol):
    """A model version that scores items."""

    @property
    def metadata(self) -> ModelMetadata: ...

    def predict(self, items: Sequence[Item]) -> list[Prediction]: ...

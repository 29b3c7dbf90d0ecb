"""The skops flavour: a scikit-learn estimator saved with ``skops.io``, never with plain pickle.

Loading lists the types the file would instantiate and refuses, with ``UntrustedTypes`` naming
them, every type that is neither one of skops' own defaults nor in the caller's ``trusted`` list.
Nothing is executed before that check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import skops.io as sio

from officeflow.models.errors import ModelArtifactInvalid, UntrustedTypes
from officeflow.models.flavours.tabular import TabularSpec, Task
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction


def load_estimator(data: bytes, trusted: Sequence[str] = (), source: str = "model.skops") -> Any:
    """The estimator in a skops file, if every type it names is trusted."""
    try:
        unknown = sio.get_untrusted_types(data=data)
    except Exception as exc:  # skops raises zipfile/json errors of its own for damaged files
        raise ModelArtifactInvalid(f"{source}: not a skops file: {exc}") from None
    refused = sorted(set(unknown) - set(trusted))
    if refused:
        raise UntrustedTypes(refused, source)
    return sio.loads(data, trusted=list(unknown))


class SkopsModel:
    """A tabular scikit-learn model loaded from skops."""

    def __init__(self, metadata: ModelMetadata, estimator: Any, spec: TabularSpec) -> None:
        self._metadata = metadata
        self._spec = spec
        self._checker = InputChecker(metadata.input_schema)
        self._estimator = estimator
        method = "predict_proba" if spec.task is Task.CLASSIFICATION else "predict"
        if not hasattr(estimator, method):
            raise ModelArtifactInvalid(f"model.skops: a {spec.task.value} model needs {method}()")
        self._method = getattr(estimator, method)
        self._names = list(getattr(estimator, "feature_names_in_", []))

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        x: Any = self._spec.matrix(items).astype(np.float64)
        if self._names:
            import pandas as pd

            x = pd.DataFrame(x, columns=self._names)
        return self._spec.predictions(self._method(x))

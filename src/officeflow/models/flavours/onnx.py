"""The ONNX flavour: an ONNX graph (e.g. a scikit-learn pipeline exported with skl2onnx) run by onnxruntime.

The graph takes one float tensor of shape (n, features). A classifier exported with
``zipmap=False`` has a ``probabilities`` output of shape (n, labels); a regressor's first output
is the value. One ``InferenceSession`` serves all calls (onnxruntime sessions are thread-safe);
one call scores a whole batch, which is where micro-batching gains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import onnxruntime as ort

from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.flavours.tabular import TabularSpec, Task
from officeflow.models.inputs import InputChecker
from officeflow.models.metadata import ModelMetadata
from officeflow.models.prediction import Prediction


def onnx_session(graph: bytes, threads: int = 1, source: str = "model.onnx") -> ort.InferenceSession:
    """An onnxruntime CPU session for ``graph`` (``threads`` intra-op threads)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad graphs
        raise ModelArtifactInvalid(f"{source}: not a loadable ONNX graph: {exc}") from None


class OnnxModel:
    """A tabular model in ONNX."""

    def __init__(self, metadata: ModelMetadata, graph: bytes, spec: TabularSpec, threads: int = 1) -> None:
        self._metadata = metadata
        self._spec = spec
        self._session = onnx_session(graph, threads)
        self._checker = InputChecker(metadata.input_schema)
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise ModelArtifactInvalid(f"model.onnx: expected one input tensor, found {len(inputs)}")
        self._input = inputs[0].name
        names = [o.name for o in self._session.get_outputs()]
        if spec.task is Task.CLASSIFICATION:
            if "probabilities" not in names:
                raise ModelArtifactInvalid(
                    f"model.onnx: a classifier needs a 'probabilities' output (export with zipmap=False), has {names}"
                )
            self._output = "probabilities"
        else:
            self._output = names[0]

    @property
    def metadata(self) -> ModelMetadata:
        return self._metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        if not items:
            return []
        self._checker.check(items)
        result = self._session.run([self._output], {self._input: self._spec.matrix(items)})[0]
        return self._spec.predictions(result)

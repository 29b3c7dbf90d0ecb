"""From an ``Artifact`` to a runnable ``Model``, whatever its flavour; and artifacts for the generic flavours.

``load_model`` dispatches on ``metadata.flavour``:

- ``onnx``: ``model.onnx`` and the tabular spec in ``config["tabular"]``;
- ``skops``: ``model.skops`` loaded with the caller's ``trusted`` types (never the file's own word)
  and ``config["tabular"]``;
- ``oip``: the endpoint in ``config["endpoint"]`` (credentials come from the caller as
  ``oip_headers``, never from the artifact) and ``config["tabular"]``;
- ``python``: a built-in model named by ``config["builtin"]``. Other Python callables are
  registered in-process as a ``CallableModel``; they are code, not data, so they are never
  loaded from an artifact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import skops.io as sio

from officeflow.models.artifact import Artifact
from officeflow.models.builtin.registry import load_artifact as load_builtin_artifact
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.flavours.oip import OipClient, OipEndpoint, OipModel
from officeflow.models.flavours.onnx import OnnxModel
from officeflow.models.flavours.skops import SkopsModel, load_estimator
from officeflow.models.flavours.tabular import TabularSpec
from officeflow.models.metadata import Flavour, ModelMetadata
from officeflow.models.protocol import Model


def load_model(
    artifact: Artifact,
    *,
    trusted: Sequence[str] = (),
    oip_headers: Mapping[str, str] | None = None,
    oip_transport: httpx.BaseTransport | None = None,
) -> Model:
    """The runnable model of ``artifact`` (see the module docstring)."""
    meta = artifact.metadata
    flavour = meta.flavour
    if flavour is Flavour.PYTHON:
        return load_builtin_artifact(artifact)
    spec = TabularSpec.from_dict(_section(artifact, "tabular"))
    if flavour is Flavour.ONNX:
        return OnnxModel(meta, artifact.file("model.onnx"), spec)
    if flavour is Flavour.SKOPS:
        estimator = load_estimator(artifact.file("model.skops"), trusted, source=f"{meta.name} {meta.version}")
        return SkopsModel(meta, estimator, spec)
    endpoint = OipEndpoint.from_dict(_section(artifact, "endpoint"), headers=oip_headers)
    return OipModel(meta, OipClient(endpoint, transport=oip_transport), spec)


def _section(artifact: Artifact, key: str) -> Mapping[str, Any]:
    value = artifact.config.get(key)
    if not isinstance(value, Mapping):
        meta = artifact.metadata
        raise ModelArtifactInvalid(f"model {meta.name} {meta.version}: the artifact's config has no {key!r} object")
    return value


def onnx_artifact(metadata: ModelMetadata, graph: bytes, spec: TabularSpec) -> Artifact:
    """An ONNX model's artifact (``metadata.flavour`` must be ``onnx``)."""
    _expect(metadata, Flavour.ONNX)
    return Artifact(metadata=metadata, config={"tabular": spec.as_dict()}, files={"model.onnx": graph})


def skops_artifact(metadata: ModelMetadata, estimator: Any, spec: TabularSpec) -> Artifact:
    """A scikit-learn estimator's artifact, saved with skops."""
    _expect(metadata, Flavour.SKOPS)
    return Artifact(metadata=metadata, config={"tabular": spec.as_dict()}, files={"model.skops": sio.dumps(estimator)})


def oip_artifact(metadata: ModelMetadata, endpoint: OipEndpoint, spec: TabularSpec) -> Artifact:
    """A remote model's artifact: where it is and how its output reads (no credentials)."""
    _expect(metadata, Flavour.OIP)
    return Artifact(metadata=metadata, config={"tabular": spec.as_dict(), "endpoint": endpoint.as_dict()})


def _expect(metadata: ModelMetadata, flavour: Flavour) -> None:
    if metadata.flavour is not flavour:
        raise ValueError(f"metadata says flavour {metadata.flavour.value!r}, this artifact is {flavour.value!r}")

"""Model versions loaded once per process, each with its micro-batcher.

A ``model`` step in a worker thread submits its item to the version's ``MicroBatcher`` and
waits for its own prediction: concurrent steps of one version are scored in one call (up to
``batch_items`` items, or whatever is queued after ``batch_wait`` seconds). Versions that do not
gain from batches (see :func:`gains_from_batches`) are scored in the step's own thread. A version is loaded
the first time it is called and kept, keyed by tenant, name, version and artifact digest (a
version's content never changes; a new digest is a new key). Closing stops every batcher after
it has scored what is queued.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, cast

from officeflow.models import (
    Artifact,
    CallableModel,
    Flavour,
    InputRange,
    MicroBatcher,
    Model,
    ModelArtifactInvalid,
    PredictFunction,
    Prediction,
    load_model,
)

Item = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class ServedModel:
    """A loaded version: the model, its batcher (None: scored in the caller's thread), its
    training ranges."""

    name: str
    version: str
    model: Model
    batcher: MicroBatcher | None
    ranges: Mapping[str, InputRange]

    def submit(self, item: Item) -> Future[Prediction]:
        """Score one item; the future holds its prediction or its error."""
        if self.batcher is not None:
            return self.batcher.submit(item)
        future: Future[Prediction] = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(self.model.predict([item])[0])
        except Exception as exc:
            future.set_exception(exc)
        return future

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()
        closer = getattr(self.model, "close", None)
        if callable(closer):
            closer()


def import_callable(path: str) -> PredictFunction:
    """The function ``module:name`` names (a Python-callable model version)."""
    module, _, name = path.partition(":")
    if not module or not name:
        raise ModelArtifactInvalid(f"callable {path!r}: expected module:function")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ModelArtifactInvalid(f"callable {path!r} cannot be imported: {exc}") from None
    if not callable(fn):
        raise ModelArtifactInvalid(f"callable {path!r} is not a function")
    return cast(PredictFunction, fn)


def build_model(artifact: Artifact) -> Model:
    """The runnable model of a stored artifact: a callable named by import path, a built-in, an
    ONNX graph, a skops estimator (loaded with the types its registrant trusted), or a remote model."""
    meta = artifact.metadata
    target = artifact.config.get("callable")
    if meta.flavour is Flavour.PYTHON and isinstance(target, str):
        return CallableModel(meta, import_callable(target))
    trusted = artifact.config.get("trusted") or ()
    return load_model(artifact, trusted=[str(t) for t in trusted])


def gains_from_batches(artifact: Artifact) -> bool:
    """Whether a version's calls cost mostly per call, so concurrent steps should share them: ONNX
    graphs, scikit-learn estimators, remote models, and Python models that run an ONNX graph
    (the expense-anomaly built-in). Other Python models (the credit scorecard, the sensor
    detector, user callables) score in the step's own thread: a batcher's thread hop would cost
    them more than it saves (bench/models.py). ``config["batch"]`` (true or false) overrides this:
    a callable that calls a service per batch should say true."""
    if "batch" in artifact.config:
        return bool(artifact.config["batch"])
    if artifact.metadata.flavour is not Flavour.PYTHON:
        return True
    return any(name.endswith(".onnx") for name in artifact.files)


class ServedModels:
    """The process's loaded versions (see the module docstring)."""

    def __init__(self, *, batch_items: int = 64, batch_wait: float = 0.0) -> None:
        self.batch_items = batch_items
        self.batch_wait = batch_wait
        self._served: dict[tuple[str, str, str, str], ServedModel] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str, str, str], threading.Lock] = {}

    def get(self, key: tuple[str, str, str, str], load: Callable[[], Artifact]) -> ServedModel:
        """The served version under ``key`` (tenant, name, version, digest), loaded by ``load``
        the first time (once, even when several threads ask at once)."""
        found = self._served.get(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            found = self._served.get(key)
            if found is not None:
                return found
            artifact = load()
            model = build_model(artifact)
            batcher = (
                MicroBatcher(model, max_items=self.batch_items, max_wait=self.batch_wait)
                if gains_from_batches(artifact)
                else None
            )
            served = ServedModel(
                name=key[1], version=key[2], model=model, batcher=batcher, ranges=artifact.metadata.input_ranges
            )
            with self._lock:
                self._served[key] = served
                self._loading.pop(key, None)
            return served

    def close(self) -> None:
        with self._lock:
            served = list(self._served.values())
            self._served.clear()
        for one in served:
            one.close()

"""The micro-batcher with a real ONNX model: batches, per-item results and errors, closing."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from officeflow.models import (
    BatcherClosed,
    CallableModel,
    Flavour,
    MicroBatcher,
    ModelInputInvalid,
    Prediction,
    load_model,
)
from tests.unit.models_support import train_toy


def test_items_from_many_threads_get_the_same_predictions_as_one_batch_call() -> None:
    toy = train_toy()
    model = load_model(toy.onnx())
    items = toy.items(400)
    direct = model.predict(items)
    with MicroBatcher(model, max_items=32, max_wait=0.02) as batcher, ThreadPoolExecutor(16) as pool:
        futures = list(pool.map(batcher.submit, items))
        results = [f.result(timeout=30) for f in futures]
        stats = batcher.stats()
    assert [r.output for r in results] == [d.output for d in direct]
    assert stats.items == 400
    assert stats.mean_batch > 1
    assert max(1, stats.batches) <= 400


def test_a_bad_item_fails_alone_and_the_rest_of_its_batch_is_scored() -> None:
    toy = train_toy()
    model = load_model(toy.onnx())
    items: list[Mapping[str, Any]] = list(toy.items(8))
    items[3] = {"f0": "not a number"}
    gate = threading.Event()

    class Gated:
        metadata = model.metadata

        def predict(self, batch: Sequence[Mapping[str, Any]]) -> list[Prediction]:
            gate.wait(10)  # hold the first call so every item lands in one batch
            return model.predict(batch)

    with MicroBatcher(Gated(), max_items=8, max_wait=5) as batcher:
        futures = [batcher.submit(item) for item in items]
        gate.set()
        outcomes = [f.exception(timeout=30) or f.result() for f in futures]
        stats = batcher.stats()
    assert isinstance(outcomes[3], ModelInputInvalid)
    assert all(isinstance(o, Prediction) for k, o in enumerate(outcomes) if k != 3)
    assert stats.fallbacks == 1


def test_a_lone_item_is_scored_after_max_wait_without_a_full_batch() -> None:
    toy = train_toy()
    with MicroBatcher(load_model(toy.onnx()), max_items=1000, max_wait=0.01) as batcher:
        prediction = batcher.predict(toy.items(1)[0], timeout=10)
    assert prediction.label in ("no", "yes")


def test_close_scores_what_is_queued_and_refuses_new_items() -> None:
    seen: list[int] = []

    def count(items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        seen.append(len(items))
        return [Prediction(output=item["n"], confidence=None) for item in items]

    meta = train_toy().metadata(Flavour.PYTHON)
    model = CallableModel(
        type(meta)(
            name="count", version="1", flavour=Flavour.PYTHON, input_schema={"type": "object"}, output_schema={}
        ),
        count,
    )
    batcher = MicroBatcher(model, max_items=4, max_wait=60)
    futures = [batcher.submit({"n": k}) for k in range(10)]
    batcher.close()
    assert [f.result(timeout=5).output for f in futures] == list(range(10))
    assert sum(seen) == 10
    assert max(seen) <= 4
    with pytest.raises(BatcherClosed):
        batcher.submit({"n": 11})


def test_bad_settings_are_refused() -> None:
    model = load_model(train_toy().onnx())
    with pytest.raises(ValueError, match="max_items"):
        MicroBatcher(model, max_items=0)
    with pytest.raises(ValueError, match="max_wait"):
        MicroBatcher(model, max_wait=-1)

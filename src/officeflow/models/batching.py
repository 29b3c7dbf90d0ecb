"""Micro-batching: callers submit single items, one thread scores them in batches.

A ``MicroBatcher`` owns one thread. ``submit(item)`` queues the item and returns a ``Future``.
The thread waits for the first item, then until ``max_items`` are queued or ``max_wait``
seconds have passed since that first item arrived, whichever comes first, takes up to
``max_items`` items and calls the model's ``predict`` once. With ``max_wait=0`` (the default) it
takes whatever is queued as soon as the model is free: under load, batches form while the model
scores the previous one, and a lone item waits for nothing. A ``max_wait`` above zero holds a
batch open for more items, which pays when a call costs much more than an item (a remote model)
and callers do not wait on each other. Each future gets its own
prediction. When the batch call fails, the thread scores each of its items alone, so one bad item
fails only its own future (with its own error) and the others still get their predictions.
``close`` stops taking items, scores what is queued, and joins the thread.

Models whose cost is mostly per call (ONNX, a remote model) gain the most: see bench/models.py.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from officeflow.models.errors import BatcherClosed, ModelRejected
from officeflow.models.prediction import Prediction
from officeflow.models.protocol import Model


@dataclass(frozen=True, kw_only=True)
class BatcherStats:
    """What a batcher has done so far."""

    batches: int
    items: int
    fallbacks: int

    @property
    def mean_batch(self) -> float:
        return self.items / self.batches if self.batches else 0.0


class MicroBatcher:
    """Groups single items into batches of up to ``max_items`` items or ``max_wait`` seconds."""

    def __init__(self, model: Model, max_items: int = 64, max_wait: float = 0.0) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, not {max_items}")
        if max_wait < 0:
            raise ValueError(f"max_wait must not be negative, not {max_wait}")
        self.model = model
        self.max_items = max_items
        self.max_wait = max_wait
        self._queue: deque[tuple[Mapping[str, Any], Future[Prediction], float]] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._batches = self._items = self._fallbacks = 0
        name = f"officeflow-batcher-{model.metadata.name}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: Mapping[str, Any]) -> Future[Prediction]:
        """Queue one item; the future resolves to its prediction or its error."""
        future: Future[Prediction] = Future()
        with self._cond:
            if self._closed:
                raise BatcherClosed(f"the micro-batcher of model {self.model.metadata.name} is closed")
            self._queue.append((item, future, time.monotonic()))
            if len(self._queue) == 1 or len(self._queue) >= self.max_items:
                self._cond.notify()
        return future

    def predict(self, item: Mapping[str, Any], timeout: float | None = None) -> Prediction:
        """Submit one item and wait for its prediction (raises its error)."""
        return self.submit(item).result(timeout)

    def stats(self) -> BatcherStats:
        with self._cond:
            return BatcherStats(batches=self._batches, items=self._items, fallbacks=self._fallbacks)

    def close(self) -> None:
        """Stop taking items, score those queued, and wait for the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def __enter__(self) -> MicroBatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> list[tuple[Mapping[str, Any], Future[Prediction], float]] | None:
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            deadline = self._queue[0][2] + self.max_wait
            while len(self._queue) < self.max_items and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            n = min(self.max_items, len(self._queue))
            return [self._queue.popleft() for _ in range(n)]

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            live = [entry for entry in batch if entry[1].set_running_or_notify_cancel()]
            if live:
                self._score(live)

    def _score(self, batch: list[tuple[Mapping[str, Any], Future[Prediction], float]]) -> None:
        items = [entry[0] for entry in batch]
        try:
            predictions = self.model.predict(items)
        except BaseException as exc:
            if len(batch) == 1 or not isinstance(exc, Exception):
                for _, future, _ in batch:
                    future.set_exception(exc)
                self._count(len(batch), fallback=False)
                return
            self._count(0, fallback=True)
            for entry in batch:
                self._score([entry])
            return
        if len(predictions) != len(batch):
            wrong = ModelRejected(
                f"model {self.model.metadata.name}: {len(predictions)} predictions for {len(batch)} items"
            )
            for _, future, _ in batch:
                future.set_exception(wrong)
        else:
            for (_, future, _), prediction in zip(batch, predictions, strict=True):
                future.set_result(prediction)
        self._count(len(batch), fallback=False)

    def _count(self, items: int, fallback: bool) -> None:
        with self._cond:
            if fallback:
                self._fallbacks += 1
            else:
                self._batches += 1
                self._items += items

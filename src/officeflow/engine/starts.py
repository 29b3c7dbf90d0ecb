"""Group commit for starting runs.

Concurrent ``Engine.start()`` calls (API request threads, several submitters) each wait for their
own commit; on PostgreSQL a commit costs far more than the inserts in it. The batcher hands all
starts waiting at a moment to one committer thread, which writes them in one transaction and
wakes each caller with its run. A lone caller gets a batch of one: no waiting for company.

A batch that fails (an idempotency key used for another workflow, say) is redone one start per
transaction, so each caller gets its own result or its own error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.store.records import Run
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.definitions.model import Definition

MAX_BATCH = 256
log = structlog.get_logger("officeflow.engine")


@dataclass
class StartRequest:
    definition: Definition
    input: Any
    tenant: str
    idempotency_key: str | None
    actor: str | None
    done: threading.Event = field(default_factory=threading.Event)
    result: Run | None = None
    error: BaseException | None = None


StartOne = Callable[[Tx, StartRequest], Run]
RunBatch = Callable[[Callable[[Tx], list[Run]]], list[Run]]


class StartBatcher:
    def __init__(self, start_one: StartOne, run_batch: RunBatch) -> None:
        self._start_one = start_one
        self._run_batch = run_batch
        self._queue: queue.SimpleQueue[StartRequest | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, request: StartRequest) -> Run:
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="officeflow-starts", daemon=True)
                self._thread.start()
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[StartRequest]) -> None:
        if len(batch) > 1:
            try:
                runs = self._run_batch(lambda tx: [self._start_one(tx, r) for r in batch])
            except Exception as exc:  # redo one by one below, so that each caller gets its own outcome
                log.debug("batch of starts failed; starting one by one", size=len(batch), error=str(exc))
            else:
                for request, run in zip(batch, runs, strict=True):
                    request.result = run
                    request.done.set()
                return
        for request in batch:
            try:
                request.result = self._run_batch(self._single(request))[0]
            except BaseException as exc:
                request.error = exc
            request.done.set()

    def _single(self, request: StartRequest) -> Callable[[Tx], list[Run]]:
        return lambda tx: [self._start_one(tx, request)]

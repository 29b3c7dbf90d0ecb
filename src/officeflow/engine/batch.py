"""Group commit: concurrent requests that each need a small transaction share one.

Callers (API request threads, several submitters) each wait for their own commit; on PostgreSQL
a commit costs far more than the writes in it. The batcher hands everything waiting at a moment
to one committer thread, which runs all of it in one transaction and wakes each caller with its
own result. A lone caller gets a batch of one: nobody waits for company.

Work may be staged (officeflow.engine.staged): items that wait for results of their statements
advance together, so a batch pays one round trip per pause, not one per item.

A batch that fails is redone one item per transaction, so each caller gets its own result or its
own error (an idempotency key used for another workflow fails that start alone). When the
database is unavailable, every caller of the batch gets that error at once (redoing the items one
by one would only make each wait for the database in turn).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog

from officeflow.engine.staged import Staged, run_together
from officeflow.errors import StoreUnavailable
from officeflow.store.tx import Tx

T = TypeVar("T")
MAX_BATCH = 256
log = structlog.get_logger("officeflow.engine")


@dataclass
class Item(Generic[T]):
    work: Callable[[Tx], T]
    done: threading.Event | None = None
    """For callers in a thread: set when the result is in."""
    result: Any = None
    error: BaseException | None = None
    future: asyncio.Future[T] | None = None
    """For async callers: resolved on their event loop instead of waking a thread."""

    def finish(self) -> None:
        future = self.future
        if future is None:
            assert self.done is not None
            self.done.set()
            return
        future.get_loop().call_soon_threadsafe(_settle, future, self.result, self.error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller went away (cancelled)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


RunInTransaction = Callable[[Callable[[Tx], list[Any]]], list[Any]]


class Batcher:
    def __init__(self, run: RunInTransaction, name: str) -> None:
        self._run = run
        self._name = name
        self._queue: queue.SimpleQueue[Item[Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, work: Callable[[Tx], T]) -> T:
        """Run ``work(tx)`` in a transaction shared with whatever else is waiting; its result."""
        item: Item[T] = Item(work, done=threading.Event())
        self._enqueue(item)
        assert item.done is not None
        item.done.wait()
        if item.error is not None:
            raise item.error
        result: T = item.result
        return result

    async def submit_async(self, work: Callable[[Tx], T]) -> T:
        """Like submit(), for a coroutine: it waits on its own event loop, holding no thread."""
        item: Item[T] = Item(work, future=asyncio.get_running_loop().create_future())
        self._enqueue(item)
        assert item.future is not None
        return await item.future

    def submit_staged(self, work: Callable[[Tx], Staged[T]]) -> T:
        """submit() for staged work (officeflow.engine.staged): its result, not its generator."""
        result: T = self.submit(work)  # type: ignore[assignment]
        return result

    async def submit_staged_async(self, work: Callable[[Tx], Staged[T]]) -> T:
        """submit_async() for staged work."""
        result: T = await self.submit_async(work)  # type: ignore[arg-type]
        return result

    def _enqueue(self, item: Item[Any]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=f"officeflow-{self._name}", daemon=True)
                self._thread.start()
        self._queue.put(item)

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

    def _commit(self, batch: list[Item[Any]]) -> None:
        if len(batch) > 1:
            try:
                results = self._run(lambda tx: run_together(tx, [item.work for item in batch]))
            except StoreUnavailable as exc:
                self._fail(batch, exc)
                return
            except Exception as exc:
                log.debug(
                    "batch failed; running its items one by one", batcher=self._name, size=len(batch), error=str(exc)
                )
            else:
                for item, result in zip(batch, results, strict=True):
                    item.result = result
                    item.finish()
                return
        for index, item in enumerate(batch):
            try:
                item.result = self._run(self._single(item))[0]
            except StoreUnavailable as exc:
                self._fail(batch[index:], exc)
                return
            except BaseException as exc:
                item.error = exc
            item.finish()

    @staticmethod
    def _fail(items: list[Item[Any]], error: StoreUnavailable) -> None:
        for item in items:  # an error of its own each: callers raise it in their own threads
            item.error = StoreUnavailable(error.message)
            item.error.__cause__ = error.__cause__
            item.finish()

    @staticmethod
    def _single(item: Item[Any]) -> Callable[[Tx], list[Any]]:
        return lambda tx: run_together(tx, [item.work])

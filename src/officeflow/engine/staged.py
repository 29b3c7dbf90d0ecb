"""Staged work: transactional work that pauses while its statements travel.

On PostgreSQL the commit path runs in pipeline mode: statements go out without waiting, and a
result (was this event new? did this idempotency key name an earlier run?) is known only after a
*sync*, one network round trip. Work that needs such a result is written as a generator that
yields when it has sent what it needs answered. Alone, it is driven with one sync per pause;
in a group commit (officeflow.engine.batch), every item is advanced to its next pause and one
sync answers them all, so a batch of N events costs two round trips instead of 2N.

Between two pauses the work must not depend on anything sent by *other* items of the batch
after its own statements; it only reads results of what it sent itself. Reads that do need the
database (a rare duplicate, say) still work: they sync on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

from officeflow.store.tx import Tx

T = TypeVar("T")
Staged = Generator[None, None, T]
"""Work that yields where it waits for results of statements it sent; returns its result."""


def drive(tx: Tx, work: Staged[T]) -> T:
    """Run staged work on its own: one sync at each pause."""
    while True:
        try:
            next(work)
        except StopIteration as done:
            result: T = done.value
            return result
        tx.sync()


def run_together(tx: Tx, works: list[Callable[[Tx], Any]]) -> list[Any]:
    """Run each work in ``tx``, in order; staged ones (those returning a generator) advance in
    lock-step, with one sync for all of them at each round of pauses."""
    results: list[Any] = [None] * len(works)
    pending: list[tuple[int, Staged[Any]]] = []
    for index, work in enumerate(works):
        out = work(tx)
        if isinstance(out, Generator):
            pending.append((index, out))
        else:
            results[index] = out
    while pending:
        waiting: list[tuple[int, Staged[Any]]] = []
        for index, staged in pending:
            try:
                next(staged)
            except StopIteration as done:
                results[index] = done.value
            else:
                waiting.append((index, staged))
        if waiting:
            tx.sync()
        pending = waiting
    return results

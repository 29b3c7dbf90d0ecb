"""The Store protocol, and what both SQL implementations share."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

import structlog

from officeflow.store.dialect import Dialect
from officeflow.store.tx import Tx

T = TypeVar("T")
log = structlog.get_logger("officeflow.store")

Callback = Callable[[str, str], None]
"""Called with (channel, payload) for each notification."""


class Listener(Protocol):
    """Delivers notifications published by other processes on a background thread."""

    def close(self) -> None: ...


class Store(Protocol):
    """Where officeflow keeps everything. SQLite and PostgreSQL implement it."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def url(self) -> str: ...

    def transaction(self, *, pipeline: bool = False) -> AbstractContextManager[Tx]:
        """A read-write transaction; commits on exit, rolls back on error."""
        ...

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction (one consistent snapshot)."""
        ...

    def run(self, fn: Callable[[Tx], T], *, pipeline: bool = False, attempts: int = 10) -> T:
        """Run ``fn`` in a transaction, again from scratch after a deadlock or busy error.

        Raises ``StoreUnavailable`` when the database cannot be reached (restarting, connection
        lost), without running ``fn`` again: a commit whose answer was lost may have gone through,
        so only the caller knows whether repeating it is safe."""
        ...

    def listen(self, channels: Sequence[str], callback: Callback) -> Listener: ...

    def close(self) -> None: ...

    def sqlalchemy_url(self) -> str: ...


class SqlStore:
    """What the two implementations share: retrying transactions."""

    dialect: Dialect
    url: str

    def transaction(self, *, pipeline: bool = False) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def run(self, fn: Callable[[Tx], T], *, pipeline: bool = False, attempts: int = 10) -> T:
        delay = 0.002
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(pipeline=pipeline) as tx:
                    return fn(tx)
            except Exception as exc:
                if attempt == attempts or not self.dialect.is_retryable(exc):
                    raise
                log.debug("transaction retried", error=str(exc), attempt=attempt)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")


def iter_chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]

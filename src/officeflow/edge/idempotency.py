"""Answers kept by Idempotency-Key: a POST sent again with the same key gets the first answer
again instead of doing the work twice (see officeflow.api.gate for how requests use them).

A key is claimed before the request runs, in its own transaction; the answer is stored before it
is sent (answers of 5xx are not: the key is released, so a retry runs again). A request still in
progress after ``IN_PROGRESS_LIMIT`` died with its process and its key may be claimed again.
Keys are forgotten ``TTL`` after their first request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from officeflow.store.base import Store
from officeflow.store.tx_security import IN_PROGRESS_LIMIT

TTL = 24 * 3600.0
"""Seconds a key and its answer are kept."""

__all__ = ["IN_PROGRESS_LIMIT", "TTL", "Claim", "IdempotencyKeys"]


@dataclass(frozen=True, slots=True)
class Claim:
    """A key claimed before: what was asked (its digest) and the stored answer (status None: the
    first request is still running)."""

    request_hash: str
    status: int | None
    response: str | None


class IdempotencyKeys:
    def __init__(self, store: Store, now: Callable[[], float]) -> None:
        self.store = store
        self.now = now

    def claim(self, tenant: str, principal: str, key: str, method: str, path: str, digest: str) -> Claim | None:
        """Claim ``key`` for this request (None: claimed now, run it); else the earlier claim."""
        now = self.now()
        found = self.store.run(lambda tx: tx.idempotency_claim(tenant, principal, key, method, path, digest, now, TTL))
        return None if found is None else Claim(*found)

    def complete(self, tenant: str, principal: str, key: str, status: int, response: str) -> None:
        """Store the answer of the request that holds ``key``."""
        self.store.run(lambda tx: tx.idempotency_complete(tenant, principal, key, status, response))

    def release(self, tenant: str, principal: str, key: str) -> None:
        """Give ``key`` up (the request failed on the server: a retry may run it again)."""
        self.store.run(lambda tx: tx.idempotency_release(tenant, principal, key))

    def purge(self) -> int:
        """Forget keys older than ``TTL``; how many."""
        now = self.now()
        return self.store.run(lambda tx: tx.purge_idempotency(now))

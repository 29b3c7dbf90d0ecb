"""Replay: stored events delivered to their triggers again (after a trigger was added or fixed).

Events are read a page at a time in the order they arrived; each page's runs start in one
transaction. A run a trigger started before is not started twice (its idempotency key is the
trigger's and the event's), so replaying twice is harmless. The replay is audited once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from officeflow.engine.staged import drive
from officeflow.store.tx import Tx
from officeflow.store.tx_events import EventRow

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

PAGE = 200
"""Events replayed per transaction."""


def replay(
    events: Ingestor,
    tenant: str,
    type: str,
    *,
    since: float | None,
    until: float | None,
    triggers: Iterable[str] | None,
    actor: str,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int]:
    """(events replayed, runs started); ``progress`` is told (done, total) after each page."""
    store = events.store
    with store.read() as tx:
        total = tx.count_events(tenant, type, since, until)
    done, new_runs, after = 0, 0, 0
    only = list(triggers) if triggers is not None else None
    while True:
        with store.read() as tx:
            page = tx.list_events(
                tenant, type=type, since=since, until=until, after_seq=after, limit=PAGE, ascending=True
            )
        if not page:
            break

        def body(tx: Tx, page: list[EventRow] = page) -> int:
            count = 0
            for event in page:
                started, _ = drive(tx, events.fire(tx, event, actor=actor, only=only))
                count += sum(1 for s in started if s.new)
            return count

        new_runs += store.run(body)
        done += len(page)
        after = page[-1].seq
        if progress is not None:
            progress(done, total)
    store.run(
        lambda tx: events.engine.record_audit(
            tx,
            tenant,
            actor,
            "events.replayed",
            "event_type",
            type,
            after={"since": since, "until": until, "events": done, "runs_started": new_runs, "triggers": only},
        )
    )
    return done, new_runs

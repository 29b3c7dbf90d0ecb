"""Cron schedules: an event of a given type at every slot of a cron expression, durable, fired
once per slot however many processes run the scheduler.

A slot is claimed by moving the schedule's ``next_fire_at`` past it with a compare-and-set; the
event it publishes has the id ``schedule:<name>:<slot>``, so even two processes that both believed
they won would store it once. After downtime, the most recent missed slot fires once (catch-up),
and the number of slots skipped is in the event's ``meta``. If the database goes away between
the claim and the event, the event is published again once it is back (its id makes that safe).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from croniter import croniter

from officeflow.errors import Conflict, NotFound, Problem, RequestInvalid, StoreUnavailable
from officeflow.ids import uuid7
from officeflow.store.reconnect import retry_until_available, run_loop
from officeflow.store.tx import Tx
from officeflow.store.tx_events import ScheduleRow

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")


class ScheduleNotFound(NotFound):
    """No such schedule."""


def next_slot(cron: str, timezone: str, after: float) -> float:
    tz = ZoneInfo(timezone)
    base = datetime.fromtimestamp(after, tz)
    return float(croniter(cron, base).get_next(float))


def validate(cron: str, timezone: str) -> None:
    if not croniter.is_valid(cron):
        message = f"{cron!r} is not a cron expression"
        raise RequestInvalid(
            [Problem(pointer="/cron", message=message, expected="five fields, e.g. '0 8 * * 1-5'")], message
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"{timezone!r} is not a time zone"
        raise RequestInvalid(
            [Problem(pointer="/timezone", message=message, expected="e.g. 'UTC' or 'Europe/Paris'")], message
        ) from None


class Schedules:
    def __init__(self, engine: Engine, ingestor: Ingestor) -> None:
        self.engine = engine
        self.ingestor = ingestor

    def create(
        self,
        tenant: str,
        name: str,
        cron: str,
        event_type: str,
        *,
        payload: Any = None,
        timezone: str = "UTC",
        actor: str,
    ) -> ScheduleRow:
        validate(cron, timezone)
        self.ingestor.event_type(tenant, event_type)
        now = self.engine.now()
        row = ScheduleRow(
            id=uuid7(),
            tenant=tenant,
            name=name,
            cron=cron,
            timezone=timezone,
            event_type=event_type,
            payload=payload if payload is not None else {},
            enabled=True,
            next_fire_at=next_slot(cron, timezone, now),
            last_fire_at=None,
            created_at=now,
        )

        def body(tx: Tx) -> None:
            if not tx.insert_schedule(row):
                raise Conflict(f"schedule '{name}' exists in tenant '{tenant}'")
            self.engine.record_audit(
                tx,
                tenant,
                actor,
                "schedule.created",
                "schedule",
                name,
                after={"cron": cron, "timezone": timezone, "event_type": event_type},
            )

        self.engine.store.run(body)
        return row

    def list(self, tenant: str) -> list[ScheduleRow]:
        with self.engine.store.read() as tx:
            return tx.list_schedules(tenant)

    def get(self, tenant: str, name: str) -> ScheduleRow:
        with self.engine.store.read() as tx:
            row = tx.get_schedule(tenant, name)
        if row is None:
            raise ScheduleNotFound(f"no schedule '{name}' in tenant '{tenant}'")
        return row

    def delete(self, tenant: str, name: str, *, actor: str) -> None:
        row = self.get(tenant, name)

        def body(tx: Tx) -> None:
            tx.delete_schedule(tenant, row.id)
            self.engine.record_audit(
                tx,
                tenant,
                actor,
                "schedule.deleted",
                "schedule",
                name,
                before={"cron": row.cron, "event_type": row.event_type},
            )

        self.engine.store.run(body)

    def set_enabled(self, tenant: str, name: str, enabled: bool, *, actor: str) -> ScheduleRow:
        row = self.get(tenant, name)
        upcoming = next_slot(row.cron, row.timezone, self.engine.now())

        def body(tx: Tx) -> None:
            tx.set_schedule_enabled(tenant, row.id, enabled, upcoming)
            self.engine.record_audit(
                tx, tenant, actor, "schedule.enabled" if enabled else "schedule.disabled", "schedule", name
            )

        self.engine.store.run(body)
        return self.get(tenant, name)

    def fire_due(self, wait: Callable[[float], bool] | None = None) -> int:
        """Publish the events of every schedule due now; returns how many slots this process fired.
        ``wait(seconds)`` paces the publishing of a claimed slot's event while the database is
        away (returns True to give up: the caller is stopping); by default it sleeps."""
        wait = wait or threading.Event().wait
        now = self.engine.now()
        with self.engine.store.read() as tx:
            due = tx.due_schedules(now)
        fired = 0
        for row in due:
            due_slot = row.next_fire_at
            upcoming = next_slot(row.cron, row.timezone, now)
            slot, skipped = due_slot, 0  # after downtime: the most recent missed slot fires
            probe = next_slot(row.cron, row.timezone, slot)
            while probe <= now and skipped < 10_000:
                slot, skipped = probe, skipped + 1
                probe = next_slot(row.cron, row.timezone, probe)
            claimed = self.engine.store.run(
                functools.partial(_claim, schedule_id=row.id, slot=due_slot, upcoming=upcoming)
            )
            if not claimed:
                continue  # another process took this slot
            stamp = datetime.fromtimestamp(slot, UTC).isoformat().replace("+00:00", "Z")
            publish = functools.partial(
                self.ingestor.ingest,
                row.tenant,
                row.event_type,
                row.payload,
                event_id=f"schedule:{row.name}:{stamp}",
                source="cron",
                subject=row.name,
                meta={"schedule": row.name, "slot": stamp, "missed_slots": skipped},
                actor=f"schedule:{row.name}",
            )
            try:
                retry_until_available(publish, wait=wait)
                fired += 1
            except StoreUnavailable:
                raise  # stopping while the database is away
            except Exception:
                log.exception("a scheduled event was refused", schedule=row.name, slot=stamp)
        return fired

    def next_due(self) -> float | None:
        with self.engine.store.read() as tx:
            return tx.next_schedule_at()


def _claim(tx: Tx, *, schedule_id: str, slot: float, upcoming: float) -> bool:
    return tx.claim_schedule_slot(schedule_id, slot, upcoming)


class ScheduleRunner:
    """Fires due schedules until stopped; run one in each API or ingest process."""

    def __init__(self, schedules: Schedules, *, max_sleep: float = 30.0) -> None:
        self.schedules = schedules
        self.max_sleep = max_sleep
        self._stop = threading.Event()

    def run(self) -> None:
        run_loop(self._round, wait=self._stop.wait, name="the scheduler", error_pause=self.max_sleep)

    def _round(self) -> float:
        """Fire what is due; the seconds until the next slot (at most ``max_sleep``)."""
        self.schedules.fire_due(self._stop.wait)
        due = self.schedules.next_due()
        now = self.schedules.engine.now()
        return self.max_sleep if due is None else min(self.max_sleep, max(0.05, due - now))

    def stop(self) -> None:
        self._stop.set()

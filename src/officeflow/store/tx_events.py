"""Event types, the append-only event store, rejected events, triggers, schedules and files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_VALUE
from officeflow.store.keyed import KeyedTable
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import Later, TxBase


@dataclass(frozen=True, kw_only=True, slots=True)
class EventTypeRow:
    tenant: str
    name: str
    version: int
    schema: dict[str, Any]
    description: str | None
    signature_secret: str | None
    created_at: float
    created_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class EventRow:
    seq: int
    id: str
    tenant: str
    type: str
    version: int
    source: str
    subject: str | None
    payload: Any
    meta: dict[str, Any] | None
    received_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RejectRow:
    id: str
    tenant: str
    type: str
    source: str
    payload: str
    reason: dict[str, Any]
    received_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TriggerRow:
    id: str
    tenant: str
    name: str
    event_type: str
    workflow: str
    version: int | None
    filter: str | None
    input: Any
    idempotency_key: str | None
    enabled: bool
    created_at: float
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleRow:
    id: str
    tenant: str
    name: str
    cron: str
    timezone: str
    event_type: str
    payload: Any
    enabled: bool
    next_fire_at: float
    last_fire_at: float | None
    created_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class FileRow:
    id: str
    tenant: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: float
    source: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class NewEvent:
    """An accepted event as it is stored (the store numbers it: ``EventRow.seq``)."""

    id: str
    tenant: str
    type: str
    version: int
    source: str
    subject: str | None
    payload: Any
    meta: dict[str, Any] | None
    received_at: float


EVENT_TYPES = RowMap(schema.event_types, EventTypeRow, codecs={"schema": JSON_VALUE})
EVENTS = RowMap(schema.events, EventRow, codecs={"payload": JSON_VALUE, "meta": JSON})
NEW_EVENTS = RowMap(schema.events, NewEvent, codecs={"payload": JSON_VALUE, "meta": JSON}, writes_only=True)
REJECTS = RowMap(schema.event_rejects, RejectRow, codecs={"reason": JSON_VALUE})
TRIGGERS = RowMap(schema.triggers, TriggerRow, codecs={"input": JSON})
SCHEDULES = RowMap(schema.schedules, ScheduleRow, codecs={"payload": JSON})
FILES = RowMap(schema.files, FileRow, omit=("content",))

EVENTS_KEYED = KeyedTable.of(NEW_EVENTS, key=("tenant", "id"), conflict="ON CONFLICT DO NOTHING")
_INSERT_EVENT_TYPE = EVENT_TYPES.insert("ON CONFLICT DO NOTHING")
_INSERT_TRIGGER = TRIGGERS.insert("ON CONFLICT DO NOTHING")
_UPDATE_TRIGGER = (
    f"UPDATE of_triggers SET {TRIGGERS.assignments(exclude=('id', 'tenant', 'name', 'created_at'))} "
    "WHERE tenant = :tenant AND id = :id"
)
_INSERT_SCHEDULE = SCHEDULES.insert("ON CONFLICT DO NOTHING")
_INSERT_FILE = FILES.insert(also=("content",))


class EventsMixin(TxBase):
    # Event types

    def insert_event_type(self, row: EventTypeRow) -> bool:
        return self._count(_INSERT_EVENT_TYPE, EVENT_TYPES.params(row)) == 1

    def get_event_type(self, tenant: str, name: str, version: int | None = None) -> EventTypeRow | None:
        if version is None:
            row = self._one(
                f"SELECT {EVENT_TYPES.select} FROM of_event_types WHERE tenant = :t AND name = :n "
                "ORDER BY version DESC LIMIT 1",
                {"t": tenant, "n": name},
            )
        else:
            row = self._one(
                f"SELECT {EVENT_TYPES.select} FROM of_event_types WHERE tenant = :t AND name = :n AND version = :v",
                {"t": tenant, "n": name, "v": version},
            )
        return EVENT_TYPES.load(row) if row else None

    def list_event_types(self, tenant: str) -> list[EventTypeRow]:
        rows = self._all(
            f"SELECT {EVENT_TYPES.select} FROM of_event_types WHERE tenant = :t ORDER BY name, version", {"t": tenant}
        )
        return EVENT_TYPES.load_all(rows)

    # Events

    def insert_event(
        self,
        *,
        id: str,
        tenant: str,
        type: str,
        version: int,
        source: str,
        subject: str | None,
        payload: Any,
        meta: Any,
        received_at: float,
    ) -> Later[bool]:
        """Store an accepted event; later: False when the tenant already has an event with this id."""
        event = NewEvent(
            id=id,
            tenant=tenant,
            type=type,
            version=version,
            source=source,
            subject=subject,
            payload=payload,
            meta=meta,
            received_at=received_at,
        )
        return self._insert_keyed(EVENTS_KEYED, NEW_EVENTS.params(event), (tenant, id))

    def get_event(self, tenant: str, event_id: str) -> EventRow | None:
        row = self._one(
            f"SELECT {EVENTS.select} FROM of_events WHERE tenant = :t AND id = :id", {"t": tenant, "id": event_id}
        )
        return EVENTS.load(row) if row else None

    def list_events(
        self,
        tenant: str,
        *,
        type: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after_seq: int = 0,
        before_seq: int | None = None,
        limit: int = 100,
        ascending: bool = False,
    ) -> list[EventRow]:
        where = ["tenant = :t", "seq > :after"]
        params: dict[str, Any] = {"t": tenant, "after": after_seq, "n": limit}
        if type:
            where.append("type = :type")
            params["type"] = type
        if since is not None:
            where.append("received_at >= :since")
            params["since"] = since
        if until is not None:
            where.append("received_at < :until")
            params["until"] = until
        if before_seq is not None:
            where.append("seq < :before")
            params["before"] = before_seq
        order = "ASC" if ascending else "DESC"
        rows = self._all(
            f"SELECT {EVENTS.select} FROM of_events WHERE {' AND '.join(where)} ORDER BY seq {order} LIMIT :n", params
        )
        return EVENTS.load_all(rows)

    def count_events(self, tenant: str, type: str | None, since: float | None, until: float | None) -> int:
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant}
        if type:
            where.append("type = :type")
            params["type"] = type
        if since is not None:
            where.append("received_at >= :since")
            params["since"] = since
        if until is not None:
            where.append("received_at < :until")
            params["until"] = until
        row = self._one(f"SELECT COUNT(*) FROM of_events WHERE {' AND '.join(where)}", params)
        return int(row[0]) if row else 0

    # Rejected events (the events dead-letter list)

    def insert_reject(self, row: RejectRow) -> None:
        self._exec(REJECTS.insert(), REJECTS.params(row))

    def list_rejects(
        self, tenant: str, *, type: str | None = None, limit: int = 100, before: float | None = None
    ) -> list[RejectRow]:
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant, "n": limit}
        if type:
            where.append("type = :type")
            params["type"] = type
        if before is not None:
            where.append("received_at < :before")
            params["before"] = before
        rows = self._all(
            f"SELECT {REJECTS.select} FROM of_event_rejects "
            f"WHERE {' AND '.join(where)} ORDER BY received_at DESC, id DESC LIMIT :n",
            params,
        )
        return REJECTS.load_all(rows)

    # Triggers

    def insert_trigger(self, row: TriggerRow) -> bool:
        return self._count(_INSERT_TRIGGER, TRIGGERS.params(row)) == 1

    def update_trigger(self, row: TriggerRow) -> None:
        """Write a trigger's settings (its id, tenant, name and creation time stay)."""
        self._exec(_UPDATE_TRIGGER, TRIGGERS.params(row))

    def get_trigger(self, tenant: str, trigger_id: str) -> TriggerRow | None:
        row = self._one(
            f"SELECT {TRIGGERS.select} FROM of_triggers WHERE tenant = :t AND (id = :id OR name = :id)",
            {"t": tenant, "id": trigger_id},
        )
        return TRIGGERS.load(row) if row else None

    def triggers_for(self, tenant: str, event_type: str) -> list[TriggerRow]:
        rows = self._all(
            f"SELECT {TRIGGERS.select} FROM of_triggers WHERE tenant = :t AND event_type = :type AND enabled "
            "ORDER BY name",
            {"t": tenant, "type": event_type},
        )
        return TRIGGERS.load_all(rows)

    def list_triggers(self, tenant: str) -> list[TriggerRow]:
        rows = self._all(f"SELECT {TRIGGERS.select} FROM of_triggers WHERE tenant = :t ORDER BY name", {"t": tenant})
        return TRIGGERS.load_all(rows)

    def delete_trigger(self, tenant: str, trigger_id: str) -> bool:
        return (
            self._count("DELETE FROM of_triggers WHERE tenant = :t AND id = :id", {"t": tenant, "id": trigger_id}) == 1
        )

    # Schedules

    def insert_schedule(self, row: ScheduleRow) -> bool:
        return self._count(_INSERT_SCHEDULE, SCHEDULES.params(row)) == 1

    def list_schedules(self, tenant: str) -> list[ScheduleRow]:
        rows = self._all(f"SELECT {SCHEDULES.select} FROM of_schedules WHERE tenant = :t ORDER BY name", {"t": tenant})
        return SCHEDULES.load_all(rows)

    def get_schedule(self, tenant: str, schedule_id: str) -> ScheduleRow | None:
        row = self._one(
            f"SELECT {SCHEDULES.select} FROM of_schedules WHERE tenant = :t AND (id = :id OR name = :id)",
            {"t": tenant, "id": schedule_id},
        )
        return SCHEDULES.load(row) if row else None

    def due_schedules(self, now: float, limit: int = 100) -> list[ScheduleRow]:
        rows = self._all(
            f"SELECT {SCHEDULES.select} FROM of_schedules WHERE enabled AND next_fire_at <= :now "
            "ORDER BY next_fire_at LIMIT :n",
            {"now": now, "n": limit},
        )
        return SCHEDULES.load_all(rows)

    def next_schedule_at(self) -> float | None:
        row = self._one("SELECT MIN(next_fire_at) FROM of_schedules WHERE enabled")
        return None if row is None else row[0]

    def claim_schedule_slot(self, schedule_id: str, slot: float, next_fire_at: float) -> bool:
        """Move the schedule past ``slot``; True for exactly one process per slot."""
        return (
            self._count(
                "UPDATE of_schedules SET next_fire_at = :next, last_fire_at = :slot WHERE id = :id "
                "AND next_fire_at = :slot",
                {"id": schedule_id, "slot": slot, "next": next_fire_at},
            )
            == 1
        )

    def set_schedule_enabled(self, tenant: str, schedule_id: str, enabled: bool, next_fire_at: float) -> bool:
        return (
            self._count(
                "UPDATE of_schedules SET enabled = :e, next_fire_at = :next WHERE tenant = :t AND id = :id",
                {"t": tenant, "id": schedule_id, "e": enabled, "next": next_fire_at},
            )
            == 1
        )

    def delete_schedule(self, tenant: str, schedule_id: str) -> bool:
        return (
            self._count("DELETE FROM of_schedules WHERE tenant = :t AND id = :id", {"t": tenant, "id": schedule_id})
            == 1
        )

    # Files

    def insert_file(self, row: FileRow, content: bytes) -> None:
        self._exec(_INSERT_FILE, {**FILES.params(row), "content": content})

    def get_file(self, tenant: str, file_id: str) -> tuple[FileRow, bytes] | None:
        row = self._one(
            f"SELECT content, {FILES.select} FROM of_files WHERE tenant = :t AND id = :id", {"t": tenant, "id": file_id}
        )
        if row is None:
            return None
        content, *file = row
        return FILES.load(file), bytes(content)

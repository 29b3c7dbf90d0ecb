"""Event types, the append-only event store, rejected events, triggers, schedules and files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.jsonutil import dumps, dumps_or_none
from officeflow.store.codec import json_or_none
from officeflow.store.keyed import KeyedTable
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


TYPE_COLUMNS = "tenant, name, version, schema, description, signature_secret, created_at, created_by"
EVENT_COLUMNS = "seq, id, tenant, type, version, source, subject, payload, meta, received_at"
TRIGGER_COLUMNS = (
    "id, tenant, name, event_type, workflow, version, filter, input, idempotency_key, enabled, created_at, updated_at"
)
SCHEDULE_COLUMNS = (
    "id, tenant, name, cron, timezone, event_type, payload, enabled, next_fire_at, last_fire_at, created_at"
)
FILE_COLUMNS = "id, tenant, name, content_type, size, sha256, created_at, source"


def _type(r: tuple[Any, ...]) -> EventTypeRow:
    return EventTypeRow(
        tenant=r[0],
        name=r[1],
        version=r[2],
        schema=json_or_none(r[3]),
        description=r[4],
        signature_secret=r[5],
        created_at=r[6],
        created_by=r[7],
    )


def _event(r: tuple[Any, ...]) -> EventRow:
    return EventRow(
        seq=r[0],
        id=r[1],
        tenant=r[2],
        type=r[3],
        version=r[4],
        source=r[5],
        subject=r[6],
        payload=json_or_none(r[7]),
        meta=json_or_none(r[8]),
        received_at=r[9],
    )


def _trigger(r: tuple[Any, ...]) -> TriggerRow:
    return TriggerRow(
        id=r[0],
        tenant=r[1],
        name=r[2],
        event_type=r[3],
        workflow=r[4],
        version=r[5],
        filter=r[6],
        input=json_or_none(r[7]),
        idempotency_key=r[8],
        enabled=bool(r[9]),
        created_at=r[10],
        updated_at=r[11],
    )


def _schedule(r: tuple[Any, ...]) -> ScheduleRow:
    return ScheduleRow(
        id=r[0],
        tenant=r[1],
        name=r[2],
        cron=r[3],
        timezone=r[4],
        event_type=r[5],
        payload=json_or_none(r[6]),
        enabled=bool(r[7]),
        next_fire_at=r[8],
        last_fire_at=r[9],
        created_at=r[10],
    )


def _file(r: tuple[Any, ...]) -> FileRow:
    return FileRow(
        id=r[0], tenant=r[1], name=r[2], content_type=r[3], size=r[4], sha256=r[5], created_at=r[6], source=r[7]
    )


EVENTS_KEYED = KeyedTable(
    "of_events",
    ("id", "tenant", "type", "version", "source", "subject", "payload", "meta", "received_at"),
    key=("tenant", "id"),
    conflict="ON CONFLICT DO NOTHING",
)
EVENT_INSERT = (
    "INSERT INTO of_events (id, tenant, type, version, source, subject, payload, meta, received_at) "
    "VALUES (:id, :tenant, :type, :version, :source, :subject, :payload, :meta, :received_at) ON CONFLICT DO NOTHING"
)


class EventsMixin(TxBase):
    # Event types

    def insert_event_type(self, row: EventTypeRow) -> bool:
        return (
            self._count(
                f"INSERT INTO of_event_types ({TYPE_COLUMNS}) VALUES (:tenant, :name, :version, :schema, :description, "
                ":sig, :created_at, :created_by) ON CONFLICT DO NOTHING",
                {
                    "tenant": row.tenant,
                    "name": row.name,
                    "version": row.version,
                    "schema": dumps(row.schema),
                    "description": row.description,
                    "sig": row.signature_secret,
                    "created_at": row.created_at,
                    "created_by": row.created_by,
                },
            )
            == 1
        )

    def get_event_type(self, tenant: str, name: str, version: int | None = None) -> EventTypeRow | None:
        if version is None:
            row = self._one(
                f"SELECT {TYPE_COLUMNS} FROM of_event_types WHERE tenant = :t AND name = :n "
                "ORDER BY version DESC LIMIT 1",
                {"t": tenant, "n": name},
            )
        else:
            row = self._one(
                f"SELECT {TYPE_COLUMNS} FROM of_event_types WHERE tenant = :t AND name = :n AND version = :v",
                {"t": tenant, "n": name, "v": version},
            )
        return _type(row) if row else None

    def list_event_types(self, tenant: str) -> list[EventTypeRow]:
        rows = self._all(
            f"SELECT {TYPE_COLUMNS} FROM of_event_types WHERE tenant = :t ORDER BY name, version", {"t": tenant}
        )
        return [_type(r) for r in rows]

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
        row = {
            "id": id,
            "tenant": tenant,
            "type": type,
            "version": version,
            "source": source,
            "subject": subject,
            "payload": dumps(payload),
            "meta": dumps_or_none(meta),
            "received_at": received_at,
        }
        return self._insert_keyed(EVENTS_KEYED, row, (tenant, id), EVENT_INSERT)

    def get_event(self, tenant: str, event_id: str) -> EventRow | None:
        row = self._one(
            f"SELECT {EVENT_COLUMNS} FROM of_events WHERE tenant = :t AND id = :id", {"t": tenant, "id": event_id}
        )
        return _event(row) if row else None

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
            f"SELECT {EVENT_COLUMNS} FROM of_events WHERE {' AND '.join(where)} ORDER BY seq {order} LIMIT :n", params
        )
        return [_event(r) for r in rows]

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
        self._exec(
            "INSERT INTO of_event_rejects (id, tenant, type, source, payload, reason, received_at) "
            "VALUES (:id, :t, :type, :source, :payload, :reason, :at)",
            {
                "id": row.id,
                "t": row.tenant,
                "type": row.type,
                "source": row.source,
                "payload": row.payload,
                "reason": dumps(row.reason),
                "at": row.received_at,
            },
        )

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
            "SELECT id, tenant, type, source, payload, reason, received_at FROM of_event_rejects "
            f"WHERE {' AND '.join(where)} ORDER BY received_at DESC, id DESC LIMIT :n",
            params,
        )
        return [
            RejectRow(
                id=r[0], tenant=r[1], type=r[2], source=r[3], payload=r[4], reason=json_or_none(r[5]), received_at=r[6]
            )
            for r in rows
        ]

    # Triggers

    def insert_trigger(self, row: TriggerRow) -> bool:
        return (
            self._count(
                f"INSERT INTO of_triggers ({TRIGGER_COLUMNS}) VALUES (:id, :t, :name, :type, :wf, :v, :filter, :input, "
                ":key, :enabled, :c, :u) ON CONFLICT DO NOTHING",
                self._trigger_params(row),
            )
            == 1
        )

    def update_trigger(self, row: TriggerRow) -> None:
        self._exec(
            "UPDATE of_triggers SET event_type = :type, workflow = :wf, version = :v, filter = :filter, "
            "input = :input, idempotency_key = :key, enabled = :enabled, updated_at = :u "
            "WHERE tenant = :t AND id = :id",
            self._trigger_params(row),
        )

    @staticmethod
    def _trigger_params(row: TriggerRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "t": row.tenant,
            "name": row.name,
            "type": row.event_type,
            "wf": row.workflow,
            "v": row.version,
            "filter": row.filter,
            "input": dumps_or_none(row.input),
            "key": row.idempotency_key,
            "enabled": row.enabled,
            "c": row.created_at,
            "u": row.updated_at,
        }

    def get_trigger(self, tenant: str, trigger_id: str) -> TriggerRow | None:
        row = self._one(
            f"SELECT {TRIGGER_COLUMNS} FROM of_triggers WHERE tenant = :t AND (id = :id OR name = :id)",
            {"t": tenant, "id": trigger_id},
        )
        return _trigger(row) if row else None

    def triggers_for(self, tenant: str, event_type: str) -> list[TriggerRow]:
        rows = self._all(
            f"SELECT {TRIGGER_COLUMNS} FROM of_triggers WHERE tenant = :t AND event_type = :type AND enabled "
            "ORDER BY name",
            {"t": tenant, "type": event_type},
        )
        return [_trigger(r) for r in rows]

    def list_triggers(self, tenant: str) -> list[TriggerRow]:
        rows = self._all(f"SELECT {TRIGGER_COLUMNS} FROM of_triggers WHERE tenant = :t ORDER BY name", {"t": tenant})
        return [_trigger(r) for r in rows]

    def delete_trigger(self, tenant: str, trigger_id: str) -> bool:
        return (
            self._count("DELETE FROM of_triggers WHERE tenant = :t AND id = :id", {"t": tenant, "id": trigger_id}) == 1
        )

    # Schedules

    def insert_schedule(self, row: ScheduleRow) -> bool:
        return (
            self._count(
                f"INSERT INTO of_schedules ({SCHEDULE_COLUMNS}) VALUES (:id, :t, :name, :cron, :tz, :type, :payload, "
                ":enabled, :next, NULL, :c) ON CONFLICT DO NOTHING",
                {
                    "id": row.id,
                    "t": row.tenant,
                    "name": row.name,
                    "cron": row.cron,
                    "tz": row.timezone,
                    "type": row.event_type,
                    "payload": dumps_or_none(row.payload),
                    "enabled": row.enabled,
                    "next": row.next_fire_at,
                    "c": row.created_at,
                },
            )
            == 1
        )

    def list_schedules(self, tenant: str) -> list[ScheduleRow]:
        rows = self._all(f"SELECT {SCHEDULE_COLUMNS} FROM of_schedules WHERE tenant = :t ORDER BY name", {"t": tenant})
        return [_schedule(r) for r in rows]

    def get_schedule(self, tenant: str, schedule_id: str) -> ScheduleRow | None:
        row = self._one(
            f"SELECT {SCHEDULE_COLUMNS} FROM of_schedules WHERE tenant = :t AND (id = :id OR name = :id)",
            {"t": tenant, "id": schedule_id},
        )
        return _schedule(row) if row else None

    def due_schedules(self, now: float, limit: int = 100) -> list[ScheduleRow]:
        rows = self._all(
            f"SELECT {SCHEDULE_COLUMNS} FROM of_schedules WHERE enabled AND next_fire_at <= :now "
            "ORDER BY next_fire_at LIMIT :n",
            {"now": now, "n": limit},
        )
        return [_schedule(r) for r in rows]

    def next_schedule_at(self) -> float | None:
        row = self._one("SELECT MIN(next_fire_at) FROM of_schedules WHERE enabled")
        return row[0] if row and row[0] is not None else None

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
        self._exec(
            f"INSERT INTO of_files ({FILE_COLUMNS}, content) VALUES (:id, :t, :name, :ct, :size, :sha, :c, :source, "
            ":content)",
            {
                "id": row.id,
                "t": row.tenant,
                "name": row.name,
                "ct": row.content_type,
                "size": row.size,
                "sha": row.sha256,
                "c": row.created_at,
                "source": row.source,
                "content": content,
            },
        )

    def get_file(self, tenant: str, file_id: str) -> tuple[FileRow, bytes] | None:
        row = self._one(
            f"SELECT {FILE_COLUMNS}, content FROM of_files WHERE tenant = :t AND id = :id", {"t": tenant, "id": file_id}
        )
        return (_file(row), bytes(row[8])) if row else None

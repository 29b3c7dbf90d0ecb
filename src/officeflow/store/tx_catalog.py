"""Definitions (versioned, immutable) and the workers that have registered."""

from __future__ import annotations

from typing import Any

from officeflow.jsonutil import dumps, loads
from officeflow.store.records import DefinitionRecord, WorkerRecord
from officeflow.store.tx_base import TxBase

DEF_COLUMNS = "tenant, name, version, digest, title, source, data, created_at, created_by"
WORKER_COLUMNS = "id, hostname, pid, queues, concurrency, started_at, heartbeat_at, stopped_at, steps_done"


def definition_of(row: tuple[Any, ...]) -> DefinitionRecord:
    return DefinitionRecord(
        tenant=row[0],
        name=row[1],
        version=row[2],
        digest=row[3],
        title=row[4],
        source=row[5],
        data=loads(row[6]),
        created_at=row[7],
        created_by=row[8],
    )


def worker_of(row: tuple[Any, ...]) -> WorkerRecord:
    return WorkerRecord(
        id=row[0],
        hostname=row[1],
        pid=row[2],
        queues=tuple(loads(row[3])),
        concurrency=row[4],
        started_at=row[5],
        heartbeat_at=row[6],
        stopped_at=row[7],
        steps_done=row[8],
    )


class CatalogMixin(TxBase):
    def insert_definition(self, record: DefinitionRecord) -> bool:
        """Insert; False when (tenant, name, version) exists already."""
        return (
            self._count(
                f"INSERT INTO of_definitions ({DEF_COLUMNS}) VALUES (:tenant, :name, :version, :digest, "
                ":title, :source, :data, :created_at, :created_by) ON CONFLICT DO NOTHING",
                {
                    "tenant": record.tenant,
                    "name": record.name,
                    "version": record.version,
                    "digest": record.digest,
                    "title": record.title,
                    "source": record.source,
                    "data": dumps(record.data),
                    "created_at": record.created_at,
                    "created_by": record.created_by,
                },
            )
            == 1
        )

    def get_definition(self, tenant: str, name: str, version: int | None = None) -> DefinitionRecord | None:
        if version is None:
            row = self._one(
                f"SELECT {DEF_COLUMNS} FROM of_definitions WHERE tenant = :t AND name = :n "
                "ORDER BY version DESC LIMIT 1",
                {"t": tenant, "n": name},
            )
        else:
            row = self._one(
                f"SELECT {DEF_COLUMNS} FROM of_definitions WHERE tenant = :t AND name = :n AND version = :v",
                {"t": tenant, "n": name, "v": version},
            )
        return definition_of(row) if row else None

    def list_definitions(self, tenant: str, name: str | None = None) -> list[DefinitionRecord]:
        params: dict[str, Any] = {"t": tenant}
        where = "tenant = :t"
        if name:
            where += " AND name = :n"
            params["n"] = name
        rows = self._all(f"SELECT {DEF_COLUMNS} FROM of_definitions WHERE {where} ORDER BY name, version", params)
        return [definition_of(r) for r in rows]

    # Workers

    def register_worker(self, record: WorkerRecord) -> None:
        self._exec(
            f"INSERT INTO of_workers ({WORKER_COLUMNS}) VALUES (:id, :host, :pid, :queues, :concurrency, "
            ":started, :started, NULL, 0)",
            {
                "id": record.id,
                "host": record.hostname,
                "pid": record.pid,
                "queues": dumps(list(record.queues)),
                "concurrency": record.concurrency,
                "started": record.started_at,
            },
        )

    def heartbeat_worker(self, worker_id: str, now: float, steps_done: int) -> None:
        self._exec(
            "UPDATE of_workers SET heartbeat_at = :now, steps_done = :done WHERE id = :id",
            {"id": worker_id, "now": now, "done": steps_done},
        )

    def stop_worker(self, worker_id: str, now: float, steps_done: int) -> None:
        self._exec(
            "UPDATE of_workers SET stopped_at = :now, heartbeat_at = :now, steps_done = :done WHERE id = :id",
            {"id": worker_id, "now": now, "done": steps_done},
        )

    def list_workers(self, since: float) -> list[WorkerRecord]:
        rows = self._all(
            f"SELECT {WORKER_COLUMNS} FROM of_workers WHERE heartbeat_at >= :since ORDER BY started_at",
            {"since": since},
        )
        return [worker_of(r) for r in rows]

    def prune_workers(self, before: float) -> int:
        return self._count("DELETE FROM of_workers WHERE heartbeat_at < :before", {"before": before})

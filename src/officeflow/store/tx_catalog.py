"""Definitions (versioned, immutable) and the workers that have registered."""

from __future__ import annotations

from typing import Any

from officeflow.store.records import DEFINITIONS, WORKERS, DefinitionRecord, WorkerRecord
from officeflow.store.tx_base import TxBase

_INSERT_DEFINITION = DEFINITIONS.insert("ON CONFLICT DO NOTHING")


class CatalogMixin(TxBase):
    def insert_definition(self, record: DefinitionRecord) -> bool:
        """Insert; False when (tenant, name, version) exists already."""
        return self._count(_INSERT_DEFINITION, DEFINITIONS.params(record)) == 1

    def get_definition(self, tenant: str, name: str, version: int | None = None) -> DefinitionRecord | None:
        if version is None:
            row = self._one(
                f"SELECT {DEFINITIONS.select} FROM of_definitions WHERE tenant = :t AND name = :n "
                "ORDER BY version DESC LIMIT 1",
                {"t": tenant, "n": name},
            )
        else:
            row = self._one(
                f"SELECT {DEFINITIONS.select} FROM of_definitions WHERE tenant = :t AND name = :n AND version = :v",
                {"t": tenant, "n": name, "v": version},
            )
        return DEFINITIONS.load(row) if row else None

    def list_definitions(self, tenant: str, name: str | None = None) -> list[DefinitionRecord]:
        params: dict[str, Any] = {"t": tenant}
        where = "tenant = :t"
        if name:
            where += " AND name = :n"
            params["n"] = name
        rows = self._all(
            f"SELECT {DEFINITIONS.select} FROM of_definitions WHERE {where} ORDER BY name, version", params
        )
        return DEFINITIONS.load_all(rows)

    # Workers

    def register_worker(self, record: WorkerRecord) -> None:
        self._exec(WORKERS.insert(), WORKERS.params(record))

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
            f"SELECT {WORKERS.select} FROM of_workers WHERE heartbeat_at >= :since ORDER BY started_at",
            {"since": since},
        )
        return WORKERS.load_all(rows)

    def prune_workers(self, before: float) -> int:
        return self._count("DELETE FROM of_workers WHERE heartbeat_at < :before", {"before": before})

"""Documents: what ``document`` steps read, and each tenant's per-vendor memory
(officeflow.documents.service builds on these; clerks' corrections go to the model feedback of
``tx_model_feedback``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.store import schema
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadingRow:
    """One document as a ``document`` step read it; ``extraction`` is the full JSON (words and
    boxes included), so a later correction can teach the vendor memory without reading again."""

    id: str
    tenant: str
    run_id: str
    step_id: str
    file_id: str
    kind: str
    source: str
    vendor_key: str | None
    extraction: str
    created_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class VendorRow:
    """One vendor's memory in one tenant: ``profile`` is the JSON of a VendorProfile."""

    tenant: str
    vendor_key: str
    vendor: str | None
    profile: str
    corrections: int
    updated_at: float
    updated_by: str | None


READINGS = RowMap(schema.document_readings, ReadingRow)
VENDORS = RowMap(schema.document_vendors, VendorRow)

_PUT_READING = READINGS.upsert(("id",))
_PUT_VENDOR = VENDORS.upsert(("tenant", "vendor_key"))


class DocumentsMixin(TxBase):
    # Readings

    def put_reading(self, row: ReadingRow) -> None:
        """Insert the reading, or replace it (a step read again after a retry keeps one row)."""
        self._exec(_PUT_READING, READINGS.params(row))

    def get_reading(self, tenant: str, reading_id: str) -> ReadingRow | None:
        row = self._one(
            f"SELECT {READINGS.select} FROM of_document_readings WHERE tenant = :t AND id = :id",
            {"t": tenant, "id": reading_id},
        )
        return READINGS.load(row) if row else None

    def delete_readings_of_run(self, tenant: str, run_id: str) -> int:
        return self._count(
            "DELETE FROM of_document_readings WHERE tenant = :t AND run_id = :r", {"t": tenant, "r": run_id}
        )

    # Vendor memory

    def list_vendors(self, tenant: str, *, after: str | None = None, limit: int | None = None) -> list[VendorRow]:
        """The tenant's vendors by key; ``after`` a key and at most ``limit``: a page of them."""
        where, params = "tenant = :t", {"t": tenant}
        if after is not None:
            where += " AND vendor_key > :after"
            params["after"] = after
        page = "" if limit is None else f" LIMIT {int(limit)}"
        rows = self._all(
            f"SELECT {VENDORS.select} FROM of_document_vendors WHERE {where} ORDER BY vendor_key{page}", params
        )
        return VENDORS.load_all(rows)

    def get_vendor(self, tenant: str, vendor_key: str) -> VendorRow | None:
        row = self._one(
            f"SELECT {VENDORS.select} FROM of_document_vendors WHERE tenant = :t AND vendor_key = :k",
            {"t": tenant, "k": vendor_key},
        )
        return VENDORS.load(row) if row else None

    def put_vendor(self, row: VendorRow) -> None:
        self._exec(_PUT_VENDOR, VENDORS.params(row))

    def delete_vendors(self, tenant: str, vendor_keys: Sequence[str]) -> int:
        if not vendor_keys:
            return 0
        names = {f"k{i}": key for i, key in enumerate(vendor_keys)}
        marks = ", ".join(f":{name}" for name in names)
        return self._count(
            f"DELETE FROM of_document_vendors WHERE tenant = :t AND vendor_key IN ({marks})", {"t": tenant, **names}
        )

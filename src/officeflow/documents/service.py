"""Documents in an office: the ``document`` step's reading of stored files, and the per-vendor
memory each tenant keeps in the database.

``DocumentService.read`` takes a stored file (``of_files``), reads it in the limited child
process (one ``Extractor`` per office, kept between documents) with the tenant's vendor memory,
keeps the full extraction (``of_document_readings``: words and boxes, so a later correction can
teach the memory without reading the file again) and returns the step's output: each field's
value, confidence, page and box, the consistency checks and their reasons, the source and
engine, the latency, and which fields a person should look at.

``DocumentService.learn`` runs inside the transaction that decides a human task whose
``document`` is a document step's output: each form field that shows a document field
(same name, or ``x-document-field`` in the form's schema) and was changed from what was read is
a correction; the corrections are kept as model feedback (``of_model_feedback``, model
``documents``) and teach the tenant's memory of that vendor (``of_document_vendors``), which
the next reading of that tenant uses.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from officeflow.documents.errors import DocumentUnreadable
from officeflow.documents.isolation import Extractor
from officeflow.documents.limits import Limits
from officeflow.documents.memory import VendorMemory, VendorProfile
from officeflow.documents.model import FIELD_NAMES, Extraction, FieldValue
from officeflow.documents.serialise import from_dict, to_dict
from officeflow.errors import NonRetryableError, NotFound
from officeflow.security import audit
from officeflow.security.keys import Keyring
from officeflow.store.base import Store
from officeflow.store.tx import Tx
from officeflow.store.tx_documents import ReadingRow, VendorRow
from officeflow.store.tx_model_feedback import CORRECTION, NewFeedback
from officeflow.store.tx_tasks import TaskRow

MODEL = "documents"
"""The model name document corrections are recorded under as model feedback."""
MODEL_VERSION = "builtin-1"
REVIEWED_FIELDS = ("vendor", "date", "total")
"""Fields a person must see when they are missing or doubtful (a step's ``require``)."""
DOCUMENT_FIELD = "x-document-field"
"""The form-schema keyword naming the document field a differently named form field shows."""


class FileMissing(NonRetryableError):
    """The step's file is not stored (any more) in the run's tenant."""


class VendorUnknown(NotFound):
    """The tenant's vendor memory holds no such vendor."""


@dataclass(frozen=True, kw_only=True)
class VendorSummary:
    """What a tenant's memory holds of one vendor (for people: not the anchors themselves)."""

    vendor_key: str
    """The vendor's key in the memory: ``vat:...``, ``iban:...`` or ``name:...``."""
    vendor: str | None
    """The vendor's name as a person gave or confirmed it."""
    keys: list[str]
    """Every key its documents are recognised by."""
    fields: list[str]
    """The fields whose place on the page was learned."""
    corrections: int
    updated_at: float
    updated_by: str | None

    @classmethod
    def of(cls, row: VendorRow) -> VendorSummary:
        try:
            profile = json.loads(row.profile)
        except ValueError:
            profile = {}
        profile = profile if isinstance(profile, dict) else {}
        keys, fields = profile.get("keys"), profile.get("fields")
        return cls(
            vendor_key=row.vendor_key,
            vendor=row.vendor,
            keys=[str(k) for k in keys] if isinstance(keys, list) else [row.vendor_key],
            fields=sorted(fields) if isinstance(fields, dict) else [],
            corrections=row.corrections,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reading_id_of(idempotency_key: str) -> str:
    """The reading's id: stable across retries of one step invocation (a retry replaces it)."""
    return "rd_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def file_id_of(ref: Any) -> str:
    """The file id a step's ``file`` evaluated to: the id, or a mapping with ``file_id``/``id``."""
    if isinstance(ref, dict):
        ref = ref.get("file_id") or ref.get("id")
    if not isinstance(ref, str) or not ref.strip():
        raise DocumentUnreadable(f"'file' evaluated to {json.dumps(ref)[:80]}, not the id of a stored file")
    return ref.strip()


def engine_of(extraction: Extraction) -> str:
    """``tesseract``/``rapidocr`` (the OCR engine of most pages), ``text`` or ``einvoice``."""
    sources = [p.source for p in extraction.pages] or [extraction.source]
    most = max(set(sources), key=sources.count)
    if extraction.source == "einvoice":
        return "einvoice"
    return most.removeprefix("ocr:")


def doubtful(extraction: Extraction, require: tuple[str, ...], min_confidence: float | None) -> list[dict[str, Any]]:
    """The required fields a person should check: missing, or below ``min_confidence``, or
    named by a failed check (with that check's reason)."""
    out: list[dict[str, Any]] = []
    failed = {name: c.reason for c in extraction.checks if not c.passed for name in c.fields}
    for name in require:
        found = extraction.fields.get(name)
        if found is None:
            out.append({"field": name, "confidence": None, "why": "not found"})
        elif min_confidence is not None and found.confidence < min_confidence:
            why = f"confidence {found.confidence:.2f} is below {min_confidence:.2f}"
            if name in failed:
                why += f"; {failed[name]}"
            out.append({"field": name, "confidence": round(found.confidence, 3), "why": why})
    return out


def step_output(
    extraction: Extraction,
    *,
    file_id: str,
    file_name: str,
    reading_id: str,
    latency: float,
    require: tuple[str, ...],
    min_confidence: float | None,
) -> dict[str, Any]:
    """What a document step records: the JSON of ``documents extract`` (without the words) plus
    the file, the reading, the engine, the latency, flat ``values`` and the review verdict."""
    data = to_dict(extraction)
    values: dict[str, Any] = {
        name: (None if found is None else found["value"]) for name, found in data["fields"].items()
    }
    review = doubtful(extraction, require, min_confidence)
    return {
        "file_id": file_id,
        "file_name": file_name,
        "reading_id": reading_id,
        **data,
        "engine": engine_of(extraction),
        "latency_ms": round(latency * 1000.0, 1),
        "values": values,
        "review": {"needed": bool(review), "fields": review, "min_confidence": min_confidence},
    }


def memory_of(rows: list[VendorRow]) -> VendorMemory:
    """A tenant's vendor memory from its rows (one per vendor)."""
    return VendorMemory.from_json(json.dumps({"version": 1, "vendors": [json.loads(row.profile) for row in rows]}))


def form_fields(task: TaskRow) -> dict[str, str]:
    """Form field -> document field, for the task's form fields that show a document field."""
    form = task.spec.get("form")
    schema = form.get("schema") if isinstance(form, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    out: dict[str, str] = {}
    for name, spec in (properties or {}).items():
        named = spec.get(DOCUMENT_FIELD) if isinstance(spec, dict) else None
        if isinstance(named, str) and named in FIELD_NAMES:
            out[name] = named
        elif name in FIELD_NAMES:
            out[name] = name
    return out


def _same(name: str, read: FieldValue | None, given: Any) -> bool:
    if read is None or given is None:
        return read is None and given in (None, "")
    if name in ("total", "net", "tax"):
        try:
            return abs(float(read) - float(given)) < 0.005
        except (TypeError, ValueError):
            return False
    return str(read).strip().casefold() == str(given).strip().casefold()


def corrections_of(task: TaskRow, values: dict[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    """Document field -> (what was read, what the person gave) for each changed field."""
    document = task.spec.get("document")
    if not isinstance(document, dict) or not values:
        return {}
    read = document.get("values") or {}
    out: dict[str, tuple[Any, Any]] = {}
    for form_name, field_name in form_fields(task).items():
        given = values.get(form_name)
        if given in (None, ""):
            continue
        if field_name in ("total", "net", "tax") and isinstance(given, str):
            try:
                given = float(given.replace(",", "."))
            except ValueError:
                continue
        if not _same(field_name, read.get(field_name), given):
            out[field_name] = (read.get(field_name), given)
    return out


class DocumentService:
    """Reads stored files for document steps; keeps and teaches each tenant's vendor memory."""

    def __init__(
        self, store: Store, *, keyring: Keyring, now: Callable[[], float] = time.time, limits: Limits | None = None
    ) -> None:
        """``keyring`` signs the audit entries of forgotten vendors; ``now`` is the office's clock."""
        self.store = store
        self.keyring = keyring
        self._now = now
        self.extractor = Extractor(limits)

    def close(self) -> None:
        self.extractor.close()

    # The vendor memory, for administrators

    def vendors(self, tenant: str, *, after: str | None = None, limit: int = 100) -> list[VendorSummary]:
        """The tenant's vendors by key, a page at a time (``after``: the last key of the previous page)."""
        with self.store.read() as tx:
            rows = tx.list_vendors(tenant, after=after, limit=limit)
        return [VendorSummary.of(row) for row in rows]

    def forget_vendor(self, tenant: str, vendor: str, *, actor: str) -> VendorSummary:
        """Forget what the tenant's memory learned of a vendor (named by any of its keys); audited
        (``document.vendor.forgotten``). VendorUnknown when the memory holds no such vendor."""
        now = self._now()
        with self.store.transaction() as tx:
            row = tx.get_vendor(tenant, vendor)
            if row is None:
                row = next((r for r in tx.list_vendors(tenant) if vendor in VendorSummary.of(r).keys), None)
            if row is None:
                raise VendorUnknown(f"the vendor memory of tenant '{tenant}' holds no vendor '{vendor}'")
            forgotten = VendorSummary.of(row)
            tx.delete_vendors(tenant, [row.vendor_key])
            audit.record(
                tx,
                self.keyring,
                tenant=tenant,
                at=now,
                actor=actor,
                action="document.vendor.forgotten",
                object_type="document_vendor",
                object_id=row.vendor_key,
                before={"vendor": forgotten.vendor, "fields": forgotten.fields, "corrections": forgotten.corrections},
            )
        return forgotten

    # Reading

    def memory(self, tenant: str) -> VendorMemory:
        return memory_of(self.store.run(lambda tx: tx.list_vendors(tenant)))

    def read(
        self,
        tenant: str,
        file_ref: Any,
        *,
        run_id: str,
        step_id: str,
        reading_id: str,
        kind: str = "auto",
        engine: str = "auto",
        now: float | None = None,
        require: tuple[str, ...] = REVIEWED_FIELDS,
        min_confidence: float | None = None,
    ) -> dict[str, Any]:
        """Read the stored file ``file_ref`` names; the document step's output. DocumentRefused,
        DocumentUnreadable or FileMissing (all non-retryable) say why not."""
        file_id = file_id_of(file_ref)
        found = self.store.run(lambda tx: tx.get_file(tenant, file_id))
        if found is None:
            raise FileMissing(f"file '{file_id}' is not stored in tenant '{tenant}'")
        row, content = found
        memory = self.memory(tenant)
        today = datetime.fromtimestamp(now, UTC).date() if now is not None else None
        started = time.perf_counter()
        extraction = self.extractor.extract(
            content,
            filename=row.name,
            kind=kind,
            engine=engine,
            vendor_memory=memory if memory.profiles else None,
            today=today,
        )
        latency = time.perf_counter() - started
        reading = ReadingRow(
            id=reading_id,
            tenant=tenant,
            run_id=run_id,
            step_id=step_id,
            file_id=file_id,
            kind=extraction.kind,
            source=extraction.source,
            vendor_key=extraction.vendor_key,
            extraction=json.dumps(to_dict(extraction, full=True), ensure_ascii=False),
            created_at=now if now is not None else time.time(),
        )
        self.store.run(lambda tx: tx.put_reading(reading))
        return step_output(
            extraction,
            file_id=file_id,
            file_name=row.name,
            reading_id=reading_id,
            latency=latency,
            require=require,
            min_confidence=min_confidence,
        )

    # Learning, inside the transaction that decides a task

    def learn(
        self, tx: Tx, task: TaskRow, values: dict[str, Any] | None, actor: str, now: float
    ) -> VendorProfile | None:
        """Keep the corrections of the task's document as feedback and teach the vendor memory;
        the profile learned, or None when the task shows no document reading or nothing changed."""
        document = task.spec.get("document")
        if not isinstance(document, dict) or not isinstance(document.get("reading_id"), str):
            return None
        changed = corrections_of(task, values)
        if not changed:
            return None
        reading = tx.get_reading(task.tenant, document["reading_id"])
        if reading is None:
            return None
        extraction = from_dict(json.loads(reading.extraction))
        confidence = {n: (f.confidence if f else None) for n, f in extraction.fields.items()}
        tx.add_model_feedback(
            [
                NewFeedback(
                    tenant=task.tenant,
                    model=MODEL,
                    version=MODEL_VERSION,
                    prediction_id=reading.id,
                    kind=CORRECTION,
                    field=f"/fields/{name}",
                    input={"file_id": reading.file_id, "confidence": confidence.get(name)},
                    output=document.get("values"),
                    model_value=before,
                    label=after,
                    task_id=task.id,
                    run_id=task.run_id,
                    workflow=task.workflow,
                    step_id=reading.step_id,
                    actor=actor,
                    at=now,
                )
                for name, (before, after) in sorted(changed.items())
            ]
        )
        memory = memory_of(tx.list_vendors(task.tenant))
        profile = memory.learn(extraction, {name: after for name, (_, after) in changed.items()})
        if not profile.keys:
            return None  # nothing names the vendor: its next document could not be recognised
        tx.delete_vendors(task.tenant, [k for k in profile.keys if k != profile.key])
        tx.put_vendor(
            VendorRow(
                tenant=task.tenant,
                vendor_key=profile.key,
                vendor=profile.vendor,
                profile=json.dumps(asdict(profile), ensure_ascii=False, sort_keys=True),
                corrections=profile.corrections,
                updated_at=now,
                updated_by=actor,
            )
        )
        return profile

"""The learning loop through an office: accuracy on a vendor's later documents after one
correction made in a human task.

An office on a fresh SQLite file; a workflow whose ``document`` step reads an invoice and whose
human step shows it to a clerk with a form pre-filled from the reading (supplier, invoice number,
date, total). For each vendor of ``vendor_series`` (the seeded generator's vendors that label
their invoice number and date with words no lexicon has), the clerk reviews the first document
and puts the true values in the form (``Tasks.decide``, as the API and the console do): the
changed fields are kept as model feedback and teach the tenant's vendor memory in the database.
Then each of that vendor's later documents is read twice by the same step: in a tenant whose
clerk never corrected anything (without memory) and in the tenant that learned (with memory).
The figure is the share of the headline fields (vendor, date, total, invoice number) right.

    python bench/document_learning.py [--seed 1007] [--vendors 8] [--documents 4]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from tempfile import TemporaryDirectory
from typing import Any

from officeflow import FakeClock, Office
from officeflow.documents.evaluate import HEADLINE, TODAY
from officeflow.documents.scoring import same
from officeflow.documents.synth.generate import Sample, vendor_series
from officeflow.ingest.files import MAX_SIZE
from officeflow.tasks import Decision

TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "tif": "image/tiff"}
FORM = {"supplier": "vendor", "invoice_number": "invoice_number", "date": "date", "amount": "total"}
DEFINITION: dict[str, Any] = {
    "name": "invoice-check",
    "version": 1,
    "input": {"type": "object", "properties": {"file": {"type": "string"}}},
    "steps": {
        "read": {"kind": "document", "file": "input.file", "document_kind": "invoice", "next": "review"},
        "review": {
            "kind": "human",
            "title": "Check the invoice",
            "assign": {"user": "'clara'"},
            "document": "steps.read.output",
            "form": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "supplier": {"type": ["string", "null"], "x-document-field": "vendor"},
                        "invoice_number": {"type": ["string", "null"]},
                        "date": {"type": ["string", "null"]},
                        "amount": {"type": ["number", "null"], "x-document-field": "total"},
                    },
                },
                "values": "{'supplier': steps.read.output.values.vendor, "
                "'invoice_number': steps.read.output.values.invoice_number, "
                "'date': steps.read.output.values.date, 'amount': steps.read.output.values.total}",
            },
            "outcomes": {"accept": {"label": "Accept"}},
        },
    },
}


def _read(office: Office, tenant: str, sample: Sample) -> tuple[str, dict[str, Any]]:
    content_type = TYPES[sample.filename.rsplit(".", 1)[1]]
    row = office.events.save_file(tenant, sample.filename, content_type, sample.data, source="bench", max_size=MAX_SIZE)
    run = office.engine.start("invoice-check", {"file": row.id}, tenant=tenant)
    office.engine.run_until_idle()
    output = next(
        h.output
        for h in office.engine.history(run.id, tenant=tenant)
        if h.step_id == "read" and h.type == "step_completed"
    )
    return run.id, output


def measure(seed: int, vendors: int, documents: int) -> dict[str, Any]:
    series = vendor_series(seed, vendors, documents)
    clock = FakeClock(datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC).timestamp())
    counts = {"fields": 0, "without": 0, "with": 0, "corrected_fields": 0, "vendors_learned": 0}
    with TemporaryDirectory() as tmp, Office.open(f"sqlite:///{tmp}/learning.db", clock=clock, migrate=True) as office:
        for tenant in ("taught", "untaught"):
            office.directory.put_person(tenant, "clara", actor="bench")
            office.engine.apply(DEFINITION, tenant=tenant, actor="bench")
        clara = office.tasks.viewer("taught", "clara")
        for docs in series:
            first = docs[0]
            run_id, read = _read(office, "taught", first)
            (task,) = office.tasks.of_run("taught", run_id)
            values = {form: first.truth[field] for form, field in FORM.items()}
            counts["corrected_fields"] += sum(
                not same(field, read["values"][field], first.truth[field]) for field in FORM.values()
            )
            office.tasks.decide(clara, task.id, Decision(outcome="accept", values=values))
            counts["vendors_learned"] = len(office.store.run(lambda tx: tx.list_vendors("taught")))
            for doc in docs[1:]:
                _, plain = _read(office, "untaught", doc)
                _, taught = _read(office, "taught", doc)
                for name in HEADLINE:
                    counts["fields"] += 1
                    counts["without"] += same(name, plain["values"][name], doc.truth[name])
                    counts["with"] += same(name, taught["values"][name], doc.truth[name])
    return {
        "seed": seed,
        "vendors": vendors,
        "later_documents": vendors * (documents - 1),
        **counts,
        "without_share": round(counts["without"] / counts["fields"], 4),
        "with_share": round(counts["with"] / counts["fields"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1007)
    parser.add_argument("--vendors", type=int, default=8)
    parser.add_argument("--documents", type=int, default=4)
    args = parser.parse_args()
    figures = measure(args.seed, args.vendors, args.documents)
    print(
        f"{figures['vendors']} vendors, {figures['later_documents']} later documents, {figures['fields']} headline "
        f"fields: right without memory {figures['without']} ({100 * figures['without_share']:.1f}%), after one "
        f"correction in a task {figures['with']} ({100 * figures['with_share']:.1f}%); "
        f"{figures['corrected_fields']} fields corrected in all"
    )
    print(json.dumps({"document_learning": figures}, sort_keys=True))


if __name__ == "__main__":
    main()

"""The ``document`` step on both backends: a receipt image, a born-digital PDF, an e-invoice XML and
a hostile file read from stored files in a worker; review routing; and the learning loop: a
clerk's correction through the task API is kept as model feedback and teaches the tenant's
vendor memory, which the next document from that vendor is read with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from officeflow import Office, RunStatus
from officeflow.documents.synth.generate import vendor_series
from officeflow.ingest.files import MAX_SIZE
from tests.integration.conftest import Api
from tests.integration.test_documents_hostile import png_declaring

PASSWORD = "correct horse battery"
DATA = Path(__file__).resolve().parents[1] / "data" / "documents"
EXPECTED = json.loads((DATA / "expected.json").read_text())

READ_ONLY = {
    "name": "read-document",
    "version": 1,
    "input": {"type": "object", "properties": {"file": {"type": "string"}}},
    "steps": {
        "read": {"kind": "document", "file": "input.file", "min_confidence": 0.5, "review": "check", "next": "done"},
        "check": {"kind": "end", "output": "{'checked': true}"},
        "done": {"kind": "end", "output": "{'checked': false}"},
    },
}

REVIEWED = {
    "name": "invoice-review",
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
                        "supplier": {"type": "string", "x-document-field": "vendor"},
                        "invoice_number": {"type": "string"},
                        "date": {"type": "string"},
                        "amount": {"type": "number", "x-document-field": "total"},
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


@pytest.fixture
def office(make_office: Any) -> Office:
    made: Office = make_office()
    made.engine.apply(READ_ONLY)
    return made


def stored(office: Office, name: str, content: bytes, content_type: str) -> str:
    return office.events.save_file("default", name, content_type, content, source="test", max_size=MAX_SIZE).id


def read(office: Office, name: str, content: bytes, content_type: str) -> tuple[Any, dict[str, Any]]:
    run = office.engine.start("read-document", {"file": stored(office, name, content, content_type)})
    office.engine.run_until_idle()
    done = office.engine.get_run(run.id)
    step = [h for h in office.engine.history(run.id) if h.step_id == "read" and h.type == "step_completed"]
    return done, step[0].output if step else {}


@pytest.mark.parametrize(
    ("name", "content_type", "source", "engine"),
    [
        ("receipt-de-scan.png", "image/png", "ocr:tesseract", "tesseract"),
        ("invoice-gb-text.pdf", "application/pdf", "text", "text"),
    ],
)
def test_a_stored_document_is_read_into_fields_with_boxes(
    office: Office, name: str, content_type: str, source: str, engine: str
) -> None:
    run, output = read(office, name, (DATA / name).read_bytes(), content_type)
    assert run.status == RunStatus.COMPLETED
    truth = EXPECTED[name]
    assert output["source"] == source
    assert output["engine"] == engine
    for field in ("date", "total"):
        found = output["fields"][field]
        assert found["value"] == truth[field], field
        assert 0.0 < found["confidence"] <= 1.0
        assert found["page"] == 1
        x0, y0, x1, y1 = found["box"]
        page = output["pages"][0]
        assert 0 <= x0 < x1 <= page["width"]
        assert 0 <= y0 < y1 <= page["height"]
    assert output["values"]["total"] == truth["total"]
    assert output["latency_ms"] > 0
    assert output["reading_id"].startswith("rd_")
    assert isinstance(output["checks"], list)
    reading = office.store.run(lambda tx: tx.get_reading("default", output["reading_id"]))
    assert reading is not None
    assert reading.run_id == run.id
    assert json.loads(reading.extraction)["pages"][0]["words"], "the full reading keeps the words"


def test_an_einvoice_xml_is_read_exactly(office: Office) -> None:
    run, output = read(office, "peppol.xml", (DATA / "peppol-ubl.xml").read_bytes(), "application/xml")
    assert run.status == RunStatus.COMPLETED
    assert output["source"] == "einvoice"
    assert output["engine"] == "einvoice"
    assert output["values"]["vendor"] == "Lieferant Nord GmbH"
    assert output["values"]["invoice_number"] == "Snippet1"
    assert output["fields"]["invoice_number"]["page"] is None


def test_a_hostile_file_fails_the_step_with_the_reason_and_no_retry(office: Office) -> None:
    run, output = read(office, "bomb.png", png_declaring(100_000, 100_000), "image/png")
    assert output == {}
    assert run.status == RunStatus.FAILED
    failed = [h for h in office.engine.history(run.id) if h.type == "step_failed"]
    assert len(failed) == 1, "a refused document is not retried"
    assert "refused" in json.dumps(failed[0].data).lower()
    assert "pixels" in json.dumps(failed[0].data)


def test_a_file_that_is_not_stored_fails_the_step(office: Office) -> None:
    run = office.engine.start("read-document", {"file": "no-such-file"})
    office.engine.run_until_idle()
    assert office.engine.get_run(run.id).status == RunStatus.FAILED
    failed = [h for h in office.engine.history(run.id) if h.type == "step_failed"]
    assert "not stored" in json.dumps(failed[0].data)


def test_a_doubtful_field_routes_to_review(office: Office) -> None:
    """A field below min_confidence (or missing) goes to the review step; a clear one does not."""
    run, output = read(office, "invoice-gb-text.pdf", (DATA / "invoice-gb-text.pdf").read_bytes(), "application/pdf")
    assert output["review"]["needed"] is False
    assert run.output == {"checked": False}
    run, output = read(office, "note.png", _note_png(), "image/png")
    assert output["review"]["needed"] is True
    assert {"date", "total"} <= {f["field"] for f in output["review"]["fields"]}
    assert run.output == {"checked": True}


def _note_png() -> bytes:
    """A note with words but neither a date nor an amount."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 300), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 40)
    ImageDraw.Draw(image).text((40, 100), "please call me back tomorrow", font=font, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_correction_through_the_task_api_teaches_the_vendor_memory(api: Api) -> None:
    """The first document of a vendor whose labels no lexicon knows: the clerk corrects its
    invoice number and date through the task API; they are kept as feedback, the tenant's memory
    of that vendor is stored, and the vendor's next document comes out right."""
    office = api.office
    office.accounts.create_user("default", "clara", password=PASSWORD, grants=["approver"], actor="test")
    office.directory.put_person("default", "clara", actor="test")
    login = api.client.post("/v1/auth/login", json={"tenant": "default", "username": "clara", "password": PASSWORD})
    clara = {"Authorization": f"Bearer {login.json()['token']}"}
    office.engine.apply(REVIEWED)
    series = vendor_series(seed=11, vendors=1, documents=2)[0]
    first, second = series

    def run_of(sample: Any) -> tuple[str, dict[str, Any]]:
        content_type = "application/pdf" if sample.filename.endswith(".pdf") else "image/png"
        run = office.engine.start(
            "invoice-review", {"file": stored(office, sample.filename, sample.data, content_type)}
        )
        office.engine.run_until_idle()
        read_out = next(h.output for h in office.engine.history(run.id) if h.step_id == "read" and h.output)
        return run.id, read_out

    run_id, out = run_of(first)
    wrong = [n for n in ("invoice_number", "date") if out["values"][n] != first.truth[n]]
    assert wrong, "the quirky labels defeat the generic rules on this vendor's first document"
    task = office.tasks.of_run("default", run_id)[0]
    values = {
        "supplier": out["values"]["vendor"],
        "invoice_number": first.truth["invoice_number"],
        "date": first.truth["date"],
        "amount": first.truth["total"],
    }
    decided = api.client.post(
        f"/v1/tasks/{task.id}/decision", json={"outcome": "accept", "values": values}, headers=clara
    )
    assert decided.status_code == 200, decided.text
    feedback = office.store.run(lambda tx: tx.feedback_of_task("default", task.id))
    assert {f.field for f in feedback} >= {f"/fields/{n}" for n in wrong}
    assert all(f.model == "documents" and f.prediction_id == out["reading_id"] for f in feedback)
    vendors = office.store.run(lambda tx: tx.list_vendors("default"))
    assert len(vendors) == 1
    assert vendors[0].corrections == 1
    assert vendors[0].updated_by == "clara"

    _, later = run_of(second)
    for name in ("invoice_number", "date", "total"):
        assert later["values"][name] == second.truth[name], name
    assert set(wrong) <= set(later["memory_applied"])

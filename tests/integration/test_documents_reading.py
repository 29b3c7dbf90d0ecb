"""Real documents through the real readers in the limited child process: born-digital and scanned
PDFs, PNG and JPEG receipts (a phone photo included), a two-page TIFF, a Factur-X PDF, and
hand-written UBL and CII e-invoices. Fixtures: tests/data/documents (make_fixtures.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from officeflow.documents import Extractor, VendorMemory, from_dict, to_dict
from officeflow.documents.scoring import same

DATA = Path(__file__).parents[1] / "data" / "documents"
EXPECTED: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text())
HEADLINE = ("vendor", "date", "total", "invoice_number")
TODAY = date(2026, 12, 31)


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor() as extractor:
        yield extractor


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_generated_fixtures_are_read_right(extractor: Extractor, name: str) -> None:
    truth = EXPECTED[name]
    extraction = extractor.extract((DATA / name).read_bytes(), filename=name, today=TODAY)
    wrong = {f: (extraction.value(f), truth[f]) for f in HEADLINE if not same(f, extraction.value(f), truth[f])}
    assert wrong == {}
    if truth["pages"]:
        assert len(extraction.pages) == truth["pages"]
    for found in extraction.fields.values():
        if found is not None and found.box is not None:
            page = extraction.pages[(found.page or 1) - 1]
            x0, y0, x1, y1 = found.box
            assert -2 <= x0 < x1 <= page.width + 2
            assert -2 <= y0 < y1 <= page.height + 2


def test_sources_say_how_each_document_was_read(extractor: Extractor) -> None:
    sources = {name: extractor.extract((DATA / name).read_bytes(), today=TODAY).source for name in EXPECTED}
    assert sources["invoice-gb-text.pdf"] == "text"
    assert sources["invoice-fr-facturx.pdf"] == "einvoice"
    assert sources["invoice-de-scan.pdf"].startswith("ocr:")
    assert sources["receipt-de-scan.png"].startswith("ocr:")


def test_a_born_digital_pdf_is_measured_in_points_and_an_image_in_pixels(extractor: Extractor) -> None:
    pdf = extractor.extract((DATA / "invoice-gb-text.pdf").read_bytes(), today=TODAY)
    assert (pdf.pages[0].unit, pdf.pages[0].width, pdf.pages[0].height) == ("pt", 595.0, 842.0)
    image = extractor.extract((DATA / "receipt-de-scan.png").read_bytes(), today=TODAY)
    assert image.pages[0].unit == "px"
    assert all(w.confidence < 1.0 for w in image.pages[0].words[:5])


def test_rapidocr_reads_the_phone_photo_when_asked(extractor: Extractor) -> None:
    extraction = extractor.extract((DATA / "receipt-fr-photo.jpg").read_bytes(), engine="rapidocr", today=TODAY)
    assert extraction.source == "ocr:rapidocr"
    assert same("total", extraction.value("total"), EXPECTED["receipt-fr-photo.jpg"]["total"])


def test_a_ubl_invoice_is_read_exactly(extractor: Extractor) -> None:
    extraction = extractor.extract((DATA / "peppol-ubl.xml").read_bytes(), today=TODAY)
    assert extraction.source == "einvoice"
    assert {n: extraction.value(n) for n in extraction.fields} == {
        "vendor": "Lieferant Nord GmbH",
        "vendor_tax_id": "DE136695976",
        "date": "2026-03-13",
        "due_date": "2026-04-12",
        "invoice_number": "Snippet1",
        "po_number": "PO-4711",
        "currency": "EUR",
        "total": 1656.25,
        "net": 1325.0,
        "tax": 331.25,
        "iban": "DE89370400440532013000",
    }
    assert [(i.description, i.quantity, i.amount) for i in extraction.line_items] == [
        ("Consulting days", 7.0, 2800.0),
        ("Credited travel", -3.0, -1475.0),
    ]
    assert all(c.passed for c in extraction.checks)


def test_a_cii_xrechnung_is_read_exactly(extractor: Extractor) -> None:
    extraction = extractor.extract((DATA / "xrechnung-cii.xml").read_bytes(), today=TODAY)
    values = {
        n: extraction.value(n)
        for n in (
            "vendor",
            "vendor_tax_id",
            "invoice_number",
            "date",
            "due_date",
            "total",
            "net",
            "tax",
            "iban",
            "po_number",
        )
    }
    assert values == {
        "vendor": "Systemhaus Süd GmbH & Co. KG",
        "vendor_tax_id": "DE811569869",
        "invoice_number": "RE-2026-00417",
        "date": "2026-03-05",
        "due_date": "2026-03-19",
        "total": 891.61,
        "net": 749.25,
        "tax": 142.36,
        "iban": "DE02120300000000202051",
        "po_number": "B-2026-118",
    }
    assert [i.quantity for i in extraction.line_items] == [1.0, 3.5]


def test_an_extraction_survives_json_and_teaches_the_memory(extractor: Extractor) -> None:
    extraction = extractor.extract((DATA / "invoice-gb-text.pdf").read_bytes(), today=TODAY)
    again = from_dict(json.loads(json.dumps(to_dict(extraction, full=True))))
    assert again == extraction
    memory = VendorMemory()
    profile = memory.learn(again, {"invoice_number": EXPECTED["invoice-gb-text.pdf"]["invoice_number"]})
    assert "invoice_number" in profile.fields
    taught = extractor.extract((DATA / "invoice-gb-text.pdf").read_bytes(), vendor_memory=memory, today=TODAY)
    assert taught.memory_applied == ("invoice_number",)

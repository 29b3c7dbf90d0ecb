"""Field rules on laid-out words (no OCR): labels left of and above values, totals chosen by
label and by consistency, the recipient's block kept from the vendor, checks and their effect."""

from __future__ import annotations

from datetime import date

from officeflow.documents.confidence import Calibration
from officeflow.documents.fields import extract_fields
from officeflow.documents.model import Extraction, Page, Word

TODAY = date(2026, 12, 31)
CHAR = 6.0
"""Width of one character in these test layouts, in points."""


def page(*rows: tuple[float, float, str], size: float = 10, width: float = 595, height: float = 842) -> Page:
    """A page of words: each row is (x, y, text); words are split at spaces, 6 pt a character."""
    words = []
    for x, y, text in rows:
        at = x
        for token in text.split(" "):
            if token:
                words.append(Word(text=token, box=(at, y, at + CHAR * len(token), y + size), confidence=1.0, page=1))
            at += CHAR * (len(token) + 1)
    return Page(number=1, width=width, height=height, unit="pt", source="text", words=tuple(words))


def read(
    *rows: tuple[float, float, str], weights: dict[str, dict[str, float]] | None = None, **kw: float
) -> Extraction:
    return extract_fields(
        [page(*rows, **kw)], kind="auto", source="text", today=TODAY, calibration=Calibration(weights or {})
    )


GERMAN_INVOICE = (
    (40, 40, "Druckerei Klein GmbH"),
    (40, 56, "Gartenweg 87, 5020 Salzburg"),
    (55, 140, "Druckerei Klein GmbH · Gartenweg 87 · 5020 Salzburg"),
    (55, 156, "Müller Logistik AG"),
    (55, 170, "Lindenallee 4"),
    (55, 184, "4020 Linz"),
    (360, 156, "Rechnungsnummer:"),
    (480, 156, "RE-2026-0042"),
    (360, 170, "Datum:"),
    (480, 170, "06.03.2026"),
    (360, 184, "Kundennummer:"),
    (480, 184, "88412"),
    (55, 260, "Rechnung"),
    (55, 300, "Pos. Bezeichnung Menge Einzelpreis Gesamt"),
    (55, 316, "1 Wartung Heizung"),
    (330, 316, "2"),
    (400, 316, "100,00"),
    (500, 316, "200,00"),
    (55, 330, "2 Anfahrt"),
    (330, 330, "1"),
    (400, 330, "40,00"),
    (500, 330, "40,00"),
    (360, 360, "Nettobetrag"),
    (500, 360, "240,00 €"),
    (360, 374, "MwSt 20%"),
    (500, 374, "48,00 €"),
    (360, 392, "Gesamtbetrag"),
    (500, 392, "288,00 €"),
    (55, 420, "Zahlbar bis 20.03.2026"),
    (40, 790, "IBAN AT61 1904 3002 3457 3201 · USt-IdNr. ATU13585627"),
)


def test_a_german_invoice_is_read_field_by_field() -> None:
    extraction = read(*GERMAN_INVOICE)
    values = {name: extraction.value(name) for name in extraction.fields}
    assert values == {
        "vendor": "Druckerei Klein GmbH",
        "vendor_tax_id": "ATU13585627",
        "date": "2026-03-06",
        "due_date": "2026-03-20",
        "invoice_number": "RE-2026-0042",
        "po_number": None,
        "currency": "EUR",
        "total": 288.0,
        "net": 240.0,
        "tax": 48.0,
        "iban": "AT611904300234573201",
    }
    assert extraction.kind == "invoice"
    assert [(i.description, i.quantity, i.unit_price, i.amount) for i in extraction.line_items] == [
        ("Wartung Heizung", 2.0, 100.0, 200.0),
        ("Anfahrt", 1.0, 40.0, 40.0),
    ]
    assert {c.name: c.passed for c in extraction.checks} == {
        "net_plus_tax": True,
        "line_items_sum": True,
        "date_plausible": True,
        "due_after_date": True,
        "iban_checksum": True,
        "vat_id_format": True,
    }


def test_the_recipient_under_a_sender_line_is_not_the_vendor() -> None:
    """The buyer has a legal form and an address under it; the vendor repeats in the sender line."""
    extraction = read(*GERMAN_INVOICE)
    assert extraction.value("vendor") == "Druckerei Klein GmbH"


def test_values_written_under_their_labels_are_found() -> None:
    extraction = read(
        (40, 40, "Atlas Hardware Ltd"),
        (40, 80, "Invoice No."),
        (170, 80, "Date"),
        (300, 80, "Due date"),
        (40, 92, "INV-004213"),
        (170, 92, "14/03/2026"),
        (300, 92, "13/04/2026"),
        (380, 300, "Subtotal"),
        (500, 300, "£100.00"),
        (380, 314, "VAT 20%"),
        (500, 314, "£20.00"),
        (380, 330, "Amount due"),
        (500, 330, "£120.00"),
    )
    assert extraction.value("invoice_number") == "INV-004213"
    assert extraction.value("date") == "2026-03-14"
    assert extraction.value("due_date") == "2026-04-13"
    assert (extraction.value("total"), extraction.value("currency")) == (120.0, "GBP")
    assert extraction.fields["invoice_number"] is not None
    assert extraction.fields["invoice_number"].evidence.rule == "label-above:strong"


def test_a_receipt_total_is_not_the_cash_given_nor_the_change() -> None:
    extraction = read(
        (60, 10, "Bäckerei Sonne"),
        (20, 30, "Hauptstr. 5"),
        (20, 44, "10115 Berlin"),
        (10, 70, "03.04.2026 08:12 Bon-Nr. 4711"),
        (10, 90, "Brötchen"),
        (160, 90, "1,60"),
        (10, 104, "Kaffee"),
        (160, 104, "2,90"),
        (10, 124, "SUMME EUR"),
        (150, 124, "4,50"),
        (10, 140, "Bar"),
        (150, 140, "10,00"),
        (10, 154, "Rückgeld"),
        (156, 154, "5,50"),
        (10, 170, "darin MwSt 7%"),
        (156, 170, "0,29"),
        width=210,
        height=230,
    )
    assert extraction.kind == "receipt"
    assert (extraction.value("total"), extraction.value("tax"), extraction.value("invoice_number")) == (
        4.5,
        0.29,
        "4711",
    )
    assert extraction.value("date") == "2026-04-03"


def test_total_incl_vat_is_the_total_and_total_ht_the_net() -> None:
    extraction = read(
        (40, 40, "Garage Dubois SARL"),
        (40, 60, "Facture n° F2026/0153"),
        (40, 74, "Date : 12 mars 2026"),
        (350, 300, "Total HT"),
        (480, 300, "1 000,00 €"),
        (350, 314, "TVA 20 %"),
        (480, 314, "200,00 €"),
        (350, 330, "Total TTC"),
        (480, 330, "1 200,00 €"),
    )
    assert (extraction.value("net"), extraction.value("tax"), extraction.value("total")) == (1000.0, 200.0, 1200.0)
    assert extraction.value("invoice_number") == "F2026/0153"
    assert extraction.value("date") == "2026-03-12"
    assert extraction.locale == "fr"


def test_a_total_that_does_not_add_up_fails_its_check_and_the_check_lowers_confidence() -> None:
    weights = {"total": {"bias": 1.0, "check=net_plus_tax": 2.0}}
    extraction = read(
        (40, 40, "Summit Coffee Ltd"),
        (350, 300, "Subtotal"),
        (480, 300, "10.00"),
        (350, 314, "VAT"),
        (480, 314, "2.00"),
        (350, 330, "Total"),
        (480, 330, "13.00"),
        weights=weights,
    )
    check = next(c for c in extraction.checks if c.name == "net_plus_tax")
    assert not check.passed
    assert "10.00 + tax 2.00 = 12.00, total 13.00" in check.reason
    assert check.effect["total"] < 0
    total = extraction.fields["total"]
    assert total is not None
    assert total.confidence < 0.5  # sigmoid(1 - 2)


def test_confidence_without_calibration_says_nothing() -> None:
    extraction = read((40, 40, "Summit Coffee Ltd"), (350, 330, "Total"), (480, 330, "13.00"))
    total = extraction.fields["total"]
    assert total is not None
    assert total.confidence == 0.5


def test_a_customer_number_is_not_the_invoice_number() -> None:
    extraction = read(
        (40, 40, "Nordlicht Medien AG"),
        (40, 80, "Kundennummer: 55012"),
        (40, 94, "Rechnung Nr. 2026-118"),
    )
    assert extraction.value("invoice_number") == "2026-118"


def test_boxes_are_those_of_the_words_the_value_was_read_from() -> None:
    extraction = read((40, 40, "Summit Coffee Ltd"), (350, 330, "Total"), (480, 330, "13.00"))
    total = extraction.fields["total"]
    assert total is not None
    assert total.page == 1
    assert total.box == (480, 330, 480 + 5 * CHAR, 340)

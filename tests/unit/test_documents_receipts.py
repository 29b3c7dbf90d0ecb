"""Field rules on receipts laid out as real ones are (no OCR): the vendor among titles, addresses,
registration numbers and brand lines; the total among subtotals, rounding, cash, change and tax
summaries; dates and amounts as Asian, Spanish, Italian, Dutch and Portuguese documents write them."""

from __future__ import annotations

from datetime import date

import pytest

from officeflow.documents.amounts import find_amounts
from officeflow.documents.confidence import Calibration
from officeflow.documents.dates import find_dates
from officeflow.documents.fields import extract_fields
from officeflow.documents.lexicon import find_labels
from officeflow.documents.locale import infer_locale
from officeflow.documents.model import Extraction, Page, Word
from officeflow.documents.vendor import clean

TODAY = date(2026, 12, 31)


def receipt(*rows: tuple[float, float, str], size: float = 30, width: float = 900, height: float = 2000) -> Extraction:
    """A receipt image's text: each row (x, y, text) one OCR segment, 18 px a character."""
    words = [Word(text=text, box=(x, y, x + 18 * len(text), y + size), confidence=1.0, page=1) for x, y, text in rows]
    page = Page(number=1, width=width, height=height, unit="px", source="ocr:given", words=tuple(words))
    return extract_fields([page], kind="receipt", source="ocr:given", today=TODAY, calibration=Calibration({}))


def test_a_legal_form_alone_on_its_line_completes_the_name_above_it() -> None:
    read = receipt(
        (130, 180, "PASARAYA BORONG PINTAR"),
        (350, 240, "SDN BHD"),
        (120, 350, "NO 19-G JALAN TASIK UTAMA 4"),
        (360, 440, "016-5498845"),
        (270, 630, "TAX INVOICE"),
        (90, 1100, "TOTAL"),
        (770, 1100, "0.90"),
    )
    assert read.value("vendor") == "PASARAYA BORONG PINTAR SDN BHD"


def test_lines_after_the_address_are_not_the_vendor_and_the_registration_number_is_dropped() -> None:
    read = receipt(
        (80, 250, "GARDENIA BAKERIES (KL) SDN BHD (139386 X)"),
        (170, 300, "LOT 3, JALAN PELABUR 23/1"),
        (160, 350, "40300 SHAH ALAM"),
        (160, 400, "SEKSYEN 9"),
        (120, 450, "TEL: 03- 55423228"),
        (130, 560, "TAX INVOICE"),
        (90, 1100, "TOTAL PAYABLE:"),
        (760, 1100, "14.47"),
    )
    assert read.value("vendor") == "GARDENIA BAKERIES (KL) SDN BHD"


@pytest.mark.parametrize("title", ["TAX INVOICE", "SIMPLIFIED TAX INVOICE", "CASH", "WELCOME TO THE FAMILY"])
def test_titles_greetings_payment_words_and_qualifiers_are_no_vendor(title: str) -> None:
    read = receipt(
        (200, 150, title),
        (150, 260, "HON HWA HARDWARE TRADING"),
        (120, 320, "COMPANY REG. NO. : 001055194X"),
        (100, 380, "NO 37, JALAN MANIS 7"),
        (90, 1100, "TOTAL"),
        (770, 1100, "10.40"),
    )
    assert read.value("vendor") == "HON HWA HARDWARE TRADING"


def test_a_name_that_starts_with_a_digit_is_a_name() -> None:
    read = receipt((120, 290, "99 SPEED MART S/B (519537-X)"), (140, 330, "LOT P.T. 2811"), (60, 800, "TOTAL 5.35"))
    assert read.value("vendor") == "99 SPEED MART S/B"


def test_registration_numbers_and_titles_are_cleaned_from_a_name() -> None:
    assert clean("MOONLIGHT CAKE HOUSE SDN BHD 862725-U") == "MOONLIGHT CAKE HOUSE SDN BHD"
    assert clean("CPI ROCKU SDN. BHD. (1096317-P)") == "CPI ROCKU SDN. BHD."
    assert clean("Muster GmbH Rechnung") == "Muster GmbH"


def test_the_total_is_paid_minus_change_when_a_net_amount_label_misleads() -> None:
    read = receipt(
        (120, 280, "SKL DAMANSARA ENTERPRISE"),
        (70, 870, "ITEM"),
        (410, 870, "PRICE"),
        (610, 870, "AMOUNT"),
        (70, 970, "ST00353"),
        (430, 970, "1.00"),
        (670, 970, "3.00"),
        (70, 1060, "95552586"),
        (410, 1060, "12.90"),
        (650, 1060, "25.80"),
        (440, 1120, "GROSS AMT :"),
        (730, 1120, "27.17"),
        (450, 1160, "GST (6%) :"),
        (750, 1160, "1.63"),
        (320, 1220, "NET AMT:"),
        (690, 1220, "28.80"),
        (450, 1290, "RECEIVED"),
        (730, 1290, "30.00"),
        (480, 1330, "CHANGE :"),
        (750, 1330, "1.20"),
    )
    assert read.value("total") == 28.8


def test_the_total_after_rounding_is_due_not_the_total_before_it() -> None:
    read = receipt(
        (120, 240, "THE CUT STEAKHOUSE"),
        (35, 1460, "TOTAL (EXCLUDING GST"),
        (540, 1460, "158.08"),
        (35, 1500, "GST PAYABLE (6%):"),
        (570, 1500, "9.48"),
        (35, 1540, "TOTAL (INCLUSIVE"),
        (540, 1540, "167.56"),
        (35, 1580, "ROUNDING ADJ :"),
        (560, 1580, "-0.01"),
        (35, 1650, "TOTAL :"),
        (490, 1650, "167.55"),
    )
    assert read.value("total") == 167.55
    assert read.value("net") == 158.08


def test_a_tax_summary_row_is_not_the_total() -> None:
    read = receipt(
        (70, 460, "SECURITY & OA TRADING"),
        (70, 1040, "TOTAL AMT INCL. GST @ 6% :"),
        (630, 1040, "399.00"),
        (280, 1190, "PAID AMOUNT :"),
        (630, 1190, "400.00"),
        (350, 1245, "CHANGE :"),
        (670, 1245, "1.00"),
        (110, 1400, "GST SUMMARY"),
        (110, 1490, "SR @ 6%"),
        (440, 1490, "376.42"),
        (680, 1490, "22.58"),
        (110, 1540, "TOTAL"),
        (440, 1540, "376.42"),
        (680, 1540, "22.58"),
    )
    assert read.value("total") == 399.0


def test_a_credit_note_total_may_be_negative_when_strongly_labelled() -> None:
    read = receipt((40, 70, "GARDENIA BAKERIES (KL) SDN BHD"), (230, 710, "TOTAL PAYABLE:"), (450, 710, "-5.09"))
    assert read.value("total") == -5.09


@pytest.mark.parametrize(
    ("text", "role", "phrase"),
    [
        ("TOTAL SALES (INCLUSIVE OF GST) :", "total", "total sales inclusive"),
        ("TOTAL INCL OF GST :", "total", "total incl"),
        ("TOTAL AFTER ADJ INCL GST", "total", "total"),
        ("TOTAL GST :", "tax", "total gst"),
        ("Importe total", "total", "importe total"),
        ("Totale documento", "total", "totale documento"),
        ("Totaal te betalen", "total", "totaal te betalen"),
        ("Base imponible", "net", "base imponible"),
        ("Factuurnummer", "invoice_number", "factuurnummer"),
        ("Fattura n.", "invoice_number", "fattura n"),
        ("Factura nº", "invoice_number", "factura nº"),
        ("Fecha de vencimiento", "due_date", "fecha de vencimiento"),
    ],
)
def test_labels_of_receipts_and_of_five_more_languages(text: str, role: str, phrase: str) -> None:
    labels = find_labels(text)
    assert (labels[0].role, labels[0].phrase) == (role, phrase)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("01.03.26", "2026-03-01"),
        ("01-Mar-2026", "2026-03-01"),
        ("March 1, 2026", "2026-03-01"),
        ("1er mars 2026", "2026-03-01"),
        ("1 de marzo de 2026", "2026-03-01"),
        ("1° marzo 2026", "2026-03-01"),
        ("3 maart 2026", "2026-03-03"),
        ("15 de março de 2026", "2026-03-15"),
        ("5 dic. 2025", "2025-12-05"),
        ("07:03.2025  21:37", "2025-03-07"),
    ],
)
def test_dates_in_seven_languages(text: str, iso: str) -> None:
    assert [d.value.isoformat() for d in find_dates(text)] == [iso]


def test_ringgit_and_other_asian_currency_signs_are_read() -> None:
    assert [(a.value, a.currency) for a in find_amounts("NET TOTAL  RM42.10")] == [(42.1, "MYR")]
    assert [(a.value, a.currency) for a in find_amounts("RM-0.20")] == [(-0.2, "MYR")]
    assert [a.currency for a in find_amounts("FROM 12.50")] == [None]


def test_a_receipt_with_gst_reads_numeric_dates_day_first() -> None:
    locale = infer_locale(["GST REG NO.: 001269075968", "CS 24388", "09/02/2018 10:05", "TOTAL 8.40"])
    assert locale.day_first
    assert not infer_locale(["Chicago, IL 60601", "Sales tax", "Total $12.00", "06/03/2026"]).day_first

"""Per-vendor memory: one correction teaches where a vendor prints a field; JSON in and out."""

from __future__ import annotations

from datetime import date

import pytest

from officeflow.documents.confidence import Calibration
from officeflow.documents.fields import extract_fields
from officeflow.documents.memory import VendorMemory, shape_of
from officeflow.documents.model import Extraction, Page, Word

CHAR = 6.0


def page(rows: list[tuple[float, float, str]]) -> Page:
    words = []
    for x, y, text in rows:
        at = x
        for token in text.split(" "):
            words.append(Word(text=token, box=(at, y, at + CHAR * len(token), y + 10), confidence=1.0, page=1))
            at += CHAR * (len(token) + 1)
    return Page(number=1, width=595, height=842, unit="pt", source="text", words=tuple(words))


def invoice(number: str, day: str, total: str) -> list[tuple[float, float, str]]:
    """A vendor that labels its number "Vorgang" and its date "Stand", words no lexicon has."""
    return [
        (40, 40, "Malerbetrieb Lehmann GmbH"),
        (40, 56, "Kirchgasse 41, 70173 Stuttgart"),
        (40, 100, "Vorgang"),
        (170, 100, "Stand"),
        (40, 112, number),
        (170, 112, day),
        (40, 140, "Lieferdatum 01.01.2026"),
        (360, 300, "Gesamtbetrag"),
        (480, 300, total),
        (40, 790, "USt-IdNr. DE136695976"),
    ]


def read(rows: list[tuple[float, float, str]], memory: VendorMemory | None = None) -> Extraction:
    return extract_fields(
        [page(rows)], kind="auto", source="text", today=date(2026, 12, 31), calibration=Calibration({}), memory=memory
    )


def test_one_correction_teaches_the_vendors_number_and_date() -> None:
    first = read(invoice("A-17833", "05.02.2026", "1.190,00 €"))
    assert first.value("invoice_number") != "A-17833"  # no rule knows "Vorgang"
    memory = VendorMemory()
    memory.learn(first, {"invoice_number": "A-17833", "date": "2026-02-05"})
    later = read(invoice("A-18210", "09.03.2026", "238,00 €"), VendorMemory.from_json(memory.to_json()))
    assert later.value("invoice_number") == "A-18210"
    assert later.value("date") == "2026-03-09"
    assert later.value("total") == 238.0
    assert set(later.memory_applied) == {"invoice_number", "date"}
    number = later.fields["invoice_number"]
    assert number is not None
    assert number.evidence.rule == "memory:anchor"


def test_the_memory_applies_only_to_the_same_vendor() -> None:
    memory = VendorMemory()
    memory.learn(read(invoice("A-17833", "05.02.2026", "1.190,00 €")), {"invoice_number": "A-17833"})
    other = invoice("A-18210", "09.03.2026", "238,00 €")
    other[0] = (40, 40, "Druckerei Klein KG")
    other[-1] = (40, 790, "USt-IdNr. DE811569869")
    assert read(other, memory).memory_applied == ()


def test_a_corrected_vendor_name_is_kept_for_the_vendor() -> None:
    memory = VendorMemory()
    first = read(invoice("A-1", "05.02.2026", "10,00 €"))
    memory.learn(first, {"vendor": "Lehmann Malerbetrieb GmbH (Stuttgart)"})
    later = read(invoice("A-2", "06.02.2026", "20,00 €"), memory)
    assert later.value("vendor") == "Lehmann Malerbetrieb GmbH (Stuttgart)"
    assert later.vendor_key == "vat:DE136695976"


def test_the_json_names_what_is_wrong_with_it() -> None:
    with pytest.raises(ValueError, match="not a vendor memory"):
        VendorMemory.from_json('{"version": 99, "vendors": []}')


@pytest.mark.parametrize(
    ("value", "matches", "other"), [("RE-2026-0042", "RE-2026-0117", "INV-2026-0117"), ("4711", "48211", "4711a")]
)
def test_a_value_shape_matches_values_like_it(value: str, matches: str, other: str) -> None:
    import re

    assert re.fullmatch(shape_of(value), matches)
    assert not re.fullmatch(shape_of(value), other)

"""Amounts and dates as English, German and French documents write them, table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from officeflow.documents.amounts import find_amounts, implied_amount, to_number
from officeflow.documents.dates import find_dates
from officeflow.documents.locale import infer_locale


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("1.234,56 €", 1234.56, "EUR"),
        ("€ 1.234,56", 1234.56, "EUR"),
        ("1,234.56", 1234.56, None),
        ("$1,234.56", 1234.56, "USD"),
        ("£12.50", 12.5, "GBP"),
        ("1 234,56 EUR", 1234.56, "EUR"),
        ("1\u202f234,56 €", 1234.56, "EUR"),
        ("CHF 1'234.50", 1234.5, "CHF"),
        ("12,5O", 12.5, None),  # OCR read the zero as the letter O
        ("EUR 7", 7.0, "EUR"),
        ("-4,20", -4.2, None),
        ("4,20-", -4.2, None),
        ("1.234.567,89", 1234567.89, None),
    ],
)
def test_an_amount_is_read_in_its_convention(text: str, value: float, currency: str | None) -> None:
    found = find_amounts(text)
    assert [(a.value, a.currency) for a in found] == [(value, currency)]


@pytest.mark.parametrize("text", ["03.04.2026", "12:30", "Tel. 030 1234567", "19%", "Menge 3", "2026"])
def test_dates_times_phone_numbers_and_bare_integers_are_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [("1.234", ",", 1234.0), ("1.234", ".", 1.234), ("1,5", None, 1.5), ("12", None, 12.0), ("x1", None, None)],
)
def test_a_number_without_two_decimals_follows_the_locale(text: str, decimal: str | None, value: float | None) -> None:
    assert to_number(text, decimal) == value


def test_an_amount_whose_separator_ocr_lost_is_read_with_two_implied_decimals() -> None:
    found = implied_amount(" 71 77 €")
    assert found is not None
    assert (found.value, found.currency) == (71.77, "EUR")


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("03.04.2026", True, date(2026, 4, 3)),
        ("03/04/2026", True, date(2026, 4, 3)),
        ("03/04/2026", False, date(2026, 3, 4)),
        ("25/04/2026", False, date(2026, 4, 25)),  # unambiguous whatever the order
        ("2026-04-03", True, date(2026, 4, 3)),
        ("3. März 2026", True, date(2026, 3, 3)),
        ("12 mars 2026", True, date(2026, 3, 12)),
        ("1er février 2026", True, date(2026, 2, 1)),
        ("March 3, 2026", False, date(2026, 3, 3)),
        ("3 April 2026", True, date(2026, 4, 3)),
        ("03-Apr-26", True, date(2026, 4, 3)),
        ("15. Dezember 2025", True, date(2025, 12, 15)),
        ("Le 7 août 2026", True, date(2026, 8, 7)),
    ],
)
def test_a_date_is_read_in_english_german_and_french(text: str, day_first: bool, expected: date) -> None:
    found = find_dates(text, day_first=day_first)
    assert [d.value for d in found] == [expected]


def test_an_impossible_date_is_no_date() -> None:
    assert find_dates("31.02.2026") == []


@pytest.mark.parametrize(
    ("lines", "tag", "decimal"),
    [
        (["Rechnung", "Summe 12,50 €", "MwSt 19% 2,00"], "de", ","),
        (["Facture", "Total TTC 12,50 €", "TVA 20 % 2,08"], "fr", ","),
        (["INVOICE", "Total $12.50", "Sales tax 1.00", "Austin, TX 78701", "Date 04/25/2026"], "en-US", "."),
        (["Tax invoice", "Total £12.50", "VAT 20% 2.08", "Date 25/04/2026"], "en-GB", "."),
    ],
)
def test_the_locale_is_inferred_from_words_currency_and_number_shapes(lines: list[str], tag: str, decimal: str) -> None:
    locale = infer_locale(lines)
    assert (locale.tag, locale.decimal) == (tag, decimal)

"""Dates in English, German, French, Spanish, Italian, Dutch and Portuguese: ``03.04.2026``,
``2026-04-03``, ``3. März 2026``, ``1er mars 2026``, ``1 de marzo de 2026``, ``1° marzo 2026``,
``3 maart 2026``, ``March 3, 2026``, ``03-Apr-26``; ``03/04/2026`` in the document's order.

A numeric date with a part above 12 has only one reading; otherwise the locale's order decides
(day first, except ``en-US``). Two-digit years are 20yy. Written with regular expressions and a
month lexicon rather than a general date parser: extraction tries every line of a document, and
this is a hundred times faster.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar jän janvier janv enero ene gennaio gen januari janeiro",
        "february feb februar février fevrier fév fev févr fevr febrero febbraio februari fevereiro",
        "march mar märz maerz marz mär mars marzo maart mrt março marco",
        "april apr avril avr abril abr aprile",
        "may mai mayo maggio mag mei maio",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug août aout agosto ago augustus",
        "september sep sept septembre septiembre setiembre settembre set setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
NUMERIC = re.compile(r"(?<![\d.,/])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d,]|\.\d)")
MISREAD_DOTTED = re.compile(r"(?<![\d.,/:])(\d{1,2})[:,](\d{1,2})\.(\d{4})(?![\d,]|\.\d)")
"""A dotted date whose first dot OCR read as a colon or comma ("07:03.2025")."""
ISO = re.compile(r"(?<![\d.,/])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d,]|\.\d)")
DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:\.|er|st|nd|rd|th|º|°|o)?\s*(?:[-\s]|\sde\s|\sdi\s)?({_MONTH})\.?"
    rf"(?:[-\s,]*|\s(?:de|del)\s)(\d{{4}}|\d{{2}})(?!\d)",
    re.I,
)
MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I)


@dataclass(frozen=True, kw_only=True)
class FoundDate:
    """A date found in text and where; ``ambiguous`` when day and month could be swapped."""

    value: date
    start: int
    end: int
    ambiguous: bool


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def find_dates(text: str, *, day_first: bool = True) -> list[FoundDate]:
    """Every date in ``text``, left to right, read in the given order when ambiguous."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(value: date | None, m: re.Match[str], ambiguous: bool = False) -> None:
        if value is None or any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(FoundDate(value=value, start=m.start(), end=m.end(), ambiguous=ambiguous))

    for m in ISO.finditer(text):
        add(_make(int(m.group(1)), int(m.group(3)), int(m.group(4))), m)
    for m in DAY_MONTH_YEAR.finditer(text):
        month = MONTHS.get(_fold(m.group(2)))
        if month:
            add(_make(_year(m.group(3)), month, int(m.group(1))), m)
    for m in MONTH_DAY_YEAR.finditer(text):
        month = MONTHS.get(_fold(m.group(1)))
        if month:
            add(_make(int(m.group(3)), month, int(m.group(2))), m)
    for m in MISREAD_DOTTED.finditer(text):
        add(_make(int(m.group(3)), int(m.group(2)), int(m.group(1))), m)
    for m in NUMERIC.finditer(text):
        a, b, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        if m.group(2) == "." or a > 12:
            add(_make(year, b, a), m, ambiguous=False)
        elif b > 12:
            add(_make(year, a, b), m, ambiguous=False)
        else:
            value = _make(year, b, a) if day_first else _make(year, a, b)
            add(value, m, ambiguous=a != b)
    found.sort(key=lambda d: d.start)
    return found


def numeric_order_votes(texts: list[str]) -> int:
    """Evidence on the day/month order from unambiguous numeric dates: > 0 day first, < 0 month first."""
    votes = 0
    for text in texts:
        for m in NUMERIC.finditer(text):
            if m.group(2) == ".":
                continue
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 >= b:
                votes += 1
            elif b > 12 >= a:
                votes -= 1
    return votes

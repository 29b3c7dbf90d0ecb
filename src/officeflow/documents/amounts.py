"""Money as Europe, the Americas and Asia write it: ``1.234,56 €``, ``1,234.56``, ``1 234,56``, ``EUR 12.50``,
``RM 8.40``.

An amount has two decimals (``12,50``, ``12.50``) or, next to a currency sign or code, none
(``€ 12``). The decimal separator is the last ``.`` or ``,`` followed by exactly two digits;
``.``, ``,``, ``'``, a space or a thin space between groups of three digits group thousands.
OCR confusions inside a number (``O`` for 0, ``l`` and ``I`` for 1, ``S`` for 5) are mended
when the token is otherwise digits. A ``-`` before or after the number, or parentheses, make it
negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURRENCY_SIGNS: dict[str, str] = {
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "CHF": "CHF",
    "Fr.": "CHF",
    "SFr.": "CHF",
    "US$": "USD",
    "C$": "CAD",
    "A$": "AUD",
    "S$": "SGD",
    "HK$": "HKD",
    "RM": "MYR",
    "Rp": "IDR",
    "Rp.": "IDR",
    "₹": "INR",
    "¥": "JPY",
}
CURRENCY_CODES = frozenset(
    {
        *("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "NZD"),
        *("CNY", "MYR", "SGD", "IDR", "HKD", "INR", "ZAR", "BRL", "MXN", "RON", "BGN", "ISK", "TRY", "THB"),
    }
)

_SIGN = r"(?:US\$|C\$|A\$|S\$|HK\$|SFr\.|Fr\.|CHF|RM|Rp\.?|[€$£₹¥])"
_CODE = r"(?:" + "|".join(sorted(CURRENCY_CODES)) + r")"
_GROUPED = r"\d{1,3}(?:[.,' \u00a0\u202f]\d{3})+"
_NUMBER = rf"(?:{_GROUPED}|\d+)(?:[.,]\d{{2}})?"
AMOUNT = re.compile(
    rf"(?P<neg1>[-\u2212\u2013(])?\s?(?:(?<![A-Za-z])(?P<pre>{_SIGN}|{_CODE}\b))?\s?(?P<neg2>[-\u2212])?"
    rf"(?P<num>{_NUMBER})(?![\d])"
    rf"(?:\s?(?P<post>{_SIGN}|{_CODE}\b))?(?P<neg3>-(?!\d)|\))?"
)
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})
_MOSTLY_DIGITS = re.compile("^[-\u2212(€$£]?" r"[\dOolIS|B]*\d[\dOolIS|B]*(?:[.,][\dOolIS|B]{2})?[€$£)-]?$")


@dataclass(frozen=True, kw_only=True)
class Amount:
    """An amount found in text: its value, its currency if written, and where in the text."""

    value: float
    currency: str | None
    start: int
    end: int
    decimals: bool
    """True when written with two decimals (a stronger sign of money than a bare integer)."""


def mend_ocr(token: str) -> str:
    """A number-like token with OCR's letter-for-digit confusions mended; other tokens unchanged."""
    if _MOSTLY_DIGITS.match(token) and any(c.isdigit() for c in token):
        return token.translate(_OCR_DIGITS)
    return token


def to_number(text: str, decimal: str | None = None) -> float | None:
    """The number written in ``text`` (``1.234,56``, ``1,234.56``, ``1 234``), or None.

    ``decimal`` is the locale's separator, used only when the text alone cannot tell (``1.234``).
    """
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("'", "")
    s = s.replace(" ", "")
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit():
        return None
    last_dot, last_comma = s.rfind("."), s.rfind(",")
    sep_at = max(last_dot, last_comma)
    if sep_at == -1:
        return float(s)
    tail = s[sep_at + 1 :]
    sep = s[sep_at]
    if len(tail) == 2 or (len(tail) != 3 and len(tail) >= 1):
        whole, frac = s[:sep_at], tail
    elif len(tail) == 3 and (s.count(sep) > 1 or (decimal is not None and decimal != sep)):
        whole, frac = s, ""
    elif len(tail) == 3 and decimal == sep:
        whole, frac = s[:sep_at], tail
    else:  # one separator before three digits, no locale: thousands (money has two decimals)
        whole, frac = s, ""
    whole = whole.replace(".", "").replace(",", "")
    if not whole.isdigit():
        return None
    return float(f"{whole}.{frac}") if frac else float(whole)


def find_amounts(text: str, *, decimal: str | None = None) -> list[Amount]:
    """Every amount in ``text``, left to right; bare integers only next to a currency."""
    mended = " ".join(mend_ocr(t) for t in text.split(" "))
    found: list[Amount] = []
    for m in AMOUNT.finditer(mended):
        num = m.group("num")
        has_decimals = bool(re.search(r"[.,]\d{2}$", num))
        currency_text = m.group("pre") or m.group("post")
        if not has_decimals and not currency_text:
            continue
        if _looks_like_date_or_time(mended, m.start("num"), m.end("num")):
            continue
        value = to_number(num, decimal)
        if value is None:
            continue
        if m.group("neg1") == "(" and m.group("neg3") != ")":
            negative = False
        else:
            negative = bool(m.group("neg1") or m.group("neg2") or m.group("neg3"))
        currency = None
        if currency_text:
            currency = CURRENCY_SIGNS.get(currency_text, currency_text if currency_text in CURRENCY_CODES else None)
        found.append(
            Amount(
                value=-value if negative else value,
                currency=currency,
                start=m.start(),
                end=m.end(),
                decimals=has_decimals,
            )
        )
    return found


def _looks_like_date_or_time(text: str, start: int, end: int) -> bool:
    """``03.04.2026``, ``12:30``, ``03.04.`` are not amounts."""
    before = text[max(0, start - 1) : start]
    after = text[end : end + 3]
    if before in {".", "/", ":", "-"} and start >= 2 and text[start - 2].isdigit():
        return True
    return bool(re.match(r"[./:-]\d", after))


IMPLIED = re.compile(r"(?<![\d.,])(\d{1,5})\s?(\d{2})(?![\d.,])")


def implied_amount(text: str) -> Amount | None:
    """An amount whose decimal separator OCR lost ("71 77", "7177"), the last in the text, or None."""
    found = list(IMPLIED.finditer(text))
    if not found:
        return None
    m = found[-1]
    value = float(f"{int(m.group(1))}.{m.group(2)}")
    return Amount(value=value, currency=currency_in(text[m.end() :]), start=m.start(), end=m.end(), decimals=False)


def currency_in(text: str) -> str | None:
    """The currency a text names by sign or ISO code, if any."""
    for m in re.finditer(rf"{_SIGN}|\b{_CODE}\b", text):
        token = m.group(0)
        code = CURRENCY_SIGNS.get(token, token if token in CURRENCY_CODES else None)
        if code:
            return code
    return None

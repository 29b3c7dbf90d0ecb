"""IBANs and VAT ids: finding them in text and checking them.

An IBAN is checked by ISO 13616's mod-97 and its country's length. A VAT id is checked for its
country's format and, for Germany, France, Austria, Italy, Belgium and the Netherlands, its
check digits. Letters OCR reads for digits are mended before checking.
"""

from __future__ import annotations

import re

IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "LI": 21, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24, "MC": 27,
}  # fmt: skip
IBAN = re.compile(r"\b([A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)\b")
VAT_FORMATS = {
    "DE": r"DE\d{9}",
    "FR": r"FR[0-9A-HJ-NP-Z]{2}\d{9}",
    "AT": r"ATU\d{8}",
    "GB": r"GB(?:\d{9}|\d{12})",
    "NL": r"NL\d{9}B\d{2}",
    "BE": r"BE[01]\d{9}",
    "IT": r"IT\d{11}",
    "ES": r"ES[0-9A-Z]\d{7}[0-9A-Z]",
    "LU": r"LU\d{8}",
    "CH": r"CHE-?\d{3}\.?\d{3}\.?\d{3}(?:\s?(?:MWST|TVA|IVA))?",
    "IE": r"IE\d{7}[A-W][A-I]?",
    "PL": r"PL\d{10}",
}
VAT_ID = re.compile(r"\b(" + "|".join(VAT_FORMATS.values()) + r")\b")
_VAT_LOOSE = re.compile(r"\b((?:DE|FR|ATU|GB|NL|BE|IT|ES|LU|IE|PL|CHE)[\s.-]?[0-9A-Z][0-9A-Z\s.-]{6,16}[0-9A-Z])")


def compact(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).upper()


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 and, for the countries listed, the length."""
    s = compact(iban)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    if s[:2] in IBAN_LENGTHS and len(s) != IBAN_LENGTHS[s[:2]]:
        return False
    digits = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(digits) % 97 == 1


def find_ibans(text: str) -> list[tuple[str, int, int]]:
    """(IBAN compacted, start, end) for every well-formed IBAN in text (checksum not required)."""
    out = []
    for m in IBAN.finditer(text.upper()):
        value = compact(m.group(1))
        if value[:2] in IBAN_LENGTHS and len(value) > IBAN_LENGTHS[value[:2]]:
            value = value[: IBAN_LENGTHS[value[:2]]]
        if len(value) < IBAN_LENGTHS.get(value[:2], 15):
            continue  # too short: a VAT id or another number, not an IBAN
        out.append((value, m.start(1), m.end(1)))
    return out


def vat_format_valid(vat_id: str) -> bool:
    s = vat_id.upper().replace(" ", "")
    return any(re.fullmatch(p, s) for p in VAT_FORMATS.values())


def vat_checksum_valid(vat_id: str) -> bool | None:
    """True or False where the country's check digits are known, None where they are not."""
    s = compact(vat_id)
    country, body = s[:2], s[2:]
    if country == "DE" and re.fullmatch(r"\d{9}", body):
        product = 10
        for digit in body[:8]:
            total = (int(digit) + product) % 10 or 10
            product = (2 * total) % 11
        check = 11 - product
        return (0 if check == 10 else check) == int(body[8])
    if country == "FR" and re.fullmatch(r"\d{11}", body):
        return int(body[:2]) == (12 + 3 * (int(body[2:]) % 97)) % 97
    if country == "AT" and re.fullmatch(r"U\d{8}", body):
        digits = [int(c) for c in body[1:]]
        total = 0
        for i, d in enumerate(digits[:7]):
            total += d if i % 2 == 0 else (d * 2 // 10 + d * 2 % 10)
        return (96 - total) % 10 == digits[7]
    if country == "IT" and re.fullmatch(r"\d{11}", body):
        total = 0
        for i, c in enumerate(body[:10]):
            d = int(c)
            total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
        return (10 - total % 10) % 10 == int(body[10])
    if country == "BE" and re.fullmatch(r"[01]\d{9}", body):
        return 97 - int(body[:8]) % 97 == int(body[8:])
    if country == "NL" and re.fullmatch(r"\d{9}B\d{2}", body):
        digits = [int(c) for c in body[:9]]
        return sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) % 11 == digits[8]
    return None


def find_vat_ids(text: str) -> list[tuple[str, int, int]]:
    """(VAT id compacted, start, end) for every VAT id in text, spaces and dots inside allowed."""
    out = []
    for m in _VAT_LOOSE.finditer(text.upper()):
        raw = m.group(1)
        for end in range(len(raw), 5, -1):
            if end < len(raw) and raw[end].isalnum():
                continue  # a VAT id ends where a word ends
            candidate = compact(raw[:end])
            if vat_format_valid(candidate):
                if candidate.startswith("CHE"):
                    candidate = re.sub(r"(MWST|TVA|IVA)$", "", candidate)
                out.append((candidate, m.start(1), m.start(1) + end))
                break
    return out

"""Who issued the document: the vendor's name, VAT id and IBAN.

The vendor's name is a line of the first page (or of the last page's footer) scored on what a
company name looks like and where it stands: a legal form (GmbH, SARL, Ltd, ...), a larger
font, near the top, followed by an address, or first in a sender line ("Muster GmbH · Str. 1 ·
12345 Ort"). Lines that are labels, amounts, dates, addresses, contact details, document
titles, or inside the recipient's block ("Bill to", "Rechnungsempfänger", "Facturé à") are not
candidates. VAT ids and IBANs come from their patterns; the recipient's are set aside, a
valid check digit and a label raise one.
"""

from __future__ import annotations

import re

from officeflow.documents.amounts import find_amounts
from officeflow.documents.candidates import Candidate, best, to_field
from officeflow.documents.context import DocumentContext
from officeflow.documents.dates import find_dates
from officeflow.documents.identifiers import find_ibans, find_vat_ids, iban_valid, vat_checksum_valid
from officeflow.documents.layout import Line, segments
from officeflow.documents.lexicon import fold
from officeflow.documents.model import Field

LEGAL_FORMS = re.compile(
    r"\b(?:gmbh|ag|kg|ohg|ug|e\.?\s?k\.?|e\.?\s?v\.?|gbr|mbh|co\.?\s?kg|sarl|s\.?a\.?r\.?l\.?|sas|sasu|eurl|"
    r"s\.?a\.?|sa|snc|ltd|limited|plc|llp|llc|inc|corp|corporation|company|co|gmbh\s?&\s?co|bv|b\.v\.|nv|"
    r"srl|spa|s\.p\.a\.|ab|as|oy|sprl)\.?(?![a-z])",
    re.I,
)
ADDRESS = re.compile(
    r"(?:\b\d{4,5}\s+[A-ZÄÖÜ][a-zäöüéèA-Z]|"
    r"(?:stra(?:ss|ß)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|rue|avenue|av\.|bd|boulevard|"
    r"chemin|place|impasse|quai|street|st\.|road|rd\.?|ave\.?|lane|drive|way|square)\s*\d|"
    r"\d+[a-z]?,?\s+(?:rue|avenue|bd|boulevard|chemin|place|quai|allee|all[ée]e)\b|"
    r"\b\d+\s+[A-Z][a-z]+\s+(?:street|st|road|rd|avenue|ave|lane|drive|way|blvd)\b|"
    r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s\d[A-Z]{2}\b|\b[A-Z]{2}\s\d{5}\b)",
    re.I,
)
CONTACT = re.compile(r"@|www\.|https?:|\.(?:com|de|fr|net|org|eu|co\.uk)\b|\b(?:tel|fax|phone|telefon|tél)\b", re.I)
TITLES = frozenset(
    (
        "rechnung", "invoice", "facture", "receipt", "quittung", "kassenbon", "beleg", "bon", "ticket",
        "kassenbeleg", "tax invoice", "gutschrift", "credit note", "avoir", "ticket de caisse",
        "facture acquittee", "proforma", "rechnungskopie", "copy", "kopie", "duplicata", "original",
        "kundenbeleg", "sales receipt", "willkommen", "herzlich willkommen", "welcome", "bienvenue",
        "merci", "danke", "thank you", "kundenkopie", "customer copy", "handlerbeleg", "haendlerbeleg",
    )
)  # fmt: skip
"""Document titles and greetings, which head a page but name no company."""
TITLE_WORDS = frozenset(t for t in TITLES if " " not in t)
SEPARATORS = re.compile(r"\s[·•|\u2013\u2014]\s|\s-\s")


def _buyer_lines(context: DocumentContext) -> set[int]:
    """Lines of the recipient's block: the label's line and up to five lines under it, or the
    lines under a sender line ("Muster GmbH · Str. 1 · 12345 Ort", a letter's window)."""
    out: set[int] = set()
    for line in context.lines:
        if SEPARATORS.search(line.text) and ADDRESS.search(line.text) and context.relative_y(line) < 0.4:
            x0 = line.box[0]
            for other in context.lines[line.index + 1 : line.index + 5]:
                if other.page != line.page or other.box[1] - line.box[3] > 6 * line.height:
                    break
                if abs(other.box[0] - x0) < 4 * line.height:
                    out.add(other.index)
    for line in context.lines:
        labels = [lab for lab in context.labels.get(line.index, []) if lab.role == "buyer" and lab.strength >= 2]
        if not labels or labels[0].start > 3:
            continue
        x0 = line.box_of(labels[0].start, labels[0].end)[0]
        out.add(line.index)
        for other in context.lines[line.index + 1 : line.index + 7]:
            if other.page != line.page or other.box[1] - line.box[3] > 8 * line.height:
                break
            if other.box[0] >= x0 - 2 * line.height and other.box[0] <= x0 + 20 * line.height:
                out.add(other.index)
    return out


def _clean(text: str) -> str:
    text = SEPARATORS.split(text)[0].strip(" :;,.-*=#|").strip()
    words = text.split()
    while len(words) > 1 and fold(words[-1]).strip(":") in TITLE_WORDS:
        words.pop()
    return " ".join(words)


def _is_candidate(context: DocumentContext, line: Line, start: int = 0, stop: int | None = None) -> bool:
    """Whether ``line.text[start:stop]`` (a segment) could be a company name."""
    stop = len(line.text) if stop is None else stop
    text = line.text[start:stop]
    letters = sum(c.isalpha() for c in text)
    if letters < 3 or letters < 0.5 * len(text.replace(" ", "")):
        return False
    folded = fold(_clean(text))
    if folded in TITLES or folded.rstrip(":") in TITLES:
        return False
    labels = [lab for lab in context.labels.get(line.index, []) if start <= lab.start < stop]
    if any(lab.strength >= 2 and lab.role != "buyer" for lab in labels) and not LEGAL_FORMS.search(text):
        return False
    if find_dates(text) or find_amounts(text) or CONTACT.search(text):
        return False
    return not (ADDRESS.search(text) and not SEPARATORS.search(text))


def _mentions(context: DocumentContext, line: Line, value: str) -> int:
    """How many other lines name ``value`` (a vendor repeats its name in the sender line and footer)."""
    wanted = re.sub(r"[^a-z0-9]+", " ", fold(value)).strip()
    if len(wanted) < 4:
        return 0
    return sum(
        1
        for other in context.lines
        if other.index != line.index and wanted in re.sub(r"[^a-z0-9]+", " ", fold(other.text))
    )


def find_vendor(context: DocumentContext) -> Field | None:
    """The vendor's name."""
    if not context.lines:
        return None
    buyer = _buyer_lines(context)
    first_page = min(context.pages)
    last_page = max(context.pages)
    candidates: list[Candidate] = []
    text_lines = [line for line in context.lines if line.page == first_page]
    for rank, line in enumerate(text_lines):
        y = line.box[1] / context.page_height(line.page)
        in_footer = line.page == last_page and y > 0.85
        if line.index in buyer or not (y < 0.45 or in_footer):
            continue
        for start, stop in segments(line):
            if not _is_candidate(context, line, start, stop):
                continue
            text = line.text[start:stop]
            value = _clean(text)
            if len(value) < 2 or fold(value) in TITLES or sum(c.isalpha() for c in value) < 3:
                continue
            if ADDRESS.search(value) or value[0].isdigit() or CONTACT.search(value):
                continue  # the first part of a sender line that is an address, not a name
            score = 0.0
            if LEGAL_FORMS.search(text):
                score += 3.0
            height = max(w.frame[3] - w.frame[1] for w in line.words_in(start, stop))
            score += max(-1.0, min(3.0, 2.0 * (height / context.text_height - 1.0)))
            score += 1.5 * (1.0 - y / 0.45) if not in_footer else -0.5
            score += 1.0 if rank < 3 else 0.0
            following = context.lines[line.index + 1 : line.index + 3]
            if any(ADDRESS.search(f.text) for f in following if f.page == line.page):
                score += 1.5
            if SEPARATORS.search(text) and ADDRESS.search(text):
                score += 2.0
            if len(text.split()) > 7:
                score -= 1.5
            score += 1.5 * min(2, _mentions(context, line, value))
            at = start + text.find(value)
            candidates.append(
                Candidate(value=value, score=score, rule="header-line", line=line, start=at, end=at + len(value))
            )
    pick = best(candidates)
    if pick is None:
        return None
    candidate, margin = pick
    rule = "legal-form" if LEGAL_FORMS.search(candidate.text) else "header-line"
    return to_field(candidate, margin, rule=rule)


def find_vendor_tax_id(context: DocumentContext) -> Field | None:
    buyer = _buyer_lines(context)
    candidates: list[Candidate] = []
    for line in context.lines:
        for value, start, end in find_vat_ids(line.text):
            score = 2.0
            checksum = vat_checksum_valid(value)
            score += 1.0 if checksum else (-2.0 if checksum is False else 0.0)
            score -= 4.0 if line.index in buyer else 0.0
            folded = fold(line.text[:start])
            labelled = any(k in folded for k in ("ust", "vat", "tva", "mwst", "tax", "uid", "steuer"))
            score += 1.0 if labelled else 0.0
            if re.search(r"(?:kunde|client|customer|your|ihre|votre)", folded):
                score -= 3.0
            rule = "pattern+checksum" if checksum else "pattern"
            candidates.append(Candidate(value=value, score=score, rule=rule, line=line, start=start, end=end))
        if not candidates:
            m = re.search(
                r"(?:steuer-?nr\.?|steuernummer|st\.-?nr\.?)\s*:?\s*(\d{2,3}/\d{3,4}/\d{4,5})", fold(line.text)
            )
            if m:
                candidates.append(
                    Candidate(value=m.group(1), score=1.0, rule="tax-number", line=line, start=m.start(1), end=m.end(1))
                )
    pick = best(candidates)
    return to_field(*pick) if pick else None


def find_iban(context: DocumentContext) -> Field | None:
    buyer = _buyer_lines(context)
    candidates: list[Candidate] = []
    for line in context.lines:
        for value, start, end in find_ibans(line.text):
            valid = iban_valid(value)
            score = (3.0 if valid else 0.0) - (4.0 if line.index in buyer else 0.0)
            rule = "pattern+checksum" if valid else "pattern"
            candidates.append(Candidate(value=value, score=score, rule=rule, line=line, start=start, end=end))
    pick = best(candidates)
    return to_field(*pick) if pick else None

"""Who the parties are: the recipient's block, what an address looks like, the vendor's VAT
id and IBAN.

The recipient's block ("Bill to", "Rechnungsempfänger", "Facturé à", or the window of a letter
under its sender line) is set aside by every rule that looks for the vendor. VAT ids and IBANs
come from their patterns; the recipient's are set aside, a valid check digit and a label raise
one. The vendor's name is found in ``vendor``.
"""

from __future__ import annotations

import re

from officeflow.documents.candidates import Candidate, best, to_field
from officeflow.documents.context import DocumentContext
from officeflow.documents.identifiers import find_ibans, find_vat_ids, iban_valid, vat_checksum_valid
from officeflow.documents.lexicon import fold
from officeflow.documents.model import Field

ADDRESS = re.compile(
    r"(?:\b\d{4,5}\s+[A-ZÄÖÜ][a-zäöüéèA-Z]|"
    r"(?:stra(?:ss|ß)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|rue|avenue|av\.|bd|boulevard|"
    r"chemin|place|impasse|quai|street|st\.|road|rd\.?|ave\.?|lane|drive|way|square)\s*\d|"
    r"\d+[a-z]?,?\s+(?:rue|avenue|bd|boulevard|chemin|place|quai|allee|all[ée]e)\b|"
    r"\b\d+\s+[A-Z][a-z]+\s+(?:street|st|road|rd|avenue|ave|lane|drive|way|blvd)\b|"
    r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s\d[A-Z]{2}\b|\b[A-Z]{2}\s\d{5}\b|"
    r"\b(?:jalan|jln|lorong|taman|kawasan|seksyen|bandar|persiaran|lebuh|kampung|kompleks|wisma|jl)\b\.?|"
    r"^\s*(?:lot|no|blk|block|unit|level|floor|lantai)\.?\s?[a-z]?\d|\b\d+(?:st|nd|rd|th)?\s(?:flr|floor|fl)\b|"
    r"\b(?:via|viale|piazza|corso|calle|c/|avda|avenida|paseo|carrer|rua|travessa|largo|plaza|pza)\.?\s+\S+.*\d|"
    r"\w(?:straat|laan|plein|gracht|kade|singel|dijk|steeg)\s*\d)",
    re.I,
)
CONTACT = re.compile(
    r"@|www\.|https?:|\.(?:com|de|fr|net|org|eu|co\.uk|my|es|it|nl|pt)\b|"
    r"\b(?:tel|fax|phone|telefon|tél|mobile|whatsapps?|e-?mail|facebook|instagram|telefono|telefoon)\b",
    re.I,
)
SEPARATORS = re.compile(r"\s[·•|\u2013\u2014]\s|\s-\s")


def buyer_lines(context: DocumentContext) -> set[int]:
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


def find_vendor_tax_id(context: DocumentContext) -> Field | None:
    buyer = buyer_lines(context)
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
    buyer = buyer_lines(context)
    candidates: list[Candidate] = []
    for line in context.lines:
        for value, start, end in find_ibans(line.text):
            valid = iban_valid(value)
            score = (3.0 if valid else 0.0) - (4.0 if line.index in buyer else 0.0)
            rule = "pattern+checksum" if valid else "pattern"
            candidates.append(Candidate(value=value, score=score, rule=rule, line=line, start=start, end=end))
    pick = best(candidates)
    return to_field(*pick) if pick else None

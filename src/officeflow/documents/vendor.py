"""The vendor's name: a line of the first page (or of the last page's footer) that looks like a company.

Candidates are the lines (column segments) near the top that are not labels, amounts, dates,
addresses, contact details, registration numbers, document titles ("TAX INVOICE", "Facture",
"Ticket de caisse"), qualifiers ("Formerly known as", "Owned by") or inside the recipient's
block. Each is scored on what a company name looks like and where it stands:

- a legal form (GmbH, SARL, Ltd, Sdn Bhd, S.L., S.r.l., B.V., ...); a legal form alone on its
  line ("SDN BHD") completes the line above it;
- a larger font; near the top; the first candidate of the page (receipts print their name first);
- followed by an address, but not preceded by one (the lines after an address are more address:
  a district, a mall, a town);
- first in a sender line ("Muster GmbH · Str. 1 · 12345 Ort");
- named again elsewhere (the footer, "Thank you for shopping at ...").

A trailing registration number ("(139386 X)", "862725-U") is not part of the name.
"""

from __future__ import annotations

import re

from officeflow.documents.amounts import find_amounts
from officeflow.documents.candidates import Candidate, best, to_field
from officeflow.documents.context import DocumentContext
from officeflow.documents.dates import find_dates
from officeflow.documents.layout import Line, segments
from officeflow.documents.lexicon import fold
from officeflow.documents.model import Field
from officeflow.documents.parties import ADDRESS, CONTACT, SEPARATORS, buyer_lines

LEGAL_FORMS = re.compile(
    r"\b(?:gmbh|ag|kg|ohg|ug|e\.?\s?k\.?|e\.?\s?v\.?|gbr|mbh|co\.?\s?kg|sarl|s\.?a\.?r\.?l\.?|sas|sasu|eurl|"
    r"s\.?a\.?|sa|snc|ltd|limited|plc|llp|llc|inc|corp|corporation|company|co|gmbh\s?&\s?co|bv|b\.v\.|nv|"
    r"srl|s\.r\.l|spa|s\.p\.a|ab|as|oy|sprl|sdn\.?\s?bhd|bhd|berhad|pte\.?\s?ltd|pty\.?\s?ltd|s\.?l\.?u?|"
    r"slu|lda|ltda|s\.?n\.?c|vof|v\.o\.f|kft|aps|a/s|s/b|sp\.?\s?z\s?o\.?\s?o)\.?(?![a-z])|^\s*(?:pt|cv)\.?\s",
    re.I,
)
_TITLE_TEXT = """
    tax invoice receipt simplified cash sales bill official copy customer merchant original duplicate
    adjustment note credit debit proforma pro forma rechnung quittung beleg kassenbon kassenbeleg bon facture
    ticket de caisse acquittee factura simplificada fattura scontrino ricevuta fiscale factuur kassabon fatura
    recibo nota fiscal commande order confirmation statement gutschrift avoir rechnungskopie kopie duplicata
    kundenbeleg handlerbeleg haendlerbeleg kundenkopie welcome willkommen herzlich bienvenue bienvenido
    benvenuti welkom merci danke thank you gracias grazie bedankt obrigado for your purchase visit again
    please come
"""
TITLE_WORDS = frozenset(_TITLE_TEXT.split())
"""Words that make up document titles and greetings, which head a page but name no company."""
GREETING = re.compile(
    r"^\W*(?:welcome|willkommen|bienvenue|bienvenido|benvenuti|welkom|bem-vindo|thank you|thanks|danke|merci|"
    r"gracias|grazie|bedankt|obrigado)\b",
    re.I,
)
QUALIFIER = re.compile(
    r"\b(?:formerly|known as|licensee|owned by|operated by|managed by|a division of|member of|franchisee|"
    r"a company of|powered by)\b",
    re.I,
)
REGISTRATION = re.compile(r"\s*(?:[(\[][^()\[\]]*\d{4,}[^()\[\]]*[)\]]|\b\d{4,}(?:-?[A-Z])?)\s*$")


def clean(text: str) -> str:
    """A candidate's text without separators, trailing titles and registration numbers."""
    text = SEPARATORS.split(text)[0].strip(" :;,.-*=#|").strip()
    while True:
        shorter = REGISTRATION.sub("", text).strip(" :;,-*=#|")
        if shorter == text or not shorter:
            break
        text = shorter
    words = text.split()
    while len(words) > 1 and fold(words[-1]).strip(":") in TITLE_WORDS:
        words.pop()
    return " ".join(words)


def _is_title(text: str) -> bool:
    words = re.findall(r"[a-z]+", fold(text))
    return bool(words) and all(w in TITLE_WORDS for w in words)


def _labelled_share(context: DocumentContext, line: Line, start: int, stop: int) -> float:
    """The share of the segment's letters that lexicon phrases cover ("CASH", "SALESPERSON :")."""
    covered = [False] * (stop - start)
    for label in context.labels.get(line.index, []):
        for at in range(max(start, label.start), min(stop, label.end)):
            covered[at - start] = True
    letters = [i for i, c in enumerate(line.text[start:stop]) if c.isalpha()]
    return sum(covered[i] for i in letters) / len(letters) if letters else 1.0


def is_candidate(context: DocumentContext, line: Line, start: int = 0, stop: int | None = None) -> bool:
    """Whether ``line.text[start:stop]`` (a segment) could be a company name."""
    stop = len(line.text) if stop is None else stop
    text = line.text[start:stop]
    name = clean(text)
    letters = sum(c.isalpha() for c in name)
    if letters < 3 or letters < 0.5 * len(name.replace(" ", "")):
        return False
    if _is_title(clean(text)) or QUALIFIER.search(text) or GREETING.search(text):
        return False
    legal = LEGAL_FORMS.search(text)
    labels = [lab for lab in context.labels.get(line.index, []) if start <= lab.start < stop]
    if any(lab.strength >= 2 and lab.role in ("customer", "count") for lab in labels):
        return False  # a registration number, a phone, a till: never a name, whatever its words
    if any(lab.strength >= 2 and lab.role != "buyer" for lab in labels) and not legal:
        return False
    if not legal and _labelled_share(context, line, start, stop) > 0.6:
        return False
    if find_dates(text) or find_amounts(text) or CONTACT.search(text):
        return False
    return not (_address(text) and not SEPARATORS.search(text))


def _mentions(context: DocumentContext, line: Line, value: str) -> int:
    """How many other lines name ``value`` (a vendor repeats its name in the sender line and footer)."""
    wanted = re.sub(r"[^a-z0-9]+", " ", fold(value)).strip()
    if len(wanted) < 4:
        return 0
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])")
    return sum(
        1
        for other in context.lines
        if other.index != line.index and pattern.search(re.sub(r"[^a-z0-9]+", " ", fold(other.text)))
    )


def _address(text: str) -> bool:
    """Whether the text is an address; a company name with its legal form and no number is not,
    whatever its words ("Satu Kampung Enterprise Sdn Bhd", "Plaza Hotel GmbH")."""
    return bool(ADDRESS.search(text)) and not (LEGAL_FORMS.search(text) and not re.search(r"\d", text))


def _after_qualifier(context: DocumentContext, line: Line) -> bool:
    """Whether the line follows one that ends in a qualifier ("Formerly known as" / old name)."""
    if line.index == 0:
        return False
    above = context.lines[line.index - 1]
    ends = any(not above.text[m.end() :].strip(" :") for m in QUALIFIER.finditer(above.text))
    return above.page == line.page and ends


def _registration_below(context: DocumentContext, line: Line) -> bool:
    """Whether the next line is a bare registration number ("(81109-A)", "CO. REG: 860671-D")."""
    below = context.lines[line.index + 1] if line.index + 1 < len(context.lines) else None
    if below is None or below.page != line.page:
        return False
    text = re.sub(r"(?i)\b(?:co|company|reg|no|roc|ssm)\b[.:\s-]*", "", below.text).strip(" ()[]:.-")
    return bool(re.fullmatch(r"\d{4,}[- ]?[A-Z]?", text))


def _legal_form_only(text: str) -> bool:
    m = LEGAL_FORMS.search(text)
    return m is not None and not re.sub(r"[^a-z]", "", fold(text[: m.start()] + text[m.end() :]))


def find_vendor(context: DocumentContext) -> Field | None:
    """The vendor's name."""
    if not context.lines:
        return None
    buyer = buyer_lines(context)
    first_page, last_page = min(context.pages), max(context.pages)
    candidates: list[Candidate] = []
    address_above = False
    rank = 0
    for line in (line for line in context.lines if line.page == first_page):
        y = line.box[1] / context.page_height(line.page)
        in_footer = line.page == last_page and y > 0.85
        if line.index in buyer or not (y < 0.45 or in_footer):
            continue
        is_address = bool(ADDRESS.search(line.text)) and not SEPARATORS.search(line.text)
        for start, stop in segments(line):
            found = _candidate(context, line, start, stop, y, in_footer, rank, address_above)
            if found is not None:
                candidates.append(found)
                rank += 1
        address_above = address_above or (is_address and not in_footer)
    pick = best(candidates)
    if pick is None:
        return None
    candidate, margin = pick
    rule = "legal-form" if LEGAL_FORMS.search(candidate.text) else "header-line"
    return to_field(candidate, margin, rule=rule)


def _candidate(
    context: DocumentContext,
    line: Line,
    start: int,
    stop: int,
    y: float,
    in_footer: bool,
    rank: int,
    address_above: bool,
) -> Candidate | None:
    """The segment as a scored vendor candidate, or None if it cannot be a name."""
    if not is_candidate(context, line, start, stop) or _after_qualifier(context, line):
        return None
    text = line.text[start:stop]
    if _legal_form_only(text):
        return _completed(context, line, start, stop, y, rank, address_above)
    value = clean(text)
    if len(value) < 2 or _is_title(value) or sum(c.isalpha() for c in value) < 3:
        return None
    if _address(value) or (value[0].isdigit() and not LEGAL_FORMS.search(value)) or CONTACT.search(value):
        return None  # the first part of a sender line that is an address, not a name
    legal = LEGAL_FORMS.search(text)
    if in_footer and not legal and not _mentions(context, line, value):
        return None  # a footer line names the vendor only with its legal form or as a repeat
    score = 4.0 if legal else 0.0
    height = max(w.frame[3] - w.frame[1] for w in line.words_in(start, stop))
    score += max(-1.0, min(3.0, 2.0 * (height / context.text_height - 1.0)))
    score += 1.5 * (1.0 - y / 0.45) if not in_footer else -0.5
    score += (1.5, 0.75, 0.25)[rank] if rank < 3 else 0.0
    following = [f for f in context.lines[line.index + 1 : line.index + 3] if f.page == line.page]
    if address_above and not in_footer:
        score -= 2.5
    elif any(ADDRESS.search(f.text) for f in following):
        score += 1.5
    if SEPARATORS.search(text) and ADDRESS.search(text):
        score += 2.0
    if len(text.split()) > 7:
        score -= 1.5
    score += 1.5 * min(2, _mentions(context, line, value))
    if REGISTRATION.search(SEPARATORS.split(text)[0].strip(" :;,.-*=#|")) or _registration_below(context, line):
        score += 2.0  # a company prints its registration number with its name
    at = start + text.find(value)
    return Candidate(value=value, score=score, rule="header-line", line=line, start=at, end=at + len(value))


def _completed(
    context: DocumentContext, line: Line, start: int, stop: int, y: float, rank: int, address_above: bool
) -> Candidate | None:
    """A legal form alone on its line ("SDN BHD") with the name on the line above it."""
    if line.index == 0:
        return None
    above = context.lines[line.index - 1]
    if above.page != line.page or line.box[1] - above.box[3] > 2 * line.height or address_above:
        return None
    if not is_candidate(context, above) or ADDRESS.search(above.text):
        return None
    name = clean(above.text)
    if not name or _is_title(name):
        return None
    value = f"{name} {clean(line.text[start:stop])}"
    score = 4.0 + 1.5 * (1.0 - y / 0.45) + ((1.5, 0.75, 0.25)[rank] if rank < 3 else 0.0)
    score += 1.5 * min(2, _mentions(context, above, name))
    return Candidate(value=value, score=score, rule="legal-form", line=above, start=0, end=len(above.text))

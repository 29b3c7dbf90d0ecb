"""The invoice date, due date, invoice number and purchase-order number.

Dates: every date in the document is a candidate; a date label ("Rechnungsdatum", "Date de
facture", "Invoice date", "Datum") makes it the invoice date, a due-date label ("Fällig am",
"Échéance", "Due date") the due date, other labels (delivery, order, period) rule it out.
Unlabelled dates compete on being high on the first page. Numbers: the token after (or under)
a number label that looks like an identifier (has a digit, is not a date, an amount, a
percentage or a phone number); a document title ("Rechnung", "Invoice", "Facture") followed by
such a token counts as a weak label.
"""

from __future__ import annotations

import re
from datetime import date

from officeflow.documents.amounts import find_amounts
from officeflow.documents.candidates import Candidate, best, to_field
from officeflow.documents.context import DocumentContext
from officeflow.documents.dates import find_dates
from officeflow.documents.layout import Line, below, segments
from officeflow.documents.model import Field

DATE_ROLES = frozenset({"date", "due_date", "other_date"})
NUMBER_ROLES = frozenset(
    {"invoice_number", "po_number", "customer", "date", "due_date", "other_date", "total", "net", "tax"}
)
_TOKEN = re.compile(r"[#:]?\s*([A-Za-z0-9][A-Za-z0-9\-/._]*[A-Za-z0-9]|[0-9])")
_FILLER = re.compile(r"^(?:[#:.°]|no\.?|nr\.?|n°|num(?:ber|ero|éro)?|nummer|number)$", re.I)


def find_dates_fields(context: DocumentContext, today: date) -> tuple[Field | None, Field | None]:
    """The invoice date and the due date."""
    issued: list[Candidate] = []
    due: list[Candidate] = []
    first_dates = 0
    for line in context.lines:
        for found in find_dates(line.text, day_first=context.locale.day_first):
            if not date(2000, 1, 1) <= found.value <= date(today.year + 2, 12, 31):
                continue
            labelled = context.label_for(line, found.start, found.end, DATE_ROLES)
            value = found.value.isoformat()
            penalty = 0.5 if found.ambiguous else 0.0
            if labelled is None:
                score = 2.0 - 1.5 * context.relative_y(line) - 0.2 * first_dates - penalty
                first_dates += 1
                issued.append(
                    Candidate(value=value, score=score, rule="position", line=line, start=found.start, end=found.end)
                )
                continue
            role, strength = labelled.label.role, labelled.label.strength
            rule = ("label:" if labelled.how == "left" else "label-above:") + {3: "strong", 2: "medium"}.get(
                strength, "weak"
            )
            score = 3.0 * strength - (0.5 if labelled.how == "above" else 0.0) - penalty
            if role == "date":
                issued.append(
                    Candidate(value=value, score=score, rule=rule, line=line, start=found.start, end=found.end)
                )
            elif role == "due_date":
                due.append(Candidate(value=value, score=score, rule=rule, line=line, start=found.start, end=found.end))
    issued_pick, due_pick = best(issued), best(due)
    issued_field = to_field(*issued_pick) if issued_pick else None
    due_field = to_field(*due_pick) if due_pick else None
    if issued_field and due_field and issued_field.value == due_field.value and len({c.value for c in issued}) > 1:
        rest = [c for c in issued if c.value != due_field.value]
        pick = best(rest)
        issued_field = to_field(*pick) if pick else None
    return issued_field, due_field


def _identifier(text: str, start: int) -> tuple[str, int, int] | None:
    """The first identifier-like token in ``text`` from ``start``: (value, start, end)."""
    at = start
    for _ in range(3):
        m = _TOKEN.search(text, at)
        if m is None or m.start() - at > 4:
            return None
        token = m.group(1)
        if _FILLER.match(token):
            at = m.end()
            continue
        end = m.end(1)
        # a prefix written apart: "RE 2026-001", "INV 00042"
        follow = re.match(r"\s([0-9][A-Za-z0-9\-/._]*)", text[end:])
        if token.isalpha() and len(token) <= 4 and follow:
            end = end + follow.end()
            token = text[m.start(1) : end]
        if _plausible_number(token, text, m.start(1), end):
            return token.rstrip("."), m.start(1), m.start(1) + len(token.rstrip("."))
        return None
    return None


def _plausible_number(token: str, text: str, start: int, end: int) -> bool:
    if not any(c.isdigit() for c in token) or len(token) > 30:
        return False
    if find_dates(token) or text[end : end + 1] == "%":
        return False
    if find_amounts(token) and re.fullmatch(r"[\d.,]+", token):
        return False
    return not re.fullmatch(r"\+?\d[\d /-]{8,}", token) or ("-" in token and " " not in token)


def find_number(context: DocumentContext, role: str) -> Field | None:
    """The invoice or purchase-order number (``role``), from the token its label points at."""
    candidates: list[Candidate] = []
    for line in context.lines:
        for label in context.labels.get(line.index, []):
            if label.role != role or (_after_other_label(context, line, label.start, role) and label.strength < 2):
                continue
            found = _identifier(line.text, label.end)
            rule_grade = {3: "strong", 2: "medium"}.get(label.strength, "weak")
            position_bonus = 1.0 - context.relative_y(line)
            if found is not None:
                value, start, end = found
                if _shadowed(context, line, label.start, label.end, role):
                    continue
                score = 3.0 * label.strength + position_bonus
                candidates.append(
                    Candidate(value=value, score=score, rule=f"label:{rule_grade}", line=line, start=start, end=end)
                )
                continue
            if label.strength < 2 or not _ends_segment(line, label.end):
                continue
            x0, _, x1, _ = line.box_of(label.start, label.end)
            for under in below(context.lines, line, x0 - (x1 - x0), x1 + (x1 - x0), depth=1):
                for word, (s, _e) in zip(under.words, under.spans, strict=True):
                    if word.frame[2] < x0 - (x1 - x0) or word.frame[0] > x1 + (x1 - x0):
                        continue
                    found = _identifier(under.text, s)
                    if found is not None and not _inside_date_or_amount(under.text, found[1], found[2]):
                        value, start, end = found
                        score = 3.0 * label.strength - 0.5 + position_bonus
                        candidates.append(
                            Candidate(
                                value=value,
                                score=score,
                                rule=f"label-above:{rule_grade}",
                                line=under,
                                start=start,
                                end=end,
                            )
                        )
                        break
    pick = best(candidates)
    return to_field(*pick) if pick else None


def _ends_segment(line: Line, end: int) -> bool:
    """True when nothing but punctuation follows ``end`` in its segment (a label above its value)."""
    for start, stop in segments(line):
        if start <= end <= stop + 1:
            return line.text[end:stop].strip(" :#.") in {"", "No", "Nr", "N°", "no", "#"}
    return False


def _inside_date_or_amount(text: str, start: int, end: int) -> bool:
    spans = [(d.start, d.end) for d in find_dates(text)] + [(a.start, a.end) for a in find_amounts(text)]
    return any(s < end and start < e for s, e in spans)


def _after_other_label(context: DocumentContext, line: Line, start: int, role: str) -> bool:
    """True when another role's label ends just before ``start`` ("Tel. No.", "Kunden Nr.")."""
    return any(o.role != role and 0 <= start - o.end <= 3 for o in context.labels.get(line.index, []))


def _shadowed(context: DocumentContext, line: Line, start: int, end: int, role: str) -> bool:
    """True when a stronger label of another role covers the same words ("Kundennummer" over "nummer")."""
    for other in context.labels.get(line.index, []):
        if other.role != role and other.start <= start and end <= other.end and other.end - other.start > end - start:
            return True
    return False

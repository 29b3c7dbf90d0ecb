"""The total, net amount, tax and currency of a document.

Every amount in the document is a candidate. Its label (see ``context``) says what it is: the
total's phrases ("Total TTC", "Gesamtbetrag", "Amount due", "Summe", ...) score by strength, a
net or tax label sends it to those fields, a payment, change or discount label keeps it from
being the total. Unlabelled amounts compete on being the largest amount, low on the page, in a
larger font, the last on their line. Then consistency: a total equal to a net plus a tax found
(or to the sum of several tax lines, or of the line items) gains; the tax chosen is the one
that makes net + tax = total when one does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from officeflow.documents.amounts import Amount, currency_in, find_amounts, implied_amount
from officeflow.documents.candidates import Candidate, best, to_field
from officeflow.documents.context import DocumentContext
from officeflow.documents.layout import Line
from officeflow.documents.model import Evidence, Field

AMOUNT_ROLES = frozenset({"total", "net", "tax", "paid", "change"})
CENT = 0.011
HALF_CENT = 0.005
"""Rounding adjustments are a cent or two: comparisons with them must be finer than a cent."""


@dataclass(frozen=True, kw_only=True)
class Money:
    """The amount fields chosen, and every amount seen (for the line items and the checks)."""

    total: Field | None
    net: Field | None
    tax: Field | None
    currency: Field | None
    amounts: list[Candidate]


@dataclass(frozen=True, kw_only=True)
class _Seen:
    amount: Amount
    line: Line
    role: str | None
    strength: int
    how: str | None
    rightmost: bool
    phrase: str = ""


def _amounts(context: DocumentContext) -> list[_Seen]:
    seen: list[_Seen] = []
    for line in context.lines:
        found = [
            a
            for a in find_amounts(line.text, decimal=context.locale.decimal)
            if not line.text[a.end : a.end + 2].strip().startswith("%")
        ]
        if not found:
            found = _implied(context, line)
        for i, amount in enumerate(found):
            labelled = context.label_for(line, amount.start, amount.end, AMOUNT_ROLES)
            seen.append(
                _Seen(
                    amount=amount,
                    line=line,
                    role=labelled.label.role if labelled else None,
                    strength=labelled.label.strength if labelled else 0,
                    how=labelled.how if labelled else None,
                    rightmost=i == len(found) - 1,
                    phrase=labelled.label.phrase if labelled else "",
                )
            )
    return seen


def _implied(context: DocumentContext, line: Line) -> list[Amount]:
    """On a line labelled as the total with no amount: one whose separator OCR lost, if any."""
    labels = [lab for lab in context.labels.get(line.index, []) if lab.role == "total" and lab.strength >= 2]
    if not labels or context.locale is None:
        return []
    after = line.text[labels[0].end :]
    implied = implied_amount(after)
    if implied is None:
        return []
    shift = labels[0].end
    return [
        Amount(
            value=implied.value,
            currency=implied.currency,
            start=implied.start + shift,
            end=implied.end + shift,
            decimals=False,
        )
    ]


def _candidate(seen: _Seen, score: float, rule: str) -> Candidate:
    return Candidate(
        value=round(seen.amount.value, 2),
        score=score,
        rule=rule,
        line=seen.line,
        start=seen.amount.start,
        end=seen.amount.end,
    )


def _rule(seen: _Seen, role: str) -> str:
    if seen.role != role:
        return "position"
    grade = {3: "strong", 2: "medium"}.get(seen.strength, "weak")
    return f"label:{grade}" if seen.how == "left" else f"label-above:{grade}"


def _labelled(seen_all: list[_Seen], role: str, context: DocumentContext) -> list[Candidate]:
    out = []
    for seen in seen_all:
        if seen.role != role or seen.amount.value <= 0:
            continue
        score = 3.0 * seen.strength + (1.0 if seen.rightmost else 0.0) + context.relative_y(seen.line)
        if seen.how == "above":
            score -= 1.0
        out.append(_candidate(seen, score, _rule(seen, role)))
    return out


def find_money(context: DocumentContext, item_sum: float | None = None) -> Money:
    seen_all = _amounts(context)
    nets = _labelled(seen_all, "net", context)
    taxes = _labelled(seen_all, "tax", context)
    positive = [s for s in seen_all if s.amount.value > 0 and s.role not in {"paid", "change"}]
    largest = max((s.amount.value for s in positive), default=0.0)
    heights = context.text_height
    totals: list[Candidate] = []
    summary = _summary_lines(context)
    for seen in seen_all:
        value = seen.amount.value
        if seen.line.index in summary and seen.strength < 3:
            continue  # a row of the tax summary ("GST summary ... Total 376.42 22.58") is no total
        if seen.role in {"tax", "change"} or (value <= 0 and not (seen.role == "total" and seen.strength == 3)):
            continue  # a negative total only where a strong label says so (a credit or adjustment note)
        if seen.role == "net":
            score = -3.0  # "Net amount" is the total on some receipts: only the checks can say so
        elif seen.role == "total":
            score = 3.0 * seen.strength - (1.0 if seen.how == "above" else 0.0)
        elif seen.role == "paid":
            score = 1.0
        else:
            score = 0.0
        score += 1.5 if value >= largest - CENT and seen.role != "paid" else 0.0
        score += 0.8 * context.relative_y(seen.line)
        score += 0.5 if seen.line.height > 1.15 * heights else 0.0
        score += 0.3 if seen.rightmost else 0.0
        score += 0.3 if seen.amount.currency else 0.0
        totals.append(_candidate(seen, score, _rule(seen, "total")))
    nets = nets + _rate_sum(nets)
    net_values = {c.value for c in nets}
    tax_values = {float(c.value) for c in taxes} | _tax_sums(taxes)
    net_floats = {float(v) for v in net_values}
    consistent: list[Candidate] = []
    paid = [s.amount.value for s in seen_all if s.role == "paid" and s.amount.value > 0]
    change = [s.amount.value for s in seen_all if s.role == "change" and s.amount.value >= 0 and not _rounding(s)]
    rounding = [s.amount.value for s in seen_all if _rounding(s) and s.amount.value != 0]
    labelled_totals = [float(c.value) for c in totals if c.rule.startswith(("label", "label-above"))]
    for candidate in totals:
        value = float(candidate.value)
        bonus = 0.0
        if any(abs(n + t - value) < CENT for n in net_floats for t in tax_values):
            bonus = 4.0
        elif item_sum is not None and abs(item_sum - value) < CENT:
            bonus = 2.0
        if any(abs(value + c - p) < HALF_CENT for p in paid for c in change):
            bonus += 3.0  # paid minus change
        if any(abs(u + r - value) < HALF_CENT for u in labelled_totals for r in rounding):
            bonus += 5.0  # the total after its rounding is what is due
        elif any(abs(value + r - float(c.value)) < HALF_CENT for c in totals for r in rounding):
            bonus -= 5.0  # ... and the total before it is not
        consistent.append(Candidate(**{**candidate.__dict__, "score": candidate.score + bonus}))
    total_pick = best(consistent)
    total = to_field(*total_pick) if total_pick else None
    net = tax = None
    if total is not None:
        nets, taxes = _consistent_first(nets, taxes, float(total.value))
    net_pick, tax_pick = best(nets), best(taxes)
    by_rate = _taxes_by_rate(taxes)
    if net_pick is None and len(by_rate) > 1 and tax_pick is not None and tax_pick[0].rule != "label:strong":
        first = tax_pick[0]
        summed = round(sum(by_rate.values()), 2)
        tax_pick = (
            Candidate(
                value=summed,
                score=first.score,
                rule="sum-of-tax-lines",
                line=first.line,
                start=first.start,
                end=first.end,
            ),
            tax_pick[1],
        )
    if net_pick:
        net = to_field(*net_pick)
    if tax_pick:
        tax = to_field(*tax_pick)
        if total is not None and net is not None:
            tax_sum = _summed_tax(taxes, float(total.value) - float(net.value))
            if tax_sum is not None and abs(float(tax.value) - tax_sum) > CENT:
                tax = Field(
                    **{
                        **tax.__dict__,
                        "value": round(tax_sum, 2),
                        "evidence": Evidence(rule="sum-of-tax-lines", ocr=tax.evidence.ocr, margin=tax.evidence.margin),
                    }
                )
    amounts = [_candidate(s, 0.0, "seen") for s in seen_all]
    return Money(total=total, net=net, tax=tax, currency=_currency(context, seen_all, total), amounts=amounts)


def _summary_lines(context: DocumentContext) -> set[int]:
    """The lines of a tax summary: up to six lines under its heading ("GST summary", "MwSt-Übersicht")."""
    out: set[int] = set()
    for line in context.lines:
        if any(lab.role == "header" and lab.strength == 3 for lab in context.labels.get(line.index, [])):
            for other in context.lines[line.index : line.index + 7]:
                if other.page == line.page:
                    out.add(other.index)
    return out


def _rounding(seen: _Seen) -> bool:
    """Whether the amount is a rounding adjustment ("Rounding", "Round adj", "Arrondi")."""
    return seen.role == "change" and any(w in seen.phrase for w in ("round", "rnd", "redondeo", "arrondi", "rundung"))


def _rate_sum(nets: list[Candidate]) -> list[Candidate]:
    """The sum of net amounts on lines of different tax rates (a tax table), as one more candidate."""
    by_rate = _taxes_by_rate(nets)
    if len(by_rate) < 2:
        return []
    first = max(nets, key=lambda c: c.score)
    total = round(sum(by_rate.values()), 2)
    return [
        Candidate(
            value=total,
            score=first.score - 0.5,
            rule="sum-of-rate-lines",
            line=first.line,
            start=first.start,
            end=first.end,
        )
    ]


def _taxes_by_rate(taxes: list[Candidate]) -> dict[str, float]:
    """Rate -> the last tax amount on a line naming that rate ("MwSt 19% 1,90")."""
    out: dict[str, float] = {}
    for c in taxes:
        rate = re.search(r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%", c.line.text)
        if rate:
            out[rate.group(1).replace(",", ".")] = float(c.value)
    return out


def _tax_sums(taxes: list[Candidate]) -> set[float]:
    by_line: dict[int, float] = {}
    for c in taxes:
        by_line[c.line.index] = float(c.value)
    return {round(sum(by_line.values()), 2)} if len(by_line) > 1 else set()


def _summed_tax(taxes: list[Candidate], wanted: float) -> float | None:
    sums = _tax_sums(taxes)
    return next((s for s in sums if abs(s - wanted) < CENT), None)


def _consistent_first(
    nets: list[Candidate], taxes: list[Candidate], total: float
) -> tuple[list[Candidate], list[Candidate]]:
    """Nets and taxes, those that add up to the total raised above the rest."""
    tax_values = {float(c.value) for c in taxes} | _tax_sums(taxes)
    net_values = {float(c.value) for c in nets}
    good_nets = {n for n in net_values if any(abs(n + t - total) < CENT for t in tax_values)}
    good_taxes = {t for t in tax_values if any(abs(n + t - total) < CENT for n in net_values)}
    if not good_nets:
        return nets, taxes
    lift = 10.0
    nets = [Candidate(**{**c.__dict__, "score": c.score + (lift if c.value in good_nets else 0.0)}) for c in nets]
    taxes = [Candidate(**{**c.__dict__, "score": c.score + (lift if c.value in good_taxes else 0.0)}) for c in taxes]
    return nets, taxes


def _currency(context: DocumentContext, seen_all: list[_Seen], total: Field | None) -> Field | None:
    """The currency written next to amounts (the total's first), else named on a line, else None."""
    votes: dict[str, list[_Seen]] = {}
    for seen in seen_all:
        if seen.amount.currency:
            votes.setdefault(seen.amount.currency, []).append(seen)
    if votes:
        ranked = sorted(votes.items(), key=lambda kv: len(kv[1]), reverse=True)
        code, where = ranked[0]
        for candidate_code, places in votes.items():
            if total is not None and any(abs(p.amount.value - float(total.value)) < CENT for p in places):
                code, where = candidate_code, places
                break
        share = len(where) / sum(len(v) for v in votes.values())
        chosen = where[0]
        candidate = Candidate(
            value=code,
            score=share,
            rule="amount-sign",
            line=chosen.line,
            start=chosen.amount.start,
            end=chosen.amount.end,
        )
        return to_field(candidate, share)
    country = _country_currency(seen_all, context)
    if country is not None:
        return country
    for line in context.lines:
        named = currency_in(line.text)
        if named:
            candidate = Candidate(value=named, score=1.0, rule="named", line=line, start=0, end=len(line.text))
            return to_field(candidate, 1.0)
    return None


COUNTRY_CURRENCY = {
    **dict.fromkeys(("DE", "AT", "FR", "BE", "NL", "IT", "ES", "IE", "LU", "PT", "FI"), "EUR"),
    **{"GB": "GBP", "CH": "CHF", "LI": "CHF"},
}


def _country_currency(seen_all: list[_Seen], context: DocumentContext) -> Field | None:
    """With no currency written, the currency of the country of the VAT id or IBAN, if one."""
    from officeflow.documents.identifiers import find_ibans, find_vat_ids

    for line in context.lines:
        for value, start, end in find_vat_ids(line.text) + find_ibans(line.text):
            code = COUNTRY_CURRENCY.get(value[:2])
            if code:
                return to_field(Candidate(value=code, score=1.0, rule="country", line=line, start=start, end=end), 1.0)
    return None

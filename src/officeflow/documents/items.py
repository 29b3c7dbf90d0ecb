"""The line items: the rows between the item table's header (or the top of the document) and the
first totals line, each with a description and an amount at its right.

A row's last amount is its amount; an amount before it is the unit price; a quantity is a
number written with ``x``, a multiplication sign, ``Stk``, ``pcs`` or ``h``, or a lone number between the
description and the prices. Rows labelled as totals, taxes, payments, dates or references are
not items. A row without an amount that follows an item continues its description.
"""

from __future__ import annotations

import re

from officeflow.documents.amounts import find_amounts
from officeflow.documents.context import DocumentContext
from officeflow.documents.layout import Line
from officeflow.documents.model import LineItem, union

STOP_ROLES = frozenset({"total", "net", "tax", "paid", "change"})
SKIP_ROLES = frozenset({"date", "due_date", "other_date", "invoice_number", "po_number", "customer", "buyer"})
QUANTITY = re.compile(
    r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?(?:x|\u00d7|\*|stk\.?|st\.|pcs?\.?|pce|h|std\.?|hrs?)(?![a-z])", re.I
)
LONE_NUMBER = re.compile(r"(?<![\d.,])(\d{1,4}(?:[.,]\d{1,3})?)(?![\d.,])")


def _stops(context: DocumentContext, line: Line) -> bool:
    return any(
        lab.role in STOP_ROLES and lab.strength >= 2 and lab.start < 4 for lab in context.labels.get(line.index, [])
    )


def _skips(context: DocumentContext, line: Line) -> bool:
    return any(lab.role in SKIP_ROLES and lab.strength >= 2 for lab in context.labels.get(line.index, []))


def find_items(context: DocumentContext) -> tuple[list[LineItem], str]:
    """The line items and the rule that found them (``table`` under a header, else ``rows``)."""
    start = 0
    rule = "rows"
    if context.table_headers:
        start = min(context.table_headers) + 1
        rule = "table"
    items: list[LineItem] = []
    last: LineItem | None = None
    for line in context.lines[start:]:
        if line.index in context.table_headers:
            continue
        if _stops(context, line):
            if rule == "table" and any(h > line.index for h in context.table_headers):
                last = None
                continue
            break
        if _skips(context, line):
            last = None
            continue
        amounts = find_amounts(line.text, decimal=context.locale.decimal)
        if not amounts:
            if (
                last is not None
                and rule == "table"
                and line.page == last.page
                and sum(c.isalpha() for c in line.text) > 3
            ):
                last = LineItem(
                    **{
                        **last.__dict__,
                        "description": f"{last.description} {line.text}".strip(),
                        "box": union([last.box, line.page_box]),
                    }
                )
                items[-1] = last
            continue
        description = line.text[: amounts[0].start]
        quantity: float | None = None
        q = QUANTITY.search(description)
        if q:
            quantity = float(q.group(1).replace(",", "."))
            description = (description[: q.start()] + description[q.end() :]).strip()
        else:
            lone = list(LONE_NUMBER.finditer(description))
            if lone and lone[-1].end() >= len(description.rstrip()) - 1 and len(lone[-1].group(1)) <= 4:
                quantity = float(lone[-1].group(1).replace(",", "."))
                description = description[: lone[-1].start()]
        description = re.sub(r"^\s*\d{1,3}[.)]?\s+(?=\D)", "", description).strip(" .:-*")
        description = " ".join(description.split())
        if sum(c.isalpha() for c in description) < 2:
            continue
        amount = round(amounts[-1].value, 2)
        unit_price = round(amounts[-2].value, 2) if len(amounts) >= 2 else None
        if unit_price is None and quantity:
            unit_price = round(amount / quantity, 2) if quantity else None
        if quantity is None and unit_price:
            ratio = amount / unit_price if unit_price else 0
            quantity = round(ratio) if ratio and abs(ratio - round(ratio)) < 0.01 else None
        last = LineItem(
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            page=line.page,
            box=line.page_box,
        )
        items.append(last)
    return items, rule

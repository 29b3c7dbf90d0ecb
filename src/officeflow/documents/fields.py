"""From pages of words to an Extraction: every field rule, the checks, then confidence.

The order matters: line items first (their sum helps choose the total), then amounts, dates,
numbers and parties; then the per-vendor memory, if given, replaces what it knows better; then
the checks run, and each field's confidence is computed from its evidence and its checks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from officeflow.documents.checks import run_checks
from officeflow.documents.confidence import Calibration, features
from officeflow.documents.context import DocumentContext
from officeflow.documents.items import find_items
from officeflow.documents.lexicon import fold
from officeflow.documents.model import Check, Evidence, Extraction, Field, LineItem, Page
from officeflow.documents.money import find_money
from officeflow.documents.parties import find_iban, find_vendor_tax_id
from officeflow.documents.references import find_dates_fields, find_number
from officeflow.documents.vendor import find_vendor

if TYPE_CHECKING:
    from officeflow.documents.memory import VendorMemory

INVOICE_WORDS = re.compile(
    r"\b(?:invoice|rechnung\w*|facture|bill(?:ed)? to|due date|echeance|zahlbar|zahlungsziel|kundennummer|"
    r"customer no|iban|payment terms|conditions de paiement|leistungszeitraum|bestellnummer|purchase order)"
)
RECEIPT_WORDS = re.compile(
    r"\b(?:receipt|quittung|kassen\w*|kasse|beleg\w*|bon|bon-?nr|ticket|cash|bar|change|ruckgeld|zuruck|"
    r"rendu|especes|gegeben|tse|terminal|ec-karte|girocard|thank you|vielen dank|danke|merci|caisse|cashier)\b"
)


def guess_kind(context: DocumentContext) -> str:
    """``invoice`` or ``receipt``, from title words, then the page's shape."""
    text = " ".join(fold(line.text) for line in context.lines[:60])
    invoice, receipt = len(INVOICE_WORDS.findall(text)), len(RECEIPT_WORDS.findall(text))
    if invoice != receipt:
        return "invoice" if invoice > receipt else "receipt"
    first = context.pages[min(context.pages)] if context.pages else None
    return "receipt" if first is not None and first.width / max(first.height, 1.0) < 0.55 else "invoice"


def vendor_key(fields: dict[str, Field | None]) -> str | None:
    """What identifies the vendor: the VAT id, else the IBAN, else the name folded."""
    for name, prefix in (("vendor_tax_id", "vat"), ("iban", "iban")):
        found = fields.get(name)
        if found is not None:
            return f"{prefix}:{re.sub(r'[^A-Z0-9/]', '', str(found.value).upper())}"
    vendor = fields.get("vendor")
    if vendor is not None:
        name = re.sub(r"[^a-z0-9]+", " ", fold(str(vendor.value))).strip()
        return f"name:{name}" if name else None
    return None


def extract_fields(
    pages: list[Page],
    *,
    kind: str,
    source: str,
    today: date,
    calibration: Calibration,
    memory: VendorMemory | None = None,
) -> Extraction:
    context = DocumentContext.of(pages)
    items, item_rule = find_items(context)
    item_sum = round(sum(i.amount for i in items if i.amount is not None), 2) if items else None
    money = find_money(context, item_sum)
    issued, due = find_dates_fields(context, today)
    fields: dict[str, Field | None] = {
        "vendor": find_vendor(context),
        "vendor_tax_id": find_vendor_tax_id(context),
        "date": issued,
        "due_date": due,
        "invoice_number": find_number(context, "invoice_number"),
        "po_number": find_number(context, "po_number"),
        "currency": money.currency,
        "total": money.total,
        "net": money.net,
        "tax": money.tax,
        "iban": find_iban(context),
    }
    if kind == "auto":
        kind = guess_kind(context)
    key = vendor_key(fields)
    applied: tuple[str, ...] = ()
    if memory is not None:
        fields, applied, key = memory.apply(context, fields, key)
    return finish(
        kind=kind,
        source=source,
        locale=context.locale.tag,
        pages=pages,
        fields=fields,
        items=items,
        item_rule=item_rule,
        today=today,
        calibration=calibration,
        key=key,
        applied=applied,
    )


def finish(
    *,
    kind: str,
    source: str,
    locale: str,
    pages: list[Page],
    fields: dict[str, Field | None],
    items: list[LineItem],
    item_rule: str,
    today: date,
    calibration: Calibration,
    key: str | None,
    applied: tuple[str, ...] = (),
) -> Extraction:
    """Run the checks and set every field's confidence (e-invoices come here too)."""
    outcomes = run_checks(fields, items, today)
    by_field: dict[str, list[tuple[str, int]]] = {}
    for outcome in outcomes:
        for name in outcome.fields:
            by_field.setdefault(name, []).append((outcome.name, 1 if outcome.passed else -1))
    done: dict[str, Field | None] = {}
    for name, found in fields.items():
        if found is None:
            done[name] = None
            continue
        evidence = replace(found.evidence, checks=tuple(by_field.get(name, ())))
        done[name] = replace(found, evidence=evidence, confidence=calibration.confidence(name, evidence, source))
    items_confidence = 0.0
    items_evidence: Evidence | None = None
    if items:
        words_ocr = [
            w.confidence
            for p in pages
            for w in p.words
            if any(_inside(w.box, i.box) and w.page == i.page for i in items)
        ]
        ocr = sum(words_ocr) / len(words_ocr) if words_ocr else 1.0
        items_evidence = Evidence(rule=item_rule, ocr=ocr, margin=1.0, checks=tuple(by_field.get("line_items", ())))
        items_confidence = calibration.confidence("line_items", items_evidence, source)
    checks = []
    for outcome in outcomes:
        effect: dict[str, float] = {}
        for name in outcome.fields:
            found = done.get(name)
            if found is not None:
                effect[name] = calibration.effect(name, found.evidence, source, outcome.name)
            elif name == "line_items" and items_evidence is not None:
                effect[name] = calibration.effect(name, items_evidence, source, outcome.name)
        checks.append(
            Check(name=outcome.name, passed=outcome.passed, fields=outcome.fields, reason=outcome.reason, effect=effect)
        )
    return Extraction(
        kind=kind,
        source=source,
        locale=locale,
        pages=tuple(pages),
        fields=done,
        line_items=tuple(items),
        line_items_confidence=items_confidence,
        checks=tuple(checks),
        vendor_key=key,
        memory_applied=applied,
    )


def field_features(extraction: Extraction) -> dict[str, dict[str, float]]:
    """Each present field's confidence features (what the evaluation fits the calibration on)."""
    out = {}
    for name, found in extraction.fields.items():
        if found is not None:
            out[name] = features(name, found.evidence, extraction.source)
    return out


def _inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (
        inner[0] >= outer[0] - 1 and inner[1] >= outer[1] - 1 and inner[2] <= outer[2] + 1 and inner[3] <= outer[3] + 1
    )

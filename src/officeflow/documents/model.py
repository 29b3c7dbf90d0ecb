"""What extraction reads and returns: words with boxes on pages, fields, line items, checks.

Coordinates: the origin is the top-left corner of the page, x to the right, y down. A PDF page
(born-digital or scanned) is measured in points (1/72 inch) of the PDF page as it is shown; an
image in pixels of the image as it is shown (after its EXIF orientation). When OCR had to turn a
page upright, ``Page.rotation`` says by how many degrees (clockwise) and the boxes are those of
the upright page, whose size ``width`` x ``height`` is given: a viewer shows the page turned by
``rotation`` and scales boxes by its display size over ``width``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Box = tuple[float, float, float, float]
Unit = Literal["pt", "px"]

FIELD_NAMES = (
    "vendor",
    "vendor_tax_id",
    "date",
    "due_date",
    "invoice_number",
    "po_number",
    "currency",
    "total",
    "net",
    "tax",
    "iban",
)
"""The scalar fields, in output order; ``line_items`` follows them."""

FieldValue = str | float


@dataclass(frozen=True, kw_only=True)
class Word:
    """One word as read: its text, where it is, and how sure the reader was (1.0 for PDF text)."""

    text: str
    box: Box
    confidence: float
    page: int
    at: Box | None = None
    """Where the word is in the reading frame (OCR's deskewed, flattened page), if not at ``box``."""

    @property
    def frame(self) -> Box:
        """The box layout rules work with: straight lines of text even on a skewed scan or photo."""
        return self.box if self.at is None else self.at


@dataclass(frozen=True, kw_only=True)
class Page:
    """One page as read: its size in its unit, how it was read, and its words."""

    number: int
    width: float
    height: float
    unit: Unit
    source: str
    rotation: int = 0
    words: tuple[Word, ...] = ()
    ocr_quality: float | None = None
    """Mean word confidence of the OCR that was kept, or None for text read from the PDF."""

    def info(self) -> dict[str, Any]:
        """The page as the JSON output shows it (without its words)."""
        out: dict[str, Any] = {
            "number": self.number,
            "width": round(self.width, 2),
            "height": round(self.height, 2),
            "unit": self.unit,
            "source": self.source,
            "rotation": self.rotation,
        }
        if self.ocr_quality is not None:
            out["ocr_quality"] = round(self.ocr_quality, 3)
        return out


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """How a field was found, the features its confidence is computed from."""

    rule: str
    """The rule that found it, e.g. ``label:strong``, ``position``, ``einvoice``, ``memory``."""
    ocr: float
    """Mean confidence of the words the value was read from (1.0 for PDF text and e-invoices)."""
    margin: float
    """How far the chosen candidate's score is ahead of the next one, 0..1 (1 when alone)."""
    checks: tuple[tuple[str, int], ...] = ()
    """(check name, +1 passed / -1 failed) for the checks that concern this field."""


@dataclass(frozen=True, kw_only=True)
class Field:
    """One extracted value with its confidence, page and box, and the evidence behind it."""

    value: FieldValue
    confidence: float
    page: int | None
    """1-based page, None for a value read from e-invoice XML (which has no page)."""
    box: Box | None
    evidence: Evidence
    text: str = ""
    """The text the value was read from."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "page": self.page,
            "box": None if self.box is None else [round(v, 1) for v in self.box],
            "rule": self.evidence.rule,
        }


@dataclass(frozen=True, kw_only=True)
class LineItem:
    """One line of the document's item table."""

    description: str
    quantity: float | None
    unit_price: float | None
    amount: float | None
    page: int
    box: Box

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": self.amount,
            "page": self.page,
            "box": [round(v, 1) for v in self.box],
        }


@dataclass(frozen=True, kw_only=True)
class Check:
    """One consistency check: whether it passed, the fields it concerns, and what it did to them."""

    name: str
    passed: bool
    fields: tuple[str, ...]
    reason: str
    effect: dict[str, float] = field(default_factory=dict)
    """Field -> change of its confidence because of this check (after calibration)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "fields": list(self.fields),
            "reason": self.reason,
            "effect": {k: round(v, 3) for k, v in self.effect.items()},
        }


@dataclass(frozen=True, kw_only=True)
class Extraction:
    """Everything read from one document: the JSON output of ``officeflow documents extract``."""

    kind: str
    source: str
    locale: str
    pages: tuple[Page, ...]
    fields: dict[str, Field | None]
    line_items: tuple[LineItem, ...] = ()
    line_items_confidence: float = 0.0
    checks: tuple[Check, ...] = ()
    vendor_key: str | None = None
    """What identifies the vendor for the per-vendor memory (tax id, IBAN or name), if anything."""
    memory_applied: tuple[str, ...] = ()
    """Fields the per-vendor memory set."""

    def value(self, name: str) -> FieldValue | None:
        found = self.fields.get(name)
        return None if found is None else found.value

    def words(self) -> list[Word]:
        return [w for p in self.pages for w in p.words]

    def as_dict(self, *, words: bool = False) -> dict[str, Any]:
        """The JSON output; with ``words`` each page also lists its words (text, box, confidence)."""
        fields: dict[str, Any] = {}
        for name in FIELD_NAMES:
            found = self.fields.get(name)
            fields[name] = None if found is None else found.as_dict()
        fields["line_items"] = None
        if self.line_items:
            first = self.line_items[0]
            fields["line_items"] = {
                "value": [item.as_dict() for item in self.line_items],
                "confidence": round(self.line_items_confidence, 3),
                "page": first.page,
                "box": [round(v, 1) for v in union([i.box for i in self.line_items if i.page == first.page])],
            }
        pages = []
        for page in self.pages:
            info = page.info()
            if words:
                info["words"] = [
                    {"text": w.text, "box": [round(v, 1) for v in w.box], "confidence": round(w.confidence, 3)}
                    for w in page.words
                ]
            pages.append(info)
        return {
            "kind": self.kind,
            "source": self.source,
            "locale": self.locale,
            "pages": pages,
            "fields": fields,
            "checks": [c.as_dict() for c in self.checks],
            "vendor_key": self.vendor_key,
            "memory_applied": list(self.memory_applied),
        }


def union(boxes: list[Box]) -> Box:
    """The smallest box around all the boxes."""
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )

"""Extractions to and from plain dicts: the JSON output, and the child process's answer.

``to_dict`` with ``full`` keeps what ``from_dict`` needs to rebuild the Extraction exactly
(the evidence behind each field, each page's words), so the per-vendor memory can learn from an
extraction read back from storage.
"""

from __future__ import annotations

from typing import Any

from officeflow.documents.model import Check, Evidence, Extraction, Field, LineItem, Page, Word


def to_dict(extraction: Extraction, *, full: bool = False) -> dict[str, Any]:
    out = extraction.as_dict(words=full)
    if full:
        for name, found in extraction.fields.items():
            if found is not None:
                out["fields"][name]["evidence"] = {
                    "rule": found.evidence.rule,
                    "ocr": found.evidence.ocr,
                    "margin": found.evidence.margin,
                    "checks": [list(c) for c in found.evidence.checks],
                }
                out["fields"][name]["text"] = found.text
        out["line_items_confidence"] = extraction.line_items_confidence
        for page, info in zip(extraction.pages, out["pages"], strict=True):
            for word, raw in zip(page.words, info["words"], strict=True):
                if word.at is not None:
                    raw["at"] = [round(v, 1) for v in word.at]
    return out


def _box(raw: Any) -> tuple[float, float, float, float] | None:
    return None if raw is None else (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))


def from_dict(data: dict[str, Any]) -> Extraction:
    """The Extraction ``to_dict(..., full=True)`` described (KeyError or ValueError when malformed)."""
    pages = []
    for raw in data["pages"]:
        number = int(raw["number"])
        words = tuple(
            Word(
                text=w["text"],
                box=_box(w["box"]) or (0.0, 0.0, 0.0, 0.0),
                confidence=float(w["confidence"]),
                page=number,
                at=_box(w.get("at")),
            )
            for w in raw.get("words", [])
        )
        pages.append(
            Page(
                number=number,
                width=float(raw["width"]),
                height=float(raw["height"]),
                unit=raw["unit"],
                source=raw["source"],
                rotation=int(raw.get("rotation", 0)),
                words=words,
                ocr_quality=raw.get("ocr_quality"),
            )
        )
    fields: dict[str, Field | None] = {}
    items: tuple[LineItem, ...] = ()
    items_confidence = float(data.get("line_items_confidence", 0.0))
    for name, raw in data["fields"].items():
        if name == "line_items":
            if raw:
                items = tuple(
                    LineItem(
                        description=i["description"],
                        quantity=i["quantity"],
                        unit_price=i["unit_price"],
                        amount=i["amount"],
                        page=int(i["page"]),
                        box=_box(i["box"]) or (0.0, 0.0, 0.0, 0.0),
                    )
                    for i in raw["value"]
                )
                items_confidence = float(raw["confidence"])
            continue
        if raw is None:
            fields[name] = None
            continue
        evidence = raw.get("evidence") or {"rule": raw.get("rule", ""), "ocr": 1.0, "margin": 1.0, "checks": []}
        fields[name] = Field(
            value=raw["value"],
            confidence=float(raw["confidence"]),
            page=raw["page"],
            box=_box(raw["box"]),
            text=raw.get("text", str(raw["value"])),
            evidence=Evidence(
                rule=evidence["rule"],
                ocr=float(evidence["ocr"]),
                margin=float(evidence["margin"]),
                checks=tuple((str(c[0]), int(c[1])) for c in evidence.get("checks", [])),
            ),
        )
    checks = tuple(
        Check(
            name=c["name"],
            passed=bool(c["passed"]),
            fields=tuple(c["fields"]),
            reason=c["reason"],
            effect=dict(c["effect"]),
        )
        for c in data.get("checks", [])
    )
    return Extraction(
        kind=data["kind"],
        source=data["source"],
        locale=data.get("locale", ""),
        pages=tuple(pages),
        fields=fields,
        line_items=items,
        line_items_confidence=items_confidence,
        checks=checks,
        vendor_key=data.get("vendor_key"),
        memory_applied=tuple(data.get("memory_applied", ())),
    )

"""What the task page shows of a document a ``document`` step read: each page's image with every
extracted field's box drawn over it, the fields with their confidences, and the checks' reasons.

The overlay is drawn here, on the server: one SVG per page whose ``viewBox`` is the page's size
in the unit the boxes are in (points of a PDF page, pixels of an image, upright), holding the
page's image and the boxes, so the browser scales both together to whatever size the page is
shown at. Image and boxes are SVG attributes, not inline styles (the console's CSP allows none).
A page OCR turned upright (``rotation``) is shown turned the same way, so image and boxes agree.
A value read from e-invoice XML has no page and no box: it is listed, not drawn.
"""

from __future__ import annotations

from typing import Any

MAX_PAGES = 5
"""Pages shown on the task page (the first, then those with fields, up to this many)."""
LABELS = {
    "vendor": "Vendor",
    "vendor_tax_id": "VAT id",
    "date": "Date",
    "due_date": "Due date",
    "invoice_number": "Number",
    "po_number": "PO number",
    "currency": "Currency",
    "total": "Total",
    "net": "Net",
    "tax": "Tax",
    "iban": "IBAN",
    "line_items": "Line items",
}


def confidence_class(confidence: float) -> str:
    return "conf-low" if confidence < 0.6 else "conf-mid" if confidence < 0.85 else "conf-high"


def _box(raw: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(raw, list | tuple) or len(raw) != 4:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in raw)
    except (TypeError, ValueError):
        return None
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def reading_view(task_id: str, reading: dict[str, Any]) -> dict[str, Any] | None:
    """The view of a document step's output, or None when ``reading`` is not one."""
    fields = reading.get("fields")
    pages = reading.get("pages")
    if not isinstance(fields, dict) or not isinstance(pages, list):
        return None
    listed = []
    boxes: dict[int, list[dict[str, Any]]] = {}
    applied = set(reading.get("memory_applied") or ())
    for number, (name, found) in enumerate((n, f) for n, f in fields.items() if n in LABELS):
        if not isinstance(found, dict):
            listed.append({"name": name, "label": LABELS[name], "value": None, "n": number + 1})
            continue
        confidence = float(found.get("confidence") or 0.0)
        value = found.get("value")
        if name == "line_items" and isinstance(value, list):
            value = f"{len(value)} line(s)"
        item = {
            "name": name,
            "label": LABELS[name],
            "value": value,
            "confidence": confidence,
            "percent": round(confidence * 100),
            "class": confidence_class(confidence),
            "rule": found.get("rule") or "",
            "page": found.get("page"),
            "learned": name in applied,
            "n": number + 1,
        }
        listed.append(item)
        box = _box(found.get("box"))
        if box is not None and isinstance(found.get("page"), int):
            x0, y0, x1, y1 = box
            boxes.setdefault(found["page"], []).append(
                {**item, "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "label_y": max(y0 - 2.0, 0.0)}
            )
    shown: list[dict[str, Any]] = []
    for page in pages:
        if not isinstance(page, dict):
            continue
        number = int(page.get("number") or 0)
        width, height = float(page.get("width") or 0), float(page.get("height") or 0)
        if width <= 0 or height <= 0 or (number != 1 and number not in boxes) or len(shown) >= MAX_PAGES:
            continue
        rotation = int(page.get("rotation") or 0) % 360
        quarter = rotation in (90, 270)
        shown.append(
            {
                "number": number,
                "width": width,
                "height": height,
                "rotation": rotation,
                # the image as stored is the page turned back: centred, then turned upright
                "image_x": round((width - height) / 2, 3) if quarter else 0,
                "image_y": round((height - width) / 2, 3) if quarter else 0,
                "image_width": height if quarter else width,
                "image_height": width if quarter else height,
                "src": f"/tasks/{task_id}/document?page={number}",
                "boxes": boxes.get(number, []),
                "stroke": max(width, height) / 400.0,
                "font": max(width, height) / 60.0,
            }
        )
    checks = [
        {"name": c.get("name"), "passed": bool(c.get("passed")), "reason": c.get("reason") or ""}
        for c in reading.get("checks") or ()
        if isinstance(c, dict)
    ]
    review = reading.get("review") if isinstance(reading.get("review"), dict) else {}
    return {
        "fields": listed,
        "pages": shown,
        "checks": checks,
        "source": reading.get("source"),
        "engine": reading.get("engine"),
        "kind": reading.get("kind"),
        "latency_ms": reading.get("latency_ms"),
        "doubtful": [d for d in (review or {}).get("fields") or () if isinstance(d, dict)],
    }

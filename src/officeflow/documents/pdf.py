"""PDFs: active content refused, text read with its positions, scanned pages rendered for OCR.

A PDF with JavaScript, a launch action, an embedded movie or an XFA form is refused, whatever
the action would do: the catalogue's names, open action and additional actions, and every
page's annotations and actions are looked at (pypdf), compressed object streams included.
Embedded files are allowed only as a Factur-X / ZUGFeRD / XRechnung invoice (read by ``einvoice``).

A page with text (at least ``MIN_TEXT_CHARS`` letters or digits) is read by pdfplumber:
words with boxes in points, top-left origin. A page without is a scan: pdfium renders it within
the pixel budget and OCR reads it; its boxes are mapped back to points.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from PIL import Image

from officeflow.documents.errors import DocumentRefused, DocumentUnreadable
from officeflow.documents.limits import Limits
from officeflow.documents.model import Page, Word
from officeflow.documents.ocr import Engines, OcrPolicy

MIN_TEXT_CHARS = 20
ACTIVE_KEYS = ("/JavaScript", "/JS", "/Launch", "/RichMedia", "/XFA", "/GoToE", "/ImportData", "/SubmitForm")
EINVOICE_NAMES = re.compile(
    r"^(?:factur-x|zugferd-invoice|zugferd_invoice|xrechnung|ZUGFeRD-invoice|order-x)\.xml$", re.I
)

for _noisy in ("pdfminer", "pypdf"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


def _walk_actions(value: Any, depth: int = 0) -> str | None:
    """The first active-content key in an action dictionary (following /Next), if any."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if depth > 8:
        return None
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, DictionaryObject):
        kind = value.get("/S")
        if kind in ("/JavaScript", "/Launch", "/RichMedia", "/ImportData", "/SubmitForm", "/GoToE"):
            return str(kind)
        for key in ("/JS", "/JavaScript", "/XFA"):
            if key in value:
                return key
        for key in ("/Next", "/A", "/AA", "/OpenAction"):
            if key in value:
                found = _walk_actions(value[key], depth + 1)
                if found:
                    return found
        if depth == 0 or "/S" not in value:
            for item in value.values():
                if isinstance(item, (DictionaryObject, IndirectObject)):
                    found = _walk_actions(item, depth + 1)
                    if found:
                        return found
    if isinstance(value, ArrayObject):
        for item in value:
            found = _walk_actions(item, depth + 1)
            if found:
                return found
    return None


def embedded_files(data: bytes, limits: Limits) -> list[str]:
    """Names of the PDF's embedded files; refuses active content and too many pages."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentUnreadable("the PDF is encrypted")
        count = len(reader.pages)
        if count > limits.max_pages:
            raise DocumentRefused(f"the PDF has {count} pages, more than the {limits.max_pages} allowed")
        root: Any = reader.trailer["/Root"].get_object()
        names_ref = root.get("/Names")
        names: Any = names_ref.get_object() if names_ref is not None else {}
        for key in ("/JavaScript",):
            if key in names:
                raise DocumentRefused("the PDF has JavaScript")
        for key in ("/OpenAction", "/AA"):
            if key in root:
                found = _walk_actions(root[key])
                if found:
                    raise DocumentRefused(f"the PDF runs an action when opened ({found})")
        if "/AcroForm" in root and "/XFA" in root["/AcroForm"].get_object():
            raise DocumentRefused("the PDF has an XFA form")
        for number, page in enumerate(reader.pages, start=1):
            for key in ("/AA",):
                if key in page and _walk_actions(page[key]):
                    raise DocumentRefused(f"page {number} of the PDF has an action")
            for annotation in page.get("/Annots", None) or []:
                found = _walk_actions(annotation.get_object())
                if found:
                    raise DocumentRefused(f"page {number} of the PDF has an active annotation ({found})")
        files = list(reader.attachments.keys())
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DocumentUnreadable(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    others = [name for name in files if not EINVOICE_NAMES.match(name)]
    if others:
        raise DocumentRefused(
            f"the PDF embeds files ({', '.join(sorted(others)[:3])}); only an e-invoice XML is allowed"
        )
    return files


def read_pdf(data: bytes, *, limits: Limits, engines: Engines, policy: OcrPolicy) -> list[Page]:
    """Every page's words: PDF text where there is some, OCR where the page is a scan."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                words = page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5, y_tolerance=2)
                text_chars = sum(sum(c.isalnum() for c in w["text"]) for w in words)
                if text_chars >= MIN_TEXT_CHARS:
                    pages.append(
                        Page(
                            number=number,
                            width=float(page.width),
                            height=float(page.height),
                            unit="pt",
                            source="text",
                            words=tuple(
                                Word(
                                    text=w["text"],
                                    box=(float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"])),
                                    confidence=1.0,
                                    page=number,
                                )
                                for w in words
                            ),
                        )
                    )
                else:
                    pages.append(
                        _ocr_page(data, number, float(page.width), float(page.height), limits, engines, policy)
                    )
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise DocumentUnreadable(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pdfminer raises its own errors from deep inside
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber")):
            raise DocumentUnreadable(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
        raise
    return pages


def _ocr_page(
    data: bytes, number: int, width: float, height: float, limits: Limits, engines: Engines, policy: OcrPolicy
) -> Page:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[number - 1]
        scale = min(300 / 72, (limits.render_pixels / max(width * height, 1.0)) ** 0.5)
        image: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    reading = engines.read_page(image, policy)
    factor_x = width / image.width
    factor_y = height / image.height
    if reading.rotation in (90, 270):
        factor_x, factor_y = height / image.width, width / image.height

    def scaled(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (box[0] * factor_x, box[1] * factor_y, box[2] * factor_x, box[3] * factor_y)

    words = tuple(
        Word(
            text=w.text,
            box=scaled(w.box),
            confidence=w.confidence,
            page=number,
            at=scaled(w.frame) if w.frame else None,
        )
        for w in reading.words
    )
    page_w, page_h = (height, width) if reading.rotation in (90, 270) else (width, height)
    return Page(
        number=number,
        width=page_w,
        height=page_h,
        unit="pt",
        source=f"ocr:{reading.engine}",
        rotation=reading.rotation,
        words=words,
        ocr_quality=reading.quality,
    )

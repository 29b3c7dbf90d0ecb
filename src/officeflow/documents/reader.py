"""One document, bytes in, Extraction out, in this process (``isolation`` runs it in a child).

The type comes from the file's first bytes, not its name: ``%PDF`` (a Factur-X / ZUGFeRD PDF
is read from its XML), PNG, JPEG, TIFF, or XML (UBL or CII). Anything else is unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from officeflow.documents.confidence import Calibration
from officeflow.documents.einvoice import read_einvoice
from officeflow.documents.errors import DocumentRefused, DocumentUnreadable
from officeflow.documents.fields import extract_fields
from officeflow.documents.images import frames
from officeflow.documents.limits import Limits
from officeflow.documents.memory import VendorMemory
from officeflow.documents.model import Extraction, Page, Word
from officeflow.documents.ocr import Engines, OcrPolicy
from officeflow.documents.pdf import embedded_files, read_pdf

KINDS = ("auto", "receipt", "invoice")
ENGINES = ("auto", "tesseract", "rapidocr")


def sniff(data: bytes) -> str:
    """``pdf``, ``image`` or ``xml`` from the first bytes; unreadable otherwise."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    if head.startswith(b"<"):
        return "xml"
    raise DocumentUnreadable("not a PDF, PNG, JPEG, TIFF or XML e-invoice (by its first bytes)")


@dataclass(kw_only=True)
class Reader:
    """Reads documents in this process with its OCR engines (made once, reused)."""

    limits: Limits = field(default_factory=Limits)
    calibration: Calibration = field(default_factory=Calibration.load)
    engines: Engines = field(default_factory=Engines)

    def read(
        self,
        data: bytes,
        *,
        kind: str = "auto",
        engine: str = "auto",
        memory: VendorMemory | None = None,
        today: date | None = None,
    ) -> Extraction:
        if kind not in KINDS:
            raise DocumentUnreadable(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        if engine not in ENGINES:
            raise DocumentUnreadable(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
        if len(data) > self.limits.max_bytes:
            raise DocumentRefused(f"the file has {len(data):,} bytes, more than the {self.limits.max_bytes:,} allowed")
        if not data:
            raise DocumentUnreadable("the file is empty")
        today = today or date.today()
        policy = OcrPolicy(engine=engine)
        what = sniff(data)
        if what == "xml":
            return read_einvoice(data, limits=self.limits, calibration=self.calibration, today=today)
        if what == "pdf":
            attached = embedded_files(data, self.limits)
            if attached:
                import facturx  # type: ignore[import-untyped]

                try:
                    _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
                except Exception as exc:  # facturx raises plain Exceptions for bad attachments
                    raise DocumentUnreadable(f"the PDF's e-invoice attachment cannot be read ({exc})") from None
                if xml:
                    shown = read_pdf(data, limits=self.limits, engines=self.engines, policy=OcrPolicy(engine=engine))
                    return read_einvoice(
                        xml, limits=self.limits, calibration=self.calibration, today=today, pages=shown
                    )
            pages = read_pdf(data, limits=self.limits, engines=self.engines, policy=policy)
        else:
            pages = self._image_pages(data, policy)
        if not pages:
            raise DocumentUnreadable("the document has no pages")
        sources = [p.source for p in pages]
        source = max(set(sources), key=sources.count)
        return extract_fields(pages, kind=kind, source=source, today=today, calibration=self.calibration, memory=memory)

    def _image_pages(self, data: bytes, policy: OcrPolicy) -> list[Page]:
        pages = []
        for number, (image, camera) in enumerate(frames(data, self.limits), start=1):
            reading = self.engines.read_page(image, policy, camera=camera)
            words = tuple(
                Word(text=w.text, box=w.box, confidence=w.confidence, page=number, at=w.frame) for w in reading.words
            )
            pages.append(
                Page(
                    number=number,
                    width=float(reading.width),
                    height=float(reading.height),
                    unit="px",
                    source=f"ocr:{reading.engine}",
                    rotation=reading.rotation,
                    words=words,
                    ocr_quality=reading.quality,
                )
            )
        return pages

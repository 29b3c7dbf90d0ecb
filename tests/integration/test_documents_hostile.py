"""Hostile and malformed files get a clear refusal, as a typed error with the reason, from the
limited child process; the caller never sees a traceback and the next document is read."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from officeflow.documents import DocumentRefused, DocumentUnreadable, Extractor, Limits

DATA = Path(__file__).parents[1] / "data" / "documents"


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with Extractor() as extractor:
        yield extractor


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with almost no data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def pdf(*, javascript: bool = False, launch: bool = False, attachment: bool = False, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if javascript:  # a document-level script in the catalogue's name tree
        script = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("js0"), script])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    if launch:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
        )
        writer._root_object[NameObject("/OpenAction")] = action
    if attachment:
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&secret;</ID></Invoice>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "DTD or entities"),
        (EXTERNAL_ENTITY, "DTD or entities"),
        (png_declaring(100_000, 100_000), "too large|pixels"),
        (pdf(javascript=True), "JavaScript"),
        (pdf(launch=True), "action when opened"),
        (pdf(attachment=True), "embeds files"),
    ],
    ids=["billion-laughs", "external-entity", "decompression-bomb", "pdf-javascript", "pdf-launch", "pdf-attachment"],
)
def test_hostile_files_are_refused_with_the_reason(extractor: Extractor, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentRefused, match=reason) as caught:
        extractor.extract(data)
    assert caught.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n this is no PDF at all", "not a readable PDF"),
        (b"hello, world", "not a PDF, PNG, JPEG, TIFF or XML"),
        (b"\x89PNG\r\n\x1a\n broken", "not a readable image"),
        (b"<?xml version='1.0'?><note>hi</note>", "not an e-invoice"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed XML"),
        (b"", "empty"),
    ],
    ids=["broken-pdf", "text", "broken-png", "other-xml", "bad-xml", "empty"],
)
def test_malformed_files_are_unreadable_with_the_reason(extractor: Extractor, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentUnreadable, match=reason):
        extractor.extract(data)


def test_a_pdf_with_more_pages_than_allowed_is_refused() -> None:
    with Extractor(Limits(max_pages=2)) as extractor, pytest.raises(DocumentRefused, match="3 pages, more than the 2"):
        extractor.extract(pdf(pages=3))


def test_a_file_larger_than_allowed_is_refused_before_the_child_sees_it() -> None:
    with Extractor(Limits(max_bytes=1000)) as extractor, pytest.raises(DocumentRefused, match="more than the 1,000"):
        extractor.extract(b"%PDF-" + b"0" * 2000)


def test_a_document_that_needs_more_memory_than_allowed_is_refused() -> None:
    """A 9,000 x 9,000 photo is within the pixel limit here, but not within 700 MB of memory."""
    image = Image.new("L", (9000, 9000), 255)
    out = io.BytesIO()
    image.save(out, format="PNG")
    limits = Limits(memory=700 << 20, max_pixels=100_000_000)
    with Extractor(limits) as extractor, pytest.raises(DocumentRefused, match=r"more time or memory|more memory"):
        extractor.extract(out.getvalue())


def test_a_document_read_too_slowly_is_stopped_and_the_next_one_is_read() -> None:
    receipt = (DATA / "receipt-us-scan.png").read_bytes()
    with Extractor(Limits(wall_seconds=0.05)) as slow, pytest.raises(DocumentRefused, match="more time or memory"):
        slow.extract(receipt)
    with Extractor() as extractor:
        with pytest.raises(DocumentRefused):
            extractor.extract(BILLION_LAUGHS)
        assert extractor.extract(receipt).value("total") is not None

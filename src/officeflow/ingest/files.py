"""Stored files (attachments of e-mails, uploaded receipts): size and type checked, content
sniffed, and PDFs with active content refused.

The PDF check looks for JavaScript, launch, embedded-file, rich-media and XFA actions in the
document's names, after undoing ``#xx`` escapes in names and inflating compressed streams (with a
cap on the inflated size, against decompression bombs). A PDF it cannot read is refused too.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

from officeflow.errors import OfficeflowError, ProblemType
from officeflow.ids import uuid7
from officeflow.store.tx import Tx
from officeflow.store.tx_events import FileRow

MAX_SIZE = 20 * 1024 * 1024
MAX_INFLATED = 64 * 1024 * 1024
ALLOWED = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/webp",
    "image/gif",
    "text/plain",
    "text/csv",
    "application/json",
    "application/xml",
    "text/xml",
}
TEXT_TYPES = {"text/plain", "text/csv", "application/json", "application/xml", "text/xml"}
"""Types without a signature in their first bytes: taken as declared when the content is UTF-8
(XML: e-invoices, UBL and CII, which the document step reads)."""
ACTIVE_PDF_NAMES = (
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFile",
    "/RichMedia",
    "/XFA",
    "/ImportData",
    "/SubmitForm",
    "/GoToE",
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


class AttachmentRefused(OfficeflowError):
    """The attachment was refused."""

    http_status = 422
    problem = ProblemType("attachment-refused", "The file was refused")


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    sha256: str


def sniff(content: bytes) -> str | None:
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def pdf_active_content(content: bytes) -> list[str]:
    """Names of active features found in a PDF (empty when none)."""
    chunks = [content]
    inflated = 0
    for match in _STREAM.finditer(content):
        raw = match.group(1)
        try:
            data = zlib.decompressobj().decompress(raw, MAX_INFLATED - inflated)
        except zlib.error:
            continue
        inflated += len(data)
        chunks.append(data)
        if inflated >= MAX_INFLATED:
            return ["compressed streams larger than the inspection limit"]
    found = []
    for chunk in chunks:
        normal = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk)
        for name in ACTIVE_PDF_NAMES:
            if re.search(re.escape(name.encode()) + rb"(?![A-Za-z])", normal) and name not in found:
                found.append(name)
    return found


def check(name: str, declared_type: str | None, content: bytes, *, max_size: int = MAX_SIZE) -> Checked:
    """Why an attachment is refused (raises AttachmentRefused), or what it is."""
    if len(content) > max_size:
        raise AttachmentRefused(f"{name}: {len(content)} bytes is more than the limit of {max_size}")
    if not content:
        raise AttachmentRefused(f"{name}: the file is empty")
    declared = (declared_type or "").split(";")[0].strip().lower() or None
    sniffed = sniff(content)
    if sniffed is None:
        if declared not in TEXT_TYPES:
            raise AttachmentRefused(
                f"{name}: unrecognised content ({declared or 'no type given'}); accepted: {', '.join(sorted(ALLOWED))}"
            )
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise AttachmentRefused(f"{name}: declared {declared} but is not UTF-8 text") from None
        kind = declared
    else:
        if declared and declared not in (sniffed, "application/octet-stream"):
            raise AttachmentRefused(f"{name}: declared {declared} but the content is {sniffed}")
        kind = sniffed
    assert kind is not None
    if kind not in ALLOWED:
        raise AttachmentRefused(f"{name}: {kind} is not accepted; accepted: {', '.join(sorted(ALLOWED))}")
    if kind == "application/pdf":
        active = pdf_active_content(content)
        if active:
            raise AttachmentRefused(f"{name}: the PDF has active content ({', '.join(active)})")
    return Checked(kind, len(content), hashlib.sha256(content).hexdigest())


def store(
    tx: Tx,
    tenant: str,
    name: str,
    declared_type: str | None,
    content: bytes,
    *,
    source: str,
    now: float,
    max_size: int = MAX_SIZE,
) -> FileRow:
    checked = check(name, declared_type, content, max_size=max_size)
    row = FileRow(
        id=uuid7(),
        tenant=tenant,
        name=name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        created_at=now,
        source=source,
    )
    tx.insert_file(row, content)
    return row

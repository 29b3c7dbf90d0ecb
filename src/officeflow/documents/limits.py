"""The limits a document is read within, and the refusals when it goes beyond them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How much a document may be and cost. The child process enforces memory and CPU time."""

    max_bytes: int = 40 << 20
    """Largest file read."""
    max_pixels: int = 40_000_000
    """Largest image (one page or frame), in pixels; a decompression bomb stops here."""
    max_pages: int = 50
    """Most pages (PDF pages or TIFF frames) read."""
    max_xml_bytes: int = 10 << 20
    """Largest e-invoice XML."""
    memory: int = 2 << 30
    """Address space of the child process, in bytes."""
    cpu_seconds: int = 60
    """CPU time of the child process per document."""
    wall_seconds: float = 90.0
    """Wall-clock time per document."""
    render_pixels: int = 9_000_000
    """Pixels a scanned PDF page is rendered to for OCR (about 300 dpi for A4)."""

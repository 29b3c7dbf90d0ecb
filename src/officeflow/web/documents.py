"""A PDF page as an image for the task page, rendered in a child process with limits.

A PDF is untrusted input and pdfium is a large C library: a crafted file could take all the
memory or the CPU, or crash the process that renders it. So the API process never renders one
itself. A child process does (``python -I`` with nothing but pypdfium2 and Pillow), which first
limits its own address space and CPU time, under a wall-clock timeout, and the image is capped in
pixels. Scripts in a PDF never run: pdfium is used without its JavaScript support. Stored files
never change, so the PNG is cached by the file's content hash: a task page opened again costs
nothing.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import OrderedDict

from officeflow.errors import OfficeflowError

PAGE_WIDTH = 1400
"""Pixels across a rendered page (at most 3x the PDF's own size)."""
MAX_PIXELS = 12_000_000
"""A page taller than this allows is rendered smaller."""
TIMEOUT = 15.0
CPU_SECONDS = 10
MEMORY = 1 << 30
"""Address space of the child (bytes)."""
CACHE_BYTES = 64 << 20

CHILD = r"""
import io, resource, sys
width, page_no, max_pixels, memory, cpu = (int(a) for a in sys.argv[1:6])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
import pypdfium2 as pdfium
try:
    document = pdfium.PdfDocument(sys.stdin.buffer.read())
except pdfium.PdfiumError as exc:
    sys.stderr.write(f"not a readable PDF ({exc})\n")
    sys.exit(2)
if page_no >= len(document):
    sys.stderr.write(f"the PDF has {len(document)} page(s)\n")
    sys.exit(3)
page = document[page_no]
w, h = page.get_size()
if w <= 0 or h <= 0:
    sys.stderr.write("the page has no size\n")
    sys.exit(2)
scale = min(3.0, width / w)
if w * h * scale * scale > max_pixels:
    scale = (max_pixels / (w * h)) ** 0.5
while (int(w * scale) + 1) * (int(h * scale) + 1) > max_pixels:  # pdfium rounds up
    scale *= 0.999
image = page.render(scale=scale).to_pil()
out = io.BytesIO()
image.save(out, format="PNG")
sys.stdout.buffer.write(out.getvalue())
"""


class DocumentUnreadable(OfficeflowError):
    """The document cannot be shown as an image."""


def render_pdf_page(content: bytes, page: int = 0, *, width: int = PAGE_WIDTH, timeout: float = TIMEOUT) -> bytes:
    """PNG of one page of a PDF; DocumentUnreadable with the reason when it cannot be had."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", CHILD, *map(str, (width, page, MAX_PIXELS, MEMORY, CPU_SECONDS))],
            input=content,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocumentUnreadable(f"rendering the page took longer than {timeout:.0f} s") from None
    if done.returncode == 0 and done.stdout.startswith(b"\x89PNG"):
        return done.stdout
    if done.returncode in (2, 3):
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
        raise DocumentUnreadable(reason)
    if done.returncode < 0 or b"MemoryError" in done.stderr:
        raise DocumentUnreadable("rendering the page needed more time or memory than allowed")
    raise DocumentUnreadable("the page could not be rendered")


class PageCache:
    """Rendered pages by (file content hash, page), least recently used out first."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, sha256: str, page: int, content: bytes) -> bytes:
        key = (sha256, page)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        png = render_pdf_page(content, page)
        with self._lock:
            if key not in self._items and len(png) <= self.max_bytes:
                self._items[key] = png
                self._size += len(png)
                while self._size > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._size -= len(dropped)
        return png

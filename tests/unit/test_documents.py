"""PDF pages rendered for the task page in a limited child process: real PDFs through real
pdfium; broken, hostile and slow ones end in a clear DocumentUnreadable, never in the caller."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from officeflow.web import documents
from officeflow.web.documents import DocumentUnreadable, PageCache, render_pdf_page


def receipt_pdf(pages: int = 1) -> bytes:
    images = [Image.new("RGB", (600, 800), "white") for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


def page_of_size(width: float, height: float) -> bytes:
    """A one-page PDF with the given page size in points (pdfium rebuilds the missing xref)."""
    box = f"[0 0 {width:g} {height:g}]".encode()
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
        b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox " + box + b">> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def png_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def test_a_page_is_rendered_as_png_at_the_page_width() -> None:
    png = render_pdf_page(receipt_pdf(), width=900)
    assert png.startswith(b"\x89PNG")
    assert png_size(png) == (900, 1200)


def test_a_small_page_is_enlarged_at_most_three_times() -> None:
    assert png_size(render_pdf_page(page_of_size(100, 50), width=1400)) == (300, 150)


def test_a_huge_page_is_rendered_within_the_pixel_cap() -> None:
    width, height = png_size(render_pdf_page(page_of_size(200, 14400), width=1400))
    assert width * height <= documents.MAX_PIXELS
    assert height > 10 * width  # the page's shape is kept


def test_broken_and_missing_pages_are_unreadable_with_the_reason() -> None:
    with pytest.raises(DocumentUnreadable, match="not a readable PDF"):
        render_pdf_page(b"%PDF-1.7\n this is not a PDF at all")
    with pytest.raises(DocumentUnreadable, match=r"the PDF has 2 page\(s\)"):
        render_pdf_page(receipt_pdf(pages=2), page=2)


def test_a_render_beyond_the_memory_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the pixel cap lifted, a 2 m x 2 m page at 3x needs far more than the child may have."""
    monkeypatch.setattr(documents, "MAX_PIXELS", 10**10)
    monkeypatch.setattr(documents, "MEMORY", 400 << 20)
    with pytest.raises(DocumentUnreadable, match="more time or memory"):
        render_pdf_page(page_of_size(5000, 5000), width=15000)


def test_a_render_beyond_the_time_limit_is_stopped() -> None:
    with pytest.raises(DocumentUnreadable, match="took longer than"):
        render_pdf_page(receipt_pdf(), timeout=0.001)


def test_pages_are_cached_by_content_hash() -> None:
    cache = PageCache(max_bytes=10 << 20)
    content = receipt_pdf()
    first = cache.get("sha-a", 0, content)
    assert cache.get("sha-a", 0, content) is first
    assert cache.get("sha-b", 0, content) is not first


def test_the_cache_drops_the_least_recently_used_beyond_its_size() -> None:
    content = receipt_pdf()
    one = len(render_pdf_page(content))
    cache = PageCache(max_bytes=2 * one)
    a = cache.get("a", 0, content)
    cache.get("b", 0, content)
    assert cache.get("a", 0, content) is a  # a is now the most recent
    cache.get("c", 0, content)  # b goes: least recently used
    assert list(cache._items) == [("a", 0), ("c", 0)]

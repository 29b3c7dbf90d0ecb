"""Seeded samples: a document's bytes, its true fields, and how it was made.

``samples(seed, count)`` draws each document's layout (development or held out), kind, country,
medium (born-digital PDF, scan as PNG, TIFF or PDF, phone photo as JPEG, or an e-invoice as UBL,
CII or Factur-X) and content from one ``random.Random(seed)``: the same seed gives the same
bytes. ``vendor_series`` makes several documents of one vendor in one layout, for measuring the
per-vendor memory.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from officeflow.documents.synth import einvoices, render
from officeflow.documents.synth.content import Content, content, party
from officeflow.documents.synth.layouts import DEVELOPMENT, HELD_OUT, Layout


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One generated document and its truth."""

    name: str
    filename: str
    data: bytes
    truth: dict[str, Any]
    layout: str
    held_out: bool
    kind: str
    medium: str
    """``pdf``, ``scan``, ``scan-pdf``, ``scan-tiff``, ``photo``, ``ubl``, ``cii`` or ``facturx``."""
    language: str
    pages: int
    vendor: str = ""


def _media(kind: str, rng: random.Random) -> str:
    if kind == "receipt":
        return rng.choices(["photo", "scan", "pdf"], weights=[4, 4, 2])[0]
    return rng.choices(
        ["pdf", "scan", "scan-pdf", "scan-tiff", "photo", "ubl", "cii", "facturx"], weights=[30, 15, 10, 8, 15, 7, 7, 8]
    )[0]


def printed_truth(c: Content, layout_name: str) -> dict[str, Any]:
    """The truth as far as the layout prints it (a till receipt shows no IBAN and no net total)."""
    truth = c.truth()
    if c.kind == "receipt":
        truth["iban"] = None
        if layout_name == "receipt_classic":
            truth["net"] = None
    return truth


def make(
    name: str,
    c: Content,
    layout_name: str,
    layout: Layout,
    medium: str,
    rng: random.Random,
    *,
    held_out: bool,
    quirky: bool = False,
) -> Sample:
    if medium in ("ubl", "cii"):
        data = einvoices.ubl(c) if medium == "ubl" else einvoices.cii(c)
        return Sample(
            name=name,
            filename=f"{name}.xml",
            data=data,
            truth=c.truth(),
            layout=medium,
            held_out=False,
            kind=c.kind,
            medium=medium,
            language=c.language,
            pages=0,
        )
    sheets = layout(c, rng, quirky)
    truth = printed_truth(c, layout_name)
    if medium in ("pdf", "facturx"):
        data = render.to_pdf(sheets)
        if medium == "facturx":
            data = einvoices.facturx_pdf(data, c)
        return Sample(
            name=name,
            filename=f"{name}.pdf",
            data=data,
            truth=truth,
            layout=layout_name,
            held_out=held_out,
            kind=c.kind,
            medium=medium,
            language=c.language,
            pages=len(sheets),
        )
    dpi = rng.uniform(190, 240) if c.kind == "receipt" else rng.uniform(150, 200)
    images = [render.to_image(sheet, dpi) for sheet in sheets]
    if medium == "photo":
        shots = [render.photo(image, rng) for image in images[:1]]
        data = render.jpeg(shots[0], rng, sideways=rng.random() < 0.15)
        return Sample(
            name=name,
            filename=f"{name}.jpg",
            data=data,
            truth=truth,
            layout=layout_name,
            held_out=held_out,
            kind=c.kind,
            medium=medium,
            language=c.language,
            pages=1,
        )
    scans = [render.scan(image, rng) for image in images]
    if medium == "scan-pdf":
        data, suffix = render.images_to_pdf(scans, dpi), "pdf"
    elif medium == "scan-tiff" or len(scans) > 1:
        data, suffix, medium = render.tiff(scans), "tif", "scan-tiff"
    else:
        data, suffix = render.png(scans[0]), "png"
    return Sample(
        name=name,
        filename=f"{name}.{suffix}",
        data=data,
        truth=truth,
        layout=layout_name,
        held_out=held_out,
        kind=c.kind,
        medium=medium,
        language=c.language,
        pages=len(scans),
    )


def samples(seed: int, count: int, *, held_out_share: float = 0.4) -> list[Sample]:
    """``count`` documents drawn from ``seed``; about ``held_out_share`` in held-out layouts."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        held_out = rng.random() < held_out_share
        layouts = HELD_OUT if held_out else DEVELOPMENT
        layout_name = rng.choice(sorted(layouts))
        kind, layout = layouts[layout_name]
        many = kind == "invoice" and rng.random() < 0.12
        c = content(rng, kind=kind, items=rng.randint(16, 26) if many else None)
        medium = _media(kind, rng)
        if medium == "photo" and many:
            medium = "scan-tiff"
        out.append(make(f"s{seed}-{n:04d}", c, layout_name, layout, medium, rng, held_out=held_out))
    return out


def vendor_series(seed: int, vendors: int, documents: int) -> list[list[Sample]]:
    """For each vendor, ``documents`` invoices in one layout with vendor-specific labels."""
    rng = random.Random(seed)
    out = []
    for v in range(vendors):
        country = rng.choice(["DE", "FR", "GB", "AT", "BE"])
        vendor = party(country, rng, vendor=True)
        layout_name = rng.choice(["invoice_modern", "invoice_modern", "invoice_din"])
        _kind, layout = DEVELOPMENT[layout_name]
        layout_seed = rng.randint(0, 2**31)
        medium = rng.choice(["pdf", "scan"])
        series = []
        numbering = content(rng, kind="invoice", vendor=vendor).number  # one numbering scheme per vendor
        for d in range(documents):
            c = content(rng, kind="invoice", vendor=vendor)
            c.number = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), numbering)
            series.append(
                make(
                    f"v{seed}-{v:02d}-{d}",
                    c,
                    layout_name,
                    layout,
                    medium,
                    random.Random(layout_seed),
                    held_out=False,
                    quirky=True,
                )
            )
        out.append(series)
    return out

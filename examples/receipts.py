"""Receipts and invoices for the demo, from officeflow's seeded generator of documents
(``officeflow.documents.synth``): the same seed gives the same document, byte for byte, and its
true fields, so the demo's claims state what their receipts say."""

from __future__ import annotations

import random

from officeflow.documents.synth.content import content
from officeflow.documents.synth.generate import Sample, make
from officeflow.documents.synth.layouts import DEVELOPMENT

LAYOUTS = {"receipt": "receipt_classic", "invoice": "invoice_modern"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf", "tif": "image/tiff"}


def document(seed: int, *, kind: str, country: str, medium: str) -> Sample:
    """One generated receipt or invoice: ``medium`` is ``scan`` (a PNG), ``photo`` (a JPEG) or
    ``pdf`` (born-digital); ``sample.truth`` holds what it says (vendor, date, total ...)."""
    rng = random.Random(seed)
    layout_name = LAYOUTS[kind]
    _, layout = DEVELOPMENT[layout_name]
    return make(
        f"demo-{kind}-{seed}",
        content(rng, kind=kind, country=country),
        layout_name,
        layout,
        medium,
        rng,
        held_out=False,
    )


def content_type(sample: Sample) -> str:
    return CONTENT_TYPES[sample.filename.rsplit(".", 1)[1]]

"""Regenerate the committed document fixtures: ``python tests/data/documents/make_fixtures.py``.

Each fixture comes from the seeded generator (``officeflow.documents.synth``) and its truth is
written to ``expected.json``. The UBL and CII XML files beside them are written by hand.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from PIL import Image

from officeflow.documents.synth import render
from officeflow.documents.synth.content import content
from officeflow.documents.synth.generate import make, printed_truth
from officeflow.documents.synth.layouts import DEVELOPMENT

HERE = Path(__file__).parent

FIXTURES = [
    # name, seed, layout, kind, country, medium
    ("receipt-de-scan", 1, "receipt_classic", "receipt", "DE", "scan"),
    ("receipt-fr-photo", 2, "receipt_classic", "receipt", "FR", "photo"),
    ("receipt-us-scan", 8, "receipt_classic", "receipt", "US", "scan"),
    ("invoice-gb-text", 3, "invoice_modern", "invoice", "GB", "pdf"),
    ("invoice-de-scan", 4, "invoice_din", "invoice", "DE", "scan-pdf"),
    ("invoice-fr-facturx", 5, "invoice_din", "invoice", "FR", "facturx"),
    ("invoice-at-pages", 6, "invoice_modern", "invoice", "AT", "scan-tiff"),
]


def shrink(data: bytes, medium: str, name: str) -> bytes:
    """Smaller fixtures: some scans stored black and white (as fax-like scanners do), TIFF in G4."""
    if medium not in ("scan", "scan-tiff") or name == "receipt-de-scan":
        return data
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1"))
    out = io.BytesIO()
    if medium == "scan-tiff":
        frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:], compression="group4")
    else:
        frames[0].save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    expected = {}
    for name, seed, layout_name, kind, country, medium in FIXTURES:
        rng = random.Random(seed)
        items = 26 if medium == "scan-tiff" else None
        c = content(rng, kind=kind, country=country, items=items)
        _, layout = DEVELOPMENT[layout_name]
        sample = make(name, c, layout_name, layout, medium, rng, held_out=False)
        suffix = sample.filename.rsplit(".", 1)[1]
        (HERE / f"{name}.{suffix}").write_bytes(shrink(sample.data, medium, name))
        truth = printed_truth(c, layout_name)
        truth["pages"] = sample.pages
        expected[f"{name}.{suffix}"] = truth
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert render.font_path("sans")


if __name__ == "__main__":
    main()

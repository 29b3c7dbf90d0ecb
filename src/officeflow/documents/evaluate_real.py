"""Measure extraction on real documents kept outside the repository:
``python -m officeflow.documents.evaluate_real DIR [DIR ...]``.

Each directory holds documents in one of these forms, each with the fields expected of it:

- ``NAME.json`` with the words of a document and their boxes (an OCR's output, a data set's
  annotation), read by the same field rules as any page::

      {"source": "sroie", "kind": "receipt",
       "pages": [{"width": 928, "height": 1769,
                  "words": [{"text": "TOTAL", "box": [88, 1100, 367, 1149]}, ...]}],
       "expected": {"vendor": "...", "date": "2018-03-14", "total": 0.9}}

  A word may carry a ``confidence`` (0..1; 1.0 when absent). Instead of ``pages`` a document
  may give ``text``: plain text as ``pdftotext -layout`` prints it, one row per line, one
  column per character, pages separated by form feeds.
- any file officeflow reads (``NAME.xml`` UBL or CII, ``NAME.pdf``, ``NAME.png``, ...) with
  ``NAME.expected.json`` beside it: ``{"source": "xrechnung", "expected": {...}}``.

Only the fields named in ``expected`` are scored; a field expected as ``null`` must be absent.
Values compare as in the generated-set report (amounts to the cent, dates as ISO dates,
numbers without spaces, a vendor's name with or without its legal form). Documents are split
by a hash of their name into a *fit* half and a *held-out* half, so the confidence
calibration can learn from one half (``evaluate --fit --real DIR``) and be judged on the other.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from officeflow.documents.confidence import Calibration, features
from officeflow.documents.errors import DocumentError
from officeflow.documents.fields import extract_fields
from officeflow.documents.model import FIELD_NAMES, Extraction, Page, Word
from officeflow.documents.scoring import same

TODAY = date(2026, 12, 31)
HEADLINE = ("vendor", "date", "total", "invoice_number")
EINVOICE_SOURCES = frozenset({"peppol", "xrechnung", "zugferd", "facturx", "einvoice"})
READABLE = (".xml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
COLUMN, ROW = 6.0, 12.0
"""The box of one character of plain text: 6 x 12 points, like a 10-point monospaced font."""


@dataclass(frozen=True, kw_only=True)
class Scored:
    """One real document's reading: its fields against the expected values."""

    name: str
    source: str
    held_out: bool
    error: str | None
    seconds: float
    fields: dict[str, dict[str, Any]]


def held_out(name: str) -> bool:
    """Whether a document belongs to the half the calibration never learns from."""
    return hashlib.sha256(name.encode()).digest()[0] % 2 == 1


def text_pages(text: str) -> list[Page]:
    """Plain text (``pdftotext -layout``) as pages of words in a monospaced grid."""
    pages = []
    for number, page_text in enumerate(text.split("\f"), start=1):
        rows = page_text.splitlines()
        if not any(row.strip() for row in rows):
            continue
        words = []
        for y, row in enumerate(rows):
            x = 0
            for token in row.split(" "):
                if token:
                    box = (x * COLUMN, y * ROW, (x + len(token)) * COLUMN, y * ROW + 0.8 * ROW)
                    words.append(Word(text=token, box=box, confidence=1.0, page=number))
                x += len(token) + 1
        width = max(len(row) for row in rows) * COLUMN
        pages.append(
            Page(number=number, width=width, height=len(rows) * ROW, unit="pt", source="text", words=tuple(words))
        )
    return pages


def word_pages(pages: list[dict[str, Any]], source: str) -> list[Page]:
    """Pages given as words with boxes."""
    out = []
    for number, page in enumerate(pages, start=1):
        words = tuple(
            Word(
                text=str(w["text"]),
                box=(float(w["box"][0]), float(w["box"][1]), float(w["box"][2]), float(w["box"][3])),
                confidence=float(w.get("confidence", 1.0)),
                page=number,
            )
            for w in page["words"]
        )
        out.append(
            Page(
                number=number,
                width=float(page["width"]),
                height=float(page["height"]),
                unit="px",
                source=source,
                words=words,
            )
        )
    return out


def documents(directory: Path) -> Iterator[tuple[str, dict[str, Any], Path | None]]:
    """(name, description, file to read or None) for every document of the directory."""
    for path in sorted(directory.iterdir()):
        if path.name.endswith(".expected.json"):
            continue
        if path.suffix == ".json":
            yield path.stem, json.loads(path.read_text("utf-8")), None
        elif path.suffix.lower() in READABLE:
            sidecar = path.with_name(path.stem + ".expected.json")
            if sidecar.exists():
                yield path.stem, json.loads(sidecar.read_text("utf-8")), path


def read(description: dict[str, Any], path: Path | None, calibration: Calibration) -> Extraction:
    """The extraction of one document, as officeflow makes it."""
    if path is not None:
        from officeflow.documents.reader import Reader

        return Reader(calibration=calibration).read(path.read_bytes(), today=TODAY)
    kind = str(description.get("kind", "auto"))
    if "text" in description:
        pages = text_pages(str(description["text"]))
        source = "text"
    else:
        source = "ocr:" + str(description.get("engine", "given"))
        pages = word_pages(description["pages"], source)
    return extract_fields(pages, kind=kind, source=source, today=TODAY, calibration=calibration)


def score(name: str, description: dict[str, Any], path: Path | None, calibration: Calibration) -> Scored:
    expected: dict[str, Any] = description["expected"]
    started = time.perf_counter()
    extraction: Extraction | None = None
    error = None
    try:
        extraction = read(description, path, calibration)
    except DocumentError as exc:
        error = str(exc)
    fields: dict[str, dict[str, Any]] = {}
    for field_name in FIELD_NAMES:
        if field_name not in expected:
            continue
        found = extraction.fields.get(field_name) if extraction else None
        predicted = None if found is None else found.value
        fields[field_name] = {
            "truth": expected[field_name],
            "predicted": predicted,
            "right": same(field_name, predicted, expected[field_name]),
            "confidence": None if found is None else found.confidence,
            "features": None
            if found is None or extraction is None
            else features(field_name, found.evidence, extraction.source),
        }
    return Scored(
        name=name,
        source=str(description.get("source", "-")),
        held_out=held_out(name),
        error=error,
        seconds=time.perf_counter() - started,
        fields=fields,
    )


def score_all(directories: list[Path], calibration: Calibration | None = None) -> list[Scored]:
    calibration = calibration or Calibration.load()
    return [
        score(name, description, path, calibration)
        for directory in directories
        for name, description, path in documents(directory)
    ]


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}% ({right}/{total})" if total else "-"


def accuracy(scored: list[Scored], name: str) -> tuple[int, int]:
    present = [s.fields[name] for s in scored if name in s.fields and s.fields[name]["truth"] is not None]
    return sum(f["right"] for f in present), len(present)


def table(scored: list[Scored]) -> Iterator[str]:
    """Per source, per field: right / scored."""
    names = [n for n in FIELD_NAMES if any(n in s.fields for s in scored)]
    by_source: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_source[s.source].append(s)
    by_source["all"] = scored
    yield "| source | docs | " + " | ".join(names) + " |"
    yield "|---|---|" + "---|" * len(names)
    for source, group in sorted(by_source.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        yield f"| {source} | {len(group)} | " + " | ".join(_pct(*accuracy(group, n)) for n in names) + " |"


def reliability(scored: list[Scored]) -> Iterator[str]:
    """How often fields of each confidence band are right."""
    bins = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.97), (0.97, 1.01)]
    yield "| confidence | fields | right | mean confidence |"
    yield "|---|---|---|---|"
    for low, high in bins:
        chosen = [
            f
            for s in scored
            for f in s.fields.values()
            if f["confidence"] is not None and low <= f["confidence"] < high
        ]
        if chosen:
            right = sum(f["right"] for f in chosen)
            mean = sum(f["confidence"] for f in chosen) / len(chosen)
            yield f"| {low:.2f}-{min(high, 1.0):.2f} | {len(chosen)} | {100 * right / len(chosen):.1f}% | {mean:.3f} |"


def failures(scored: list[Scored]) -> Iterator[str]:
    for s in scored:
        if s.error:
            yield f"{s.name}: error {s.error}"
        for name, f in s.fields.items():
            if not f["right"]:
                yield f"{s.name} {name}: got {f['predicted']!r}, expected {f['truth']!r}"


def summary(scored: list[Scored]) -> dict[str, Any]:
    out: dict[str, Any] = {"documents": len(scored), "errors": sum(1 for s in scored if s.error)}
    for name in HEADLINE:
        right, total = accuracy(scored, name)
        if total:
            out[name] = round(right / total, 4)
    headline = [s for s in scored if any(n in s.fields for n in HEADLINE)]
    out["all_headline_right"] = round(
        sum(all(f["right"] for n, f in s.fields.items() if n in HEADLINE) for s in headline) / max(1, len(headline)), 4
    )
    out["all_fields_right"] = round(
        sum(all(f["right"] for f in s.fields.values()) and not s.error for s in scored) / max(1, len(scored)), 4
    )
    out["seconds_per_document"] = round(sum(s.seconds for s in scored) / max(1, len(scored)), 4)
    return out


def markdown(scored: list[Scored], directories: list[Path]) -> list[str]:
    """The report's section on real documents: accuracy by source, e-invoices read whole, and
    how reliable the confidence is on the half the calibration did not learn from. No
    document's content is quoted (the documents are third parties')."""
    invoices = [s for s in scored if s.source in EINVOICE_SOURCES]
    whole = sum(all(f["right"] for f in s.fields.values()) and not s.error for s in invoices)
    held = [s for s in scored if s.held_out]
    lines = [
        "## Real documents",
        "",
        "Documents no one here made, kept outside the repository (where they come from and how they are "
        "laid out: `scripts/fetch_real_documents.md`), measured by `python -m officeflow.documents.evaluate_real "
        + " ".join(d.name for d in directories)
        + "`. SROIE receipts are read from the competition's own OCR lines and boxes (no OCR here), so "
        "these figures measure the field rules, not the OCR. Only the fields each source annotates are scored.",
        "",
        *table(scored),
        "",
        f"- all headline fields right: {_pct(*_all_headline(scored))}",
        f"- e-invoices with every field right: {_pct(whole, len(invoices))}",
        "",
        f"Confidence on the held-out half ({len(held)} documents the calibration never learnt from):",
        "",
        *reliability(held),
    ]
    return lines


def _all_headline(scored: list[Scored]) -> tuple[int, int]:
    group = [s for s in scored if any(n in s.fields for n in HEADLINE)]
    return sum(all(f["right"] for n, f in s.fields.items() if n in HEADLINE) for s in group), len(group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m officeflow.documents.evaluate_real", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("directories", nargs="+", type=Path, help="directories of documents with expected fields")
    parser.add_argument("--failures", action="store_true", help="list every field read wrong")
    args = parser.parse_args(argv)
    missing = [str(d) for d in args.directories if not d.is_dir()]
    if missing:
        print(f"not a directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    scored = score_all(args.directories)
    if not scored:
        print("no documents with expected fields found", file=sys.stderr)
        return 2
    print("\n".join(table(scored)))
    print()
    print("Confidence on the held-out half:")
    print("\n".join(reliability([s for s in scored if s.held_out])))
    if args.failures:
        print()
        print("\n".join(failures(scored)))
    print(json.dumps(summary(scored)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

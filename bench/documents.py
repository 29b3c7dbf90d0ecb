"""Documents and language benchmark: seconds per page by source and engine.

Document extraction (this file's own measurements): documents from the seeded generator
(``officeflow.documents.synth``), read in this process by the same code the limited child runs,
after a warm-up (OCR engines loaded); each timing is the median and p95 over ``--repeat``
readings of each document, divided by its pages:

- born-digital PDF (pdfplumber text with positions), one and two pages;
- scan: a till receipt (PNG, ~200 dpi) and an A4 invoice (PNG, ~170 dpi), by Tesseract and RapidOCR;
- photo: a phone-like JPEG of a receipt (perspective, uneven light), by Tesseract and RapidOCR;
- e-invoice: UBL XML, CII XML, Factur-X PDF (XML attached; the PDF's text is read too, for boxes);
- isolation: the same receipt through ``Extractor`` (child process kept warm), and through
  ``extract`` (a fresh child per document, as ``officeflow documents extract`` does).

Targets on this machine: under 0.5 s for a receipt image with Tesseract, under 0.1 s for a
born-digital page. ``expense_workflow`` (bench/expense_workflow.py): the expense-claim example
end to end with OCR, p50/p95 from a claim's start to its first rest. ``classification``
(bench/language.py): ticket triage and e-mail intent, items/s one at a time and batched (target
over 400/s). ``llm`` (bench/llm.py): SmolLM2-135M on the local llama-cpp-python server, completion
tokens/s. The last line is one JSON object.

    python bench/documents.py [--repeat 5] [--claims 30] [--items 512] [--llm-calls 10] [--only SECTION]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from expense_workflow import expense_workflow  # bench/expense_workflow.py, beside this file
from language import measure as language_figures  # bench/language.py
from llm import measure as llm_figures  # bench/llm.py

from officeflow.documents import Extractor, extract
from officeflow.documents.reader import Reader
from officeflow.documents.synth import einvoices
from officeflow.documents.synth.content import content
from officeflow.documents.synth.generate import Sample, make
from officeflow.documents.synth.layouts import DEVELOPMENT

TARGETS = {"receipt_scan_tesseract_s": 0.5, "born_digital_page_s": 0.1}


def _sample(seed: int, layout: str, kind: str, country: str, medium: str, items: int | None = None) -> Sample:
    rng = random.Random(seed)
    c = content(rng, kind=kind, country=country, items=items)
    return make(f"bench-{seed}", c, layout, DEVELOPMENT[layout][1], medium, rng, held_out=False)


def corpus() -> dict[str, Sample]:
    c = content(random.Random(40), kind="invoice", country="DE")

    def xml(name: str, data: bytes) -> Sample:
        return Sample(name=name, filename=f"{name}.xml", data=data, truth=c.truth(), layout=name,
                      held_out=False, kind="invoice", medium=name, language="de", pages=1)  # fmt: skip

    return {
        "born-digital pdf, 1 page": _sample(41, "invoice_din", "invoice", "DE", "pdf"),
        "born-digital pdf, 2 pages": _sample(42, "invoice_modern", "invoice", "GB", "pdf", items=26),
        "scan, receipt": _sample(43, "receipt_classic", "receipt", "DE", "scan"),
        "scan, A4 invoice": _sample(44, "invoice_din", "invoice", "FR", "scan"),
        "photo, receipt": _sample(45, "receipt_classic", "receipt", "GB", "photo"),
        "e-invoice, UBL": xml("ubl", einvoices.ubl(c)),
        "e-invoice, CII": xml("cii", einvoices.cii(c)),
        "e-invoice, Factur-X": _sample(46, "invoice_din", "invoice", "FR", "facturx"),
    }  # fmt: skip


def _time(read: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, result


def extraction(args: argparse.Namespace) -> dict[str, Any]:
    reader = Reader()
    docs = corpus()
    for engine in ("tesseract", "rapidocr"):  # load both OCR engines before timing
        reader.read(docs["scan, receipt"].data, engine=engine)
    rows: list[dict[str, Any]] = []
    print(f"{'source':28} {'engine':10} {'pages':>5} {'s/page p50':>11} {'p95':>7}  fields right")
    for name, sample in docs.items():
        engines = ["tesseract", "rapidocr"] if name.startswith(("scan", "photo")) else ["auto"]
        for engine in engines:
            median, p95, result = _time(lambda s=sample, e=engine: reader.read(s.data, engine=e), args.repeat)
            pages = max(1, len(result.pages))
            right = sum(
                1 for f in ("vendor", "date", "total", "invoice_number") if str(result.value(f)) == str(sample.truth[f])
            )
            rows.append(
                {
                    "source": name,
                    "engine": engine,
                    "pages": pages,
                    "s_per_page_p50": round(median / pages, 4),
                    "s_per_page_p95": round(p95 / pages, 4),
                    "headline_right": right,
                }
            )
            print(f"{name:28} {engine:10} {pages:>5} {median / pages:>11.3f} {p95 / pages:>7.3f}  {right}/4")
    receipt = docs["scan, receipt"].data
    with Extractor() as extractor:
        extractor.extract(receipt, engine="tesseract")
        warm, _, _ = _time(lambda: extractor.extract(receipt, engine="tesseract"), args.repeat)
    cold, _, _ = _time(lambda: extract(receipt, engine="tesseract"), max(2, args.repeat // 2))
    print(f"{'isolated, warm child':28} {'tesseract':10} {1:>5} {warm:>11.3f}")
    print(f"{'isolated, fresh child':28} {'tesseract':10} {1:>5} {cold:>11.3f}")

    def find(source: str, engine: str) -> float:
        return next(r["s_per_page_p50"] for r in rows if r["source"] == source and r["engine"] == engine)

    figures = {
        "receipt_scan_tesseract_s": find("scan, receipt", "tesseract"),
        "receipt_scan_rapidocr_s": find("scan, receipt", "rapidocr"),
        "receipt_photo_tesseract_s": find("photo, receipt", "tesseract"),
        "receipt_photo_rapidocr_s": find("photo, receipt", "rapidocr"),
        "a4_scan_tesseract_s": find("scan, A4 invoice", "tesseract"),
        "born_digital_page_s": find("born-digital pdf, 1 page", "auto"),
        "born_digital_page_2p_s": find("born-digital pdf, 2 pages", "auto"),
        "ubl_s": find("e-invoice, UBL", "auto"),
        "cii_s": find("e-invoice, CII", "auto"),
        "facturx_s": find("e-invoice, Factur-X", "auto"),
        "isolated_warm_receipt_s": round(warm, 4),
        "isolated_fresh_receipt_s": round(cold, 4),
    }
    figures["targets_met"] = all(figures[k] < v for k, v in TARGETS.items())
    return {"figures": figures, "rows": rows}


def classification(args: argparse.Namespace) -> dict[str, Any]:
    """Ticket triage and e-mail intent, one at a time and in batches of 64 (bench/language.py)."""
    return {"figures": language_figures(args.items)}


def llm(args: argparse.Namespace) -> dict[str, Any]:
    """SmolLM2-135M on the local llama-cpp-python server: completion tokens/s (bench/llm.py)."""
    measured = llm_figures(calls=args.llm_calls, reviews=2, step_runs=0)
    rows = {row["workload"]: row for row in measured["results"]}
    figures = {
        f"{name}_completion_tokens_per_s": row["completion_tokens_per_s"]
        for name, row in rows.items()
        if "completion_tokens_per_s" in row
    }
    figures["server_startup_s"] = measured["server_startup_s"]
    return {"figures": figures}


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "extraction": extraction,
    "expense_workflow": expense_workflow,
    "classification": classification,
    "llm": llm,
}
"""Benchmark sections by name."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--claims", type=int, default=30, help="expense claims timed end to end")
    parser.add_argument("--items", type=int, default=512, help="texts classified (classification)")
    parser.add_argument("--llm-calls", type=int, default=10, help="measured LLM calls per workload")
    parser.add_argument("--only", choices=tuple(SECTIONS), action="append", help="run only these sections")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    for name, run in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}")
        out[name] = run(args)["figures"]
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()

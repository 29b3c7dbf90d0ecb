"""The real-document evaluation reads a directory of documents in its documented forms (words with
boxes, plain text, an e-invoice with an expected-fields sidecar) and scores every expected field;
the trained data of all OCR languages is found, the packaged languages beside the wheels'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from officeflow.documents import trained_data
from officeflow.documents.evaluate_real import held_out, score_all

DATA = Path(__file__).parents[1] / "data" / "documents"

WORDS_RECEIPT = {
    "source": "example",
    "kind": "receipt",
    "pages": [
        {
            "width": 900,
            "height": 1600,
            "words": [
                {"text": "KEDAI BUKU MAJU SDN BHD", "box": [150, 200, 750, 240]},
                {"text": "NO 5, JALAN KENARI 2", "box": [200, 250, 700, 285]},
                {"text": "DATE: 11-APR-2018", "box": [60, 400, 400, 430]},
                {"text": "TOTAL :", "box": [60, 900, 250, 930]},
                {"text": "10.00", "box": [700, 900, 780, 930]},
                {"text": "CASH :", "box": [60, 950, 200, 980]},
                {"text": "50.00", "box": [700, 950, 780, 980]},
                {"text": "CHANGE :", "box": [60, 1000, 250, 1030]},
                {"text": "40.00", "box": [700, 1000, 780, 1030]},
            ],
        }
    ],
    "expected": {"vendor": "Kedai Buku Maju", "date": "2018-04-11", "total": 10.0},
}

TEXT_INVOICE = {
    "source": "example",
    "text": (
        "Ferreteria Lopez S.L.\n"
        "Calle Mayor 12, 28013 Madrid\n\n"
        "Factura nº:   F-2026-118                 Fecha: 1 de marzo de 2026\n\n"
        "Base imponible                                   100,00 EUR\n"
        "IVA 21%                                           21,00 EUR\n"
        "Total a pagar                                    121,00 EUR\n"
    ),
    "expected": {
        "vendor": "Ferreteria Lopez S.L.",
        "invoice_number": "F-2026-118",
        "date": "2026-03-01",
        "total": 121.0,
        "net": 100.0,
        "tax": 21.0,
    },
}


def test_a_directory_of_words_text_and_e_invoices_is_scored_field_by_field(tmp_path: Path) -> None:
    (tmp_path / "receipt.json").write_text(json.dumps(WORDS_RECEIPT))
    (tmp_path / "invoice.json").write_text(json.dumps(TEXT_INVOICE))
    (tmp_path / "peppol.xml").write_bytes((DATA / "peppol-ubl.xml").read_bytes())
    (tmp_path / "peppol.expected.json").write_text(
        json.dumps({"source": "peppol", "expected": {"invoice_number": "Snippet1", "due_date": "2025-12-01"}})
    )
    scored = {s.name: s for s in score_all([tmp_path])}
    assert set(scored) == {"receipt", "invoice", "peppol"}
    assert {name: f["right"] for name, f in scored["receipt"].fields.items()} == {
        "vendor": True,
        "date": True,
        "total": True,
    }
    assert all(f["right"] for f in scored["invoice"].fields.values()), scored["invoice"].fields
    assert scored["peppol"].fields["invoice_number"]["right"]
    assert not scored["peppol"].fields["due_date"]["right"]  # a wrong expectation is scored wrong
    assert scored["peppol"].source == "peppol"


def test_the_command_prints_a_table_and_ends_with_one_json_line(tmp_path: Path) -> None:
    (tmp_path / "receipt.json").write_text(json.dumps(WORDS_RECEIPT))
    done = subprocess.run(
        [sys.executable, "-m", "officeflow.documents.evaluate_real", str(tmp_path), "--failures"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["documents"] == 1
    assert summary["total"] == 1.0
    assert "| example | 1 |" in done.stdout


def test_a_missing_directory_is_refused_plainly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "officeflow.documents.evaluate_real", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "not a directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_held_out_half_is_fixed_by_the_name() -> None:
    names = [f"doc-{i}" for i in range(200)]
    assert [held_out(n) for n in names] == [held_out(n) for n in names]
    assert 60 < sum(held_out(n) for n in names) < 140


def test_french_spanish_and_italian_trained_data_ship_with_officeflow_and_share_one_directory() -> None:
    assert {"fra", "spa", "ita"} <= set(trained_data.available())
    folder = trained_data.directory(trained_data.available())
    assert {p.name for p in folder.iterdir()} >= {f"{lang}.traineddata" for lang in trained_data.available()}
    assert (trained_data.PACKAGED / "NOTICE").read_text().count("Apache License") == 1

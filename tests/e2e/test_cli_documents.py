"""``officeflow documents extract`` and ``learn`` as real processes: JSON on standard output, a
refusal as one line on standard error with exit code 1, and a vendor memory file that learns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "documents"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def officeflow(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "officeflow", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


def test_extract_prints_one_json_object_with_fields_pages_and_checks(tmp_path: Path) -> None:
    done = officeflow("documents", "extract", str(DATA / "receipt-de-scan.png"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"kind", "source", "pages", "fields", "checks"}
    assert result["source"].startswith("ocr:")
    assert result["pages"][0]["unit"] == "px"
    total = result["fields"]["total"]
    assert total["value"] == EXPECTED["receipt-de-scan.png"]["total"]
    assert 0 <= total["confidence"] <= 1
    assert len(total["box"]) == 4
    assert set(result["fields"]) == {
        "vendor", "vendor_tax_id", "date", "due_date", "invoice_number", "po_number",
        "currency", "total", "net", "tax", "iban", "line_items",
    }  # fmt: skip


def test_extract_prints_a_table_for_people(tmp_path: Path) -> None:
    done = officeflow("documents", "extract", str(DATA / "peppol-ubl.xml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "read as einvoice" in done.stdout
    assert "Lieferant Nord GmbH" in done.stdout
    assert "pass net_plus_tax" in done.stdout


def test_a_hostile_file_is_refused_with_one_line_and_exit_code_1(tmp_path: Path) -> None:
    hostile = tmp_path / "bomb.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice>&a;</Invoice>')
    done = officeflow("documents", "extract", str(hostile), "--json", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "refused" in done.stderr
    assert "DTD or entities" in done.stderr
    assert "Traceback" not in done.stderr


def test_learn_writes_a_memory_that_extract_applies(tmp_path: Path) -> None:
    memory = tmp_path / "vendors.json"
    invoice = DATA / "invoice-gb-text.pdf"
    number = EXPECTED["invoice-gb-text.pdf"]["invoice_number"]
    learned = officeflow(
        "documents",
        "learn",
        str(invoice),
        "--corrections",
        json.dumps({"invoice_number": number}),
        "--memory",
        str(memory),
        cwd=tmp_path,
    )
    assert learned.returncode == 0, learned.stderr
    assert "learned " in learned.stdout
    assert "invoice_number" in learned.stdout
    assert json.loads(memory.read_text())["vendors"][0]["fields"]["invoice_number"]["anchor"]
    done = officeflow("documents", "extract", str(invoice), "--json", "--memory", str(memory), cwd=tmp_path)
    result = json.loads(done.stdout)
    assert result["memory_applied"] == ["invoice_number"]
    assert result["fields"]["invoice_number"]["value"] == number

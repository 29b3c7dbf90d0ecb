"""``python -m officeflow.language.predict``: one JSON line per item, in order, batched; bad input
gives a precise error and no partial output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from officeflow.language import LanguageModels


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "officeflow.language.predict", *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_a_jsonl_file_gives_one_result_per_line_in_order(tmp_path: Path) -> None:
    items = [
        {"text": "printer jammed on 3rd floor"},
        {"text": "cant log in, account locked"},
        {"text": "wifi keeps dropping in the meeting rooms"},
    ] * 30
    source = tmp_path / "tickets.jsonl"
    source.write_text("\n".join(json.dumps(i) for i in items) + "\n\n", encoding="utf-8")
    done = _run("ticket-triage", "--input-file", str(source))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(items)
    expected = LanguageModels().get("ticket-triage").predict_batch(items[:3])
    assert [r["category"] for r in lines[:3]] == [r["category"] for r in expected] == ["printer", "access", "network"]
    assert [r["category"] for r in lines] == [r["category"] for r in lines[:3]] * 30


def test_one_input_prints_one_object() -> None:
    done = _run("email-intent", "--input", json.dumps({"subject": "Invoice 4471", "attachments": ["INV-4471.pdf"]}))
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert json.loads(line)["intent"] == "invoice"


def test_a_bad_line_names_the_file_line_and_field_and_prints_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "printer jammed"}\n{"text": 42}\n{not json\n', encoding="utf-8")
    done = _run("ticket-triage", "--input-file", str(source))
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{source}:3:2: not JSON" in done.stderr
    assert "Traceback" not in done.stderr
    source.write_text('{"text": "printer jammed"}\n\n{"text": 42}\n', encoding="utf-8")
    done = _run("ticket-triage", "--input-file", str(source))
    assert done.returncode == 2
    assert f"{source}:3: text: text is a int (expected a string)" in done.stderr


def test_an_unknown_model_is_named() -> None:
    done = _run("no-such-model", "--input", "{}")
    assert done.returncode == 2
    assert "no language model named 'no-such-model'" in done.stderr

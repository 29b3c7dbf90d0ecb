"""``officeflow models predict`` and ``officeflow models labels train`` as real processes: one JSON
object per item, in order, batched, for every built-in model; bad input answered with each problem
and no partial output; a label set trained from a handful of examples predicts new wordings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from officeflow.models import load_builtin

ROOT = Path(__file__).resolve().parents[2]

CREDIT_APPLICANT: dict[str, Any] = {
    "status_of_existing_checking_account": "no checking account",
    "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)",
    "purpose": "car (used)",
    "credit_amount": 2800,
    "savings_account_and_bonds": "... >= 1000 DM",
    "present_employment_since": "4 <= ... < 7 years",
    "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "guarantor",
    "present_residence_since": 4,
    "property": "real estate",
    "other_installment_plans": "none",
    "housing": "own",
    "number_of_existing_credits_at_this_bank": 1,
    "job": "skilled employee / official",
    "number_of_people_being_liable_to_provide_maintenance_for": 1,
    "telephone": "yes, registered under the customers name",
}
CLAIM = {
    "claim": {
        "employee_id": "e-007",
        "merchant": "Cafe Central",
        "category": "meals",
        "amount": 18.35,
        "date": "2025-03-12",
    }
}
READING = {"reading": {"temperature": 21.5, "vibration": 2.0}}


def officeflow(*args: str, cwd: Path = ROOT, group: str = "models") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEFLOW_")}
    env["OFFICEFLOW_DATABASE_URL"] = f"sqlite:///{cwd / 'officeflow-test.db'}"
    return subprocess.run(
        [sys.executable, "-m", "officeflow", *([group] if group else []), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def lines_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_ticket_prints_one_object_with_category_priority_confidences_and_alternatives() -> None:
    ticket = {"text": "whole sales floor can't print, customer contracts due at 3"}
    (result,) = lines_of(officeflow("predict", "ticket-triage", "--input", json.dumps(ticket)))
    assert result["category"] == "printer"
    assert result["priority"] in {"low", "medium", "high", "critical"}
    for field in ("category", "priority"):
        alternatives = result["alternatives"][field]
        assert alternatives[0][0] == result[field]
        assert 0 < result[f"{field}_confidence"] <= 1
        assert result[f"{field}_confidence"] == alternatives[0][1]
        assert sum(p for _, p in alternatives) == pytest.approx(1, abs=1e-3)
    expected = load_builtin("ticket-triage").predict([ticket])[0]
    assert result["category_confidence"] == expected.confidence


def test_a_jsonl_file_gives_one_line_per_item_in_order_in_batches(tmp_path: Path) -> None:
    distinct = [
        {"text": "printer jammed on 3rd floor"},
        {"text": "cant log in, account locked after the password change"},
        {"text": "wifi keeps dropping in the meeting rooms"},
        {"text": "outlook wont open since the update, error 0x8004"},
        {"text": "need excel installed on the new starter's laptop, no rush"},
    ]
    items = [dict(item, text=f"{item['text']} (ref {i})") for i in range(20) for item in distinct]
    source = tmp_path / "tickets.jsonl"
    source.write_text("\n".join(json.dumps(i) for i in items) + "\n\n", encoding="utf-8")
    results = lines_of(officeflow("predict", "ticket-triage", "--input-file", str(source), "--batch-size", "16"))
    assert len(results) == len(items)
    one_by_one = load_builtin("ticket-triage")
    for index in (0, 1, 2, 3, 4, 37, 99):
        (alone,) = one_by_one.predict([items[index]])
        assert results[index]["category"] == alone.output["category"]
        assert results[index]["category_confidence"] == pytest.approx(alone.output["category_confidence"], abs=1e-4)
    assert [r["category"] for r in results[:5]] == ["printer", "access", "network", "email", "software"]


@pytest.mark.parametrize(
    ("name", "item", "keys"),
    [
        ("email-intent", {"subject": "Invoice 4471", "attachments": ["INV-4471.pdf"]}, {"intent", "intent_confidence"}),
        ("credit-risk", CREDIT_APPLICANT, {"score", "probability_of_default", "label", "confidence"}),
        ("expense-anomaly", CLAIM, {"score", "label", "probabilities", "confidence"}),
        ("sensor-anomaly", READING, {"anomalous", "score", "state"}),
    ],
)
def test_every_built_in_model_predicts_with_its_own_output(name: str, item: dict[str, Any], keys: set[str]) -> None:
    (result,) = lines_of(officeflow("predict", name, "--input", json.dumps(item)))
    assert keys <= set(result)
    if "confidence" in keys:
        assert 0 < result["confidence"] <= 1


def test_bad_lines_are_all_named_and_nothing_is_printed(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "printer jammed"}\n\n{"text": 42}\n[1, 2]\n{not json\n', encoding="utf-8")
    result = officeflow("predict", "ticket-triage", "--input-file", str(source))
    assert result.returncode == 5
    assert result.stdout == ""
    assert f"{source}:5:2: not JSON" in result.stderr
    assert "Traceback" not in result.stderr
    source.write_text('{"text": "printer jammed"}\n\n{"text": 42}\n[1, 2]\n', encoding="utf-8")
    result = officeflow("predict", "ticket-triage", "--input-file", str(source))
    assert result.returncode == 5
    assert result.stdout == ""
    assert f"{source}:3: text: text is a int (expected a string)" in result.stderr
    assert f"{source}:4: the item is a JSON array (expected an object)" in result.stderr


def test_bad_single_input_and_unknown_models_are_told_precisely(tmp_path: Path) -> None:
    result = officeflow("predict", "email-intent", "--input", '{"subject": 5}')
    assert result.returncode == 5
    assert "--input/subject: subject is a int (expected a string)" in result.stderr
    result = officeflow("predict", "credit-risk", "--input", "{not json")
    assert result.returncode == 5
    assert "not JSON" in result.stderr
    result = officeflow("predict", "no-such-model", "--input", "{}", cwd=tmp_path)
    assert result.returncode == 3
    assert "no model named 'no-such-model'" in result.stderr
    assert "the model registry cannot be read" in result.stderr
    assert officeflow("init", cwd=tmp_path, group="").returncode == 0
    result = officeflow("predict", "no-such-model", "--input", "{}", cwd=tmp_path)
    assert result.returncode == 3
    assert "no model named 'no-such-model'" in result.stderr
    assert "not registered in tenant 'default'" in result.stderr
    assert "Traceback" not in result.stderr


FACILITIES = {
    "heating": [
        "the radiator in room 4 is stone cold",
        "it's freezing in the open-plan office this morning",
        "heating doesn't come on before 10",
        "can someone turn the heat up on the 2nd floor, we're wearing coats",
        "the thermostat in the boardroom is stuck at 16 degrees",
        "no warm air from the vents in the north wing",
    ],
    "cleaning": [
        "the kitchen sink is full of dirty mugs again",
        "bins in the copy room are overflowing",
        "someone spilled coffee all over the carpet near reception",
        "the toilets on 3 haven't been cleaned today",
        "meeting room tables are sticky, please wipe them",
        "there's a bad smell coming from the fridge",
    ],
    "furniture": [
        "my desk chair is broken, the back fell off",
        "we need two more desks for the new starters",
        "the height-adjustable desk won't go up anymore",
        "a shelf in the archive came off the wall",
        "can we get a bigger table for the project room",
        "the drawer of my pedestal is stuck",
    ],
}
NEW_WORDINGS = [
    ("the heater under my window is off and my hands are numb", "heating"),
    ("temperature in the training room is way too low", "heating"),
    ("please empty the recycling bins in the east corridor", "cleaning"),
    ("the floor by the coffee machine is filthy", "cleaning"),
    ("my office chair wobbles and one wheel is missing", "furniture"),
    ("we need a new cupboard for the finance files", "furniture"),
]


def test_a_label_set_trains_from_a_handful_of_examples_registers_and_predicts_new_wordings(tmp_path: Path) -> None:
    examples = tmp_path / "facilities.jsonl"
    examples.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for label, texts in FACILITIES.items() for t in texts),
        encoding="utf-8",
    )
    assert officeflow("init", cwd=tmp_path, group="").returncode == 0
    trained = officeflow("labels", "train", "facilities", "--examples", str(examples), "--json", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["labels"] == ["cleaning", "furniture", "heating"]
    assert summary["metrics"]["test_examples"] == 3  # one of the six of each label
    assert summary["stored"] == "registered in tenant 'default' as version 1 (production)"
    source = tmp_path / "new.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t, _ in NEW_WORDINGS), encoding="utf-8")
    results = lines_of(officeflow("predict", "facilities", "--input-file", str(source), cwd=tmp_path))
    right = sum(r["label"] == label for r, (_, label) in zip(results, NEW_WORDINGS, strict=True))
    assert right >= 5, results  # chance is 2 of 6
    assert all(0 < r["label_confidence"] <= 1 for r in results)
    again = officeflow("labels", "train", "facilities", "--examples", str(examples), "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["stored"] == "registered in tenant 'default' as version 2 (candidate)"
    folder = tmp_path / "copy"
    written = officeflow(
        "labels", "train", "facilities", "--examples", str(examples), "--out", str(folder), cwd=tmp_path
    )
    assert written.returncode == 0, written.stderr
    (one,) = lines_of(officeflow("predict", str(folder), "--input", json.dumps({"text": NEW_WORDINGS[0][0]})))
    assert one["label"] == "heating"


def test_too_few_examples_are_refused_with_each_reason(tmp_path: Path) -> None:
    examples = tmp_path / "few.csv"
    examples.write_text(
        "text,label\nradiator is cold,heating\nfreezing in here,heating\nbins are full,cleaning\n"
        "heater is off,heating\n",
        encoding="utf-8",
    )
    result = officeflow("labels", "train", "few", "--examples", str(examples), "--out", "few", cwd=tmp_path)
    assert result.returncode == 5
    assert "label 'cleaning' has 1 example (expected at least 3 per label)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "few").exists()
    examples.write_text("words,tag\nradiator is cold,heating\n", encoding="utf-8")
    result = officeflow("labels", "train", "few", "--examples", str(examples), "--out", "few", cwd=tmp_path)
    assert result.returncode == 5
    assert f"{examples}:1: the header names ['words', 'tag']" in result.stderr
    one = tmp_path / "one.jsonl"
    one.write_text("".join(json.dumps({"text": f"cold {i}", "label": "heating"}) + "\n" for i in range(5)))
    result = officeflow("labels", "train", "one", "--examples", str(one), "--out", "one", cwd=tmp_path)
    assert result.returncode == 5
    assert "only one label (expected at least two different labels)" in result.stderr

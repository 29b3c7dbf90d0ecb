"""``officeflow rules`` as a real process: one JSON object of decision values, explanations,
static checks with exit codes, DMN export, and bad files answered with a message, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "dmn"


def officeflow(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEFLOW_")}
    env["OFFICEFLOW_DATABASE_URL"] = "sqlite:///unused.db"
    return subprocess.run(
        [sys.executable, "-m", "officeflow", "rules", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_eval_prints_one_object_of_decision_values() -> None:
    result = officeflow(
        "eval",
        str(DATA / "kogito-loan.dmn"),
        "--input",
        json.dumps(
            {
                "Applicant": {"Monthly Income": 3000, "Employment": "self-employed", "Birth Date": "1990-05-02"},
                "Loan": {"Amount": 100000, "Rate": 0.05, "Term": 240},
                "Application Date": "2026-03-01",
            }
        ),
    )
    data = ok(result)
    assert list(data) == ["Payment", "Affordability", "Risk Score", "Risk Tier"]
    assert data["Payment"] == 659.96
    assert data["Affordability"]["Affordable"] is True
    assert data["Risk Score"] == 20
    assert isinstance(data["Risk Score"], int)
    assert '"Risk Score": 20,' in result.stdout


def test_eval_of_one_decision_with_explain_adds_the_matched_rows() -> None:
    data = ok(
        officeflow(
            "eval",
            str(DATA / "hit-policies.dmn"),
            "--decision",
            "R",
            "--explain",
            "--input",
            '{"Score": 85, "Member": true}',
        )
    )
    assert data["R"] == [{"band": "silver", "bonus": 20}, {"band": "gold", "bonus": 25}]
    matched = data["$explain"]["R"]["matched"]
    assert [(m["rule"], m["id"], m["annotation"]) for m in matched] == [
        (2, "t_R_r2", "members in the upper band"),
        (5, "t_R_r5", "overlaps rows 1 and 2 on purpose"),
    ]
    assert matched[0]["inputs"] == ["[70..90)", "true"]
    assert matched[0]["outputs"] == ['"silver"', "20"]


def test_eval_reads_the_input_from_a_file_or_standard_input(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text('{"Score": 50, "Member": false}')
    assert ok(
        officeflow(
            "eval", str(DATA / "hit-policies.dmn"), "--decision", "Ccount", "--input", f"@{tmp_path / 'in.json'}"
        )
    ) == {"Ccount": 1}
    assert ok(
        officeflow("eval", str(DATA / "hit-policies.dmn"), "--decision", "F", "--input", "-", stdin='{"Score": 95}')
    ) == {"F": {"band": "gold", "bonus": 30}}


def test_eval_writes_evaluation_errors_to_standard_error_and_the_value_is_null() -> None:
    result = officeflow(
        "eval", str(DATA / "hit-policies.dmn"), "--decision", "A", "--input", '{"Score": 95, "Member": true}'
    )
    assert ok(result) == {"A": None}
    assert "warning: A: table t_A: hit policy ANY, but rules 1, 5 give different outputs" in result.stderr


def test_a_yaml_table_evaluates_exports_and_the_export_evaluates_the_same(tmp_path: Path) -> None:
    inputs = '{"amount": 100, "category": "travel", "vip": false, "submitted": "2026-03-01"}'
    direct = ok(officeflow("eval", str(DATA / "expense-policy.yaml"), "--input", inputs))
    assert direct == {"approval": {"route": "manager", "limit": 125}, "fee": 2}
    exported = officeflow("export", str(DATA / "expense-policy.yaml"))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("<?xml")
    assert "dmndi:DMNDI" in exported.stdout
    (tmp_path / "expense.dmn").write_text(exported.stdout)
    assert ok(officeflow("eval", str(tmp_path / "expense.dmn"), "--input", inputs)) == direct


def test_check_exits_0_on_a_fine_file_and_1_with_the_findings_and_their_rows() -> None:
    fine = officeflow("check", str(DATA / "fine-tables.yaml"))
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert "no findings" in fine.stdout
    seeded = officeflow("check", str(DATA / "seeded-checks.yaml"), "--format", "json")
    assert seeded.returncode == 1
    found = {(f["decision"], f["check"], tuple(f["rules"])) for f in json.loads(seeded.stdout)}
    assert ("gappy", "gap", ()) in found
    assert ("overlapping", "overlap", (1, 2)) in found
    assert ("shadowed", "unreachable", (3,)) in found


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["eval", str(DATA / "refused-expressions.dmn")],
            5,
            "rule 3 (id r3), input 1: `> Limit`: unknown name 'Limit'",
        ),
        (["check", str(DATA / "refused-cycle.dmn")], 5, "cycle: Limit -> Threshold -> Limit"),
        (["eval", str(DATA / "refused-entity.dmn")], 5, "a DOCTYPE or entity declaration is not accepted"),
        (["eval", str(DATA / "hit-policies.dmn"), "--input", "{nope"], 2, "--input is not JSON"),
        (["eval", str(DATA / "hit-policies.dmn"), "--input", "[1]"], 2, "expected an object"),
        (["eval", str(DATA / "hit-policies.dmn"), "--decision", "Z"], 2, "no decision 'Z'"),
        (["eval", str(DATA / "missing.dmn")], 2, "does not exist"),
    ],
)
def test_bad_files_and_inputs_get_a_message_and_an_exit_code_not_a_traceback(
    args: list[str], code: int, message: str
) -> None:
    result = officeflow(*args)
    assert result.returncode == code, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr

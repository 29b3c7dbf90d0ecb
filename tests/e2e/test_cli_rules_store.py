"""``officeflow rules push/list/show`` against the store (click's runner, both backends): a table
pushed from a file, listed, shown with its hit counts after a rules step ran; an invalid DMN file
exits with 5 and its element ids, other content under a stored version with 4; a definition
naming an unknown table is refused by ``definitions apply``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from officeflow import Office
from officeflow.cli import main
from tests.integration.test_decision_tables import CLAIM, per_diem

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "dmn"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "tester"}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_push_list_show_and_a_definition_using_the_table(cli: Any, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "per-diem.yaml").write_text(per_diem())
    (tmp_path / "claim.yaml").write_text(CLAIM)
    refused = cli("definitions", "apply", "claim.yaml")
    assert refused.exit_code == 5
    assert "decision table 'per-diem' is not stored in tenant 'default'" in refused.output

    pushed = cli("rules", "push", "per-diem.yaml", "--title", "Per-diem limits")
    assert pushed.exit_code == 0, pushed.output
    assert "stored: decision table per-diem version 1 (yaml, per-diem.yaml)" in pushed.output
    assert "unchanged" in cli("rules", "push", "per-diem.yaml").output
    (tmp_path / "changed.yaml").write_text(per_diem(limit=80))
    clash = cli("rules", "push", "changed.yaml")
    assert clash.exit_code == 4
    assert "give this content version 2" in clash.output

    listed = json.loads(cli("rules", "list", "--format", "json").output)
    assert [(t["name"], t["latest"], t["title"]) for t in listed] == [("per-diem", 1, "Per-diem limits")]
    assert cli("definitions", "apply", "claim.yaml").exit_code == 0

    with Office.open(db_url) as office:
        for amount in (10, 20, 900):
            office.engine.start("claim", {"amount": amount, "category": "meals"})
        office.engine.run_until_idle()
    shown = json.loads(cli("rules", "show", "per-diem", "--format", "json").output)
    assert shown["hits"]["evaluations"] == 3
    assert shown["hits"]["tables"] == {"approval": {"1": 2, "3": 1}}
    table = cli("rules", "show", "per-diem").output
    assert "evaluated 3 times by rules steps" in table
    assert "approval (F)" in table
    assert cli("rules", "show", "per-diem", "--format", "source").output == per_diem()
    missing = cli("rules", "show", "nope")
    assert missing.exit_code == 3
    assert "no decision table 'nope' in tenant 'default'" in missing.output


def test_an_invalid_dmn_file_exits_with_5_and_names_its_elements(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "bad.dmn").write_text((DATA / "refused-expressions.dmn").read_text())
    result = cli("rules", "push", "bad.dmn")
    assert result.exit_code == 5
    assert "bad.dmn:13: decision table (id t_route) of 'Route', rule 2 (id r2)" in result.output
    assert "Traceback" not in result.output
    assert json.loads(cli("rules", "list", "--format", "json").output) == []

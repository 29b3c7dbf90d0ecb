"""Hostile documents through the ``officeflow`` command: refused with the reason, its place and
an exit code, never a traceback (click's runner, both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from officeflow.cli import main
from tests.hostile import alias_bomb, deep_json, deep_yaml

HELLO = "name: hello\nversion: 1\ninput: {type: object}\nsteps:\n  done: {kind: end}\n"


def run(db_url: str, *args: str) -> Result:
    env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "tester"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("levels", [7, 9])
def test_definitions_apply_refuses_an_alias_bomb(db_url: str, tmp_path: Path, levels: int) -> None:
    (tmp_path / "bomb.yaml").write_text(alias_bomb(levels))
    result = run(db_url, "definitions", "apply", str(tmp_path / "bomb.yaml"))
    assert result.exit_code == 5
    assert f"{tmp_path / 'bomb.yaml'}:1:4: YAML anchors and aliases are not allowed (anchor &a)" in result.output
    assert "Traceback" not in result.output


def test_definitions_validate_refuses_nesting_ten_thousand_deep(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text(deep_yaml(10_000))
    result = run(db_url, "definitions", "validate", str(tmp_path / "deep.yaml"))
    assert result.exit_code == 5
    assert "deep.yaml:3:" in result.output
    assert "nested deeper than 64 levels (expected at most 64 levels of nested lists and mappings)" in result.output


def test_start_refuses_json_input_nested_too_deep(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "hello.yaml").write_text(HELLO)
    assert run(db_url, "definitions", "apply", str(tmp_path / "hello.yaml")).exit_code == 0
    (tmp_path / "deep.json").write_text(deep_json(10_000))
    result = run(db_url, "start", "hello", "--input", f"@{tmp_path / 'deep.json'}")
    assert result.exit_code == 2
    assert ":1:65: nested deeper than 64 levels" in result.output


def test_triggers_apply_refuses_aliases(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "triggers.yaml").write_text("- &t {name: a, event_type: ping, workflow: hello}\n- *t\n")
    result = run(db_url, "triggers", "apply", str(tmp_path / "triggers.yaml"))
    assert result.exit_code == 5
    assert "triggers.yaml:1:3: YAML anchors and aliases are not allowed (anchor &t)" in result.output

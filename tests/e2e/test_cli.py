"""The ``officeflow`` command, through click's runner (both backends) and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from officeflow.cli import main

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.e2e.cli_app"

HELLO = textwrap.dedent("""
    name: hello
    version: 1
    input: {type: object, required: [name], properties: {name: {type: string}}}
    steps:
      greet: {kind: task, handler: greet, retry: {attempts: 1}, next: wait}
      wait: {kind: wait, signal: ack, next: done}
      done: {kind: end, output: "{'greeting': steps.greet.output.greeting, 'ack': steps.wait.output}"}
""").lstrip()


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(ROOT)
    (tmp_path / "hello.yaml").write_text(HELLO)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_APP": APP, "OFFICEFLOW_ACTOR": "tester"}
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    invoke.dir = tmp_path  # type: ignore[attr-defined]
    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_a_run_from_definition_to_completion_through_the_cli(cli: Any) -> None:
    assert "stored: hello version 1" in ok(cli("definitions", "apply", str(cli.dir / "hello.yaml")))
    assert "unchanged: hello version 1" in ok(cli("definitions", "apply", str(cli.dir)))
    started = json.loads(ok(cli("start", "hello", "--input", '{"name": "Ada"}', "--format", "json")))
    run_id = started["id"]
    again = json.loads(
        ok(cli("start", "hello", "--input", '{"name": "Ada"}', "--idempotency-key", "k1", "--format", "json"))
    )
    same = json.loads(
        ok(cli("start", "hello", "--input", '{"name": "Ada"}', "--idempotency-key", "k1", "--format", "json"))
    )
    assert again["id"] == same["id"] != run_id
    assert "stopped after 2 steps" in ok(cli("worker", "--until-idle"))
    assert "delivered" in ok(cli("runs", "signal", run_id, "ack", "--payload", '{"by": "bob"}'))
    ok(cli("worker", "--until-idle"))
    shown = json.loads(ok(cli("runs", "show", run_id, "--format", "json")))
    assert shown["status"] == "completed"
    assert shown["output"] == {"greeting": "hello Ada", "ack": {"by": "bob"}}
    signal = next(h for h in shown["history"] if h["type"] == "signal_received")
    assert signal["actor"] == "tester"
    listed = json.loads(ok(cli("runs", "list", "--status", "completed", "--format", "json")))
    assert [r["id"] for r in listed] == [run_id]
    assert "hello" in ok(cli("definitions", "list"))
    assert "greet" in ok(cli("definitions", "show", "hello", "--format", "graph"))


def test_operator_actions_and_dead_letters_through_the_cli(cli: Any) -> None:
    ok(cli("definitions", "apply", str(cli.dir / "hello.yaml")))
    run_id = json.loads(ok(cli("start", "hello", "--input", '{"name": "x", "fail": true}', "--format", "json")))["id"]
    ok(cli("worker", "--until-idle"))
    letters = json.loads(ok(cli("dead-letters", "--format", "json")))
    assert [(d["run_id"], d["step_id"]) for d in letters] == [(run_id, "greet")]
    assert "greeting service is down" in letters[0]["error"]["message"]
    assert "skipped 'greet'" in ok(cli("runs", "skip", run_id, "greet", "--output", '{"greeting": "hi"}'))
    ok(cli("worker", "--until-idle"))
    ok(cli("runs", "pause", run_id))
    ok(cli("runs", "resume", run_id))
    assert "cancelled 1 run(s)" in ok(cli("runs", "cancel", run_id, "--reason", "test"))
    assert json.loads(ok(cli("runs", "show", run_id, "--format", "json")))["status"] == "cancelled"


def test_bulk_start_and_bulk_migration_show_progress_and_report_each_run(cli: Any) -> None:
    ok(cli("definitions", "apply", str(cli.dir / "hello.yaml")))
    lines = "\n".join(json.dumps({"name": f"n{i}"}) for i in range(6)) + "\n{bad json\n"
    (cli.dir / "batch.jsonl").write_text(lines)
    result = cli("start", "hello", "--input-file", str(cli.dir / "batch.jsonl"))
    assert result.exit_code == 1
    assert "started 6 of 7 runs" in result.output
    assert "batch.jsonl:7: not JSON" in result.output
    ok(cli("worker", "--until-idle"))
    (cli.dir / "v2.yaml").write_text(
        HELLO.replace("version: 1", "version: 2")
        .replace("wait:", "ack:")
        .replace("next: wait", "next: ack")
        .replace("steps.wait.output", "steps.ack.output")
    )
    ok(cli("definitions", "apply", str(cli.dir / "v2.yaml")))
    refused = cli("runs", "migrate", "--workflow", "hello", "--to-version", "2")
    assert refused.exit_code == 1
    assert "has no counterpart in version 2: map it with --map wait=" in refused.output
    moved = ok(cli("runs", "migrate", "--workflow", "hello", "--to-version", "2", "--map", "wait=ack"))
    assert moved.count("version 1 → 2 (wait wait→ack)") == 6


def test_errors_are_one_clear_line_with_an_exit_code(cli: Any) -> None:
    (cli.dir / "bad.yaml").write_text("name: bad\nversion: 1\nsteps:\n  a: {kind: task, handler: nope, next: b}\n")
    bad = cli("definitions", "apply", str(cli.dir / "bad.yaml"))
    assert bad.exit_code == 5
    assert "bad.yaml:4:40: step 'a': 'b' is not a step of this workflow (expected one of: a)" in bad.output
    assert "handler 'nope' is not registered" in bad.output
    missing = cli("runs", "show", "no-such-run")
    assert missing.exit_code == 3
    assert missing.output.strip() == "error: no run no-such-run in tenant 'default'"
    ok(cli("definitions", "apply", str(cli.dir / "hello.yaml")))
    invalid = cli("start", "hello", "--input", '{"name": 5}')
    assert invalid.exit_code == 5
    assert "/name: 5 is not of type 'string'" in invalid.output
    not_json = cli("start", "hello", "--input", "{name")
    assert not_json.exit_code == 2
    assert "--input is not JSON" in not_json.output


def test_every_option_has_an_officeflow_environment_variable() -> None:
    seen = []

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                assert isinstance(param.envvar, str), f"{path} {param.opts}: no environment variable"
                assert param.envvar.startswith("OFFICEFLOW_"), param.envvar
                seen.append(param.envvar)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())

    walk(main, "")
    assert "OFFICEFLOW_DATABASE_URL" in seen


def test_the_cli_reference_in_docs_is_the_current_help() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from cli_reference import render
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "cli.md").read_text() == render(), "docs/cli.md is out of date: run `make docs`"


def test_the_configuration_reference_in_docs_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from settings_reference import render
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "configuration.md").read_text() == render(), "run `make docs`"


def test_the_openapi_document_in_docs_is_what_the_api_serves() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from openapi_document import render
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "openapi.json").read_bytes() == render(), "docs/openapi.json is out of date: make docs"


def test_the_engine_tour_runs_end_to_end_and_keeps_its_data_when_run_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    first = subprocess.run(
        [sys.executable, "-m", "examples.engine_tour", "--database-url", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert first.returncode == 0, first.stderr
    assert "expense-approval version 1: stored" in first.stdout
    assert first.stdout.count("completed") >= 5
    second = subprocess.run(
        [sys.executable, "-m", "examples.engine_tour", "--database-url", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert second.returncode == 0, second.stderr
    assert "already stored" in second.stdout
    from officeflow import Engine

    with Engine.open(url) as engine:
        assert len(engine.list_runs()) == 5


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "officeflow", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=120,
    )


def test_as_a_process_errors_print_no_traceback(tmp_path: Path) -> None:
    env = {"OFFICEFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    missing_schema = run_cli("runs", "list", env=env)
    assert missing_schema.returncode == 1
    assert (
        missing_schema.stderr.strip()
        == f"error: the database at sqlite:///{tmp_path}/x.db has no officeflow schema: run `officeflow init`"
    )
    assert "Traceback" not in missing_schema.stderr + missing_schema.stdout
    bad_url = run_cli("runs", "list", env={"OFFICEFLOW_DATABASE_URL": "mysql://x"})
    assert bad_url.returncode == 7
    assert "unsupported database URL 'mysql://x'" in bad_url.stderr
    bad_setting = run_cli("runs", "list", env={**env, "OFFICEFLOW_POOL_SIZE": "none"})
    assert bad_setting.returncode == 7
    assert "OFFICEFLOW_POOL_SIZE='none'" in bad_setting.stderr
    assert "schema at revision" in run_cli("init", env=env).stdout
    assert "schema up to date" in run_cli("init", env=env).stdout

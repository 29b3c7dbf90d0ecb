"""Security, audit and event commands of the CLI, through click's runner, on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from officeflow import Engine
from officeflow.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "admin@cli"}
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    invoke.url = db_url  # type: ignore[attr-defined]
    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_bootstrapping_users_keys_and_secrets(cli: Any) -> None:
    assert len(ok(cli("keys", "generate")).strip()) >= 43
    assert "created with admin" in ok(
        cli("users", "add", "ada", "--role", "admin", "--password-stdin", input="a long passphrase\n")
    )
    users = json.loads(ok(cli("users", "list", "--format", "json")))
    assert [(u["username"], u["grants"]) for u in users] == [("ada", ["admin:*"])]
    ok(cli("users", "grant", "ada", "--role", "auditor", "--role", "operator:payroll"))
    created = ok(cli("api-keys", "create", "ci", "--role", "submitter", "--expires-in", "90d"))
    token = created.strip().splitlines()[-1]
    assert token.startswith("ofk_")
    keys = json.loads(ok(cli("api-keys", "list", "--format", "json")))
    assert token not in json.dumps(keys)
    ok(cli("api-keys", "revoke", keys[0]["id"]))
    assert "stored" in ok(cli("secrets", "set", "erp-token", "--description", "ERP", input="sup3r-secret\n"))
    listed = ok(cli("secrets", "list"))
    assert "erp-token" in listed
    assert "sup3r-secret" not in listed
    weak = cli("users", "add", "bob", "--password-stdin", input="short\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output


def test_audit_verify_finds_tampering_and_export_ends_with_the_head(cli: Any, tmp_path: Path) -> None:
    ok(cli("users", "add", "ada", "--role", "admin"))
    ok(cli("users", "add", "bob", "--role", "auditor"))
    assert "chain intact" in ok(cli("audit", "verify"))
    exported = tmp_path / "audit.jsonl"
    ok(cli("audit", "export", "--output", str(exported)))
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert lines[-1]["head"]["seq"] == 2
    assert [line["action"] for line in lines[:-1]] == ["user.created", "user.created"]
    with Engine.open(cli.url) as engine, engine.store.transaction() as tx:
        tx._exec("UPDATE of_audit SET after = '{}' WHERE seq = 2")
    tampered = cli("audit", "verify", "--format", "json")
    assert tampered.exit_code == 1
    assert json.loads(tampered.output)["finding"]["kind"] == "altered"


def test_event_types_triggers_publish_and_replay(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    ok(cli("definitions", "apply", str(tmp_path / "wf.yaml")))
    assert "version 1" in ok(
        cli("event-types", "register", "invoice", "--schema", '{"type": "object", "required": ["no"]}')
    )
    (tmp_path / "triggers.yaml").write_text("- {name: book-it, event_type: invoice, workflow: book}\n")
    assert "book-it: invoice → book" in ok(cli("triggers", "apply", str(tmp_path / "triggers.yaml")))
    first = ok(cli("events", "publish", "invoice", "--data", '{"no": "A-1"}', "--event-id", "e-1"))
    assert "accepted" in first
    assert "duplicate" in ok(cli("events", "publish", "invoice", "--data", '{"no": "A-1"}', "--event-id", "e-1"))
    bad = cli("events", "publish", "invoice", "--data", '{"x": 1}')
    assert bad.exit_code == 5
    assert "'no' is a required property" in bad.output
    replayed = ok(cli("events", "replay", "--type", "invoice", "--since", "2000-01-01T00:00:00Z"))
    assert "replayed 1 event(s); started 0 new run(s)" in replayed
    rejects = json.loads(ok(cli("events", "rejects", "--format", "json")))
    assert rejects[0]["reason"]["error"] == "schema"
    assert "is not an ISO 8601 time" in cli("events", "replay", "--type", "invoice", "--since", "yesterday").output


def test_events_list_shows_stored_events_newest_first_with_filters(cli: Any) -> None:
    """`events list`: stored events newest first, by type, a page at a time (``--before`` the
    last seq shown), with their data in JSON."""
    for name in ("invoice", "receipt"):
        ok(cli("event-types", "register", name, "--schema", '{"type": "object"}'))
    for n in range(3):
        ok(cli("events", "publish", "invoice", "--data", f'{{"no": {n}}}', "--event-id", f"inv-{n}"))
    ok(cli("events", "publish", "receipt", "--data", '{"total": 4}', "--event-id", "rec-0"))
    everything = json.loads(ok(cli("events", "list", "--format", "json")))
    assert [e["id"] for e in everything] == ["rec-0", "inv-2", "inv-1", "inv-0"]
    assert everything[0]["data"] == {"total": 4}
    assert everything[0]["source"] == "cli"
    invoices = json.loads(ok(cli("events", "list", "--type", "invoice", "--limit", "2", "--format", "json")))
    assert [e["id"] for e in invoices] == ["inv-2", "inv-1"]
    rest = ok(cli("events", "list", "--type", "invoice", "--before", str(invoices[-1]["seq"]), "--format", "json"))
    assert [e["id"] for e in json.loads(rest)] == ["inv-0"]
    table = ok(cli("events", "list", "--type", "receipt"))
    assert "rec-0" in table
    assert "inv-0" not in table


def test_keys_rotate_moves_secrets_and_the_audit_log_to_the_new_key(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's way through a key change: new key everywhere with the old one retired,
    `keys rotate`, then the old key can go."""
    from officeflow.security import keys

    old, new = keys.generate(), keys.generate()
    monkeypatch.setenv(keys.ENV, old)
    ok(cli("users", "add", "ada", "--role", "admin"))
    ok(cli("secrets", "set", "erp-token", input="sup3r-secret\n"))
    monkeypatch.setenv(keys.ENV, new)
    monkeypatch.setenv(keys.RETIRED_ENV, old)
    rotated = ok(cli("keys", "rotate"))
    assert "1 stored secret(s) encrypted again" in rotated
    assert "audit log of tenant 'default':" in rotated
    assert "verified and signed again" in rotated
    monkeypatch.delenv(keys.RETIRED_ENV)
    assert "chain intact" in ok(cli("audit", "verify"))
    report = json.loads(ok(cli("keys", "rotate", "--format", "json")))  # again: nothing retired
    assert report["secrets"] == 1
    assert report["retired"] == []
    assert report["refused"] == {}

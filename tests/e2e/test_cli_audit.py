"""``officeflow audit verify`` names every problem (copies, swaps, gaps), and ``audit head`` with
``verify --head`` finds a log deleted as a whole (click's runner, both backends)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from officeflow import Engine
from officeflow.cli import main


def cli(db_url: str, *args: str) -> Result:
    env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "admin@cli"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def sql(db_url: str, statement: str) -> None:
    with Engine.open(db_url) as engine, engine.store.transaction() as tx:
        tx._exec(statement)


def swap(db_url: str, a: int, b: int) -> None:
    """Exchange the contents (MACs and nonces included) of two sealed entries."""
    columns = ("at", "actor", "action", "object_type", "object_id", "before", "after", "mac", "nonce")
    with Engine.open(db_url) as engine, engine.store.transaction() as tx:
        rows = {r.seq: r for r in tx.sealed_audit("default", 0, 10)}
        tx._exec("UPDATE of_audit SET nonce = NULL WHERE seq IN (:a, :b)", {"a": a, "b": b})
        for target, source in ((a, b), (b, a)):
            values = {name: getattr(rows[source], name) for name in columns}
            assignments = ", ".join(f"{name} = :{name}" for name in columns)
            tx._exec(f"UPDATE of_audit SET {assignments} WHERE seq = :s", {**values, "s": target})


def five_entries(db_url: str) -> None:
    for name in ("ada", "bob", "cy", "dee", "eve"):
        assert cli(db_url, "users", "add", name, "--role", "auditor").exit_code == 0


def test_verify_lists_a_copy_a_swap_and_a_gap(db_url: str) -> None:
    five_entries(db_url)
    assert "5 entries, chain intact (head 5)" in cli(db_url, "audit", "verify").output
    columns = "tenant, at, actor, action, object_type, object_id, before, after, mac"
    sql(db_url, f"INSERT INTO of_audit ({columns}) SELECT {columns} FROM of_audit WHERE seq = 1")
    swap(db_url, 2, 3)
    sql(db_url, "DELETE FROM of_audit WHERE seq = 4")
    result = cli(db_url, "audit", "verify")
    assert result.exit_code == 1
    assert "3 problem(s)" in result.output
    assert "moved: entries 2 and 3 were swapped" in result.output
    assert "deleted: entry 4 is missing (the chain jumps from 3 to 5)" in result.output
    assert "duplicate: entry id 6 (user.created" in result.output
    report = json.loads(cli(db_url, "audit", "verify", "--format", "json").output)
    assert [f["kind"] for f in report["findings"]] == ["moved", "deleted", "duplicate"]
    assert report["finding"] == report["findings"][0]


def test_a_recorded_head_finds_a_log_deleted_with_its_head(db_url: str, tmp_path: Path) -> None:
    five_entries(db_url)
    recorded = tmp_path / "head.json"
    head = cli(db_url, "audit", "head")
    assert head.exit_code == 0
    recorded.write_text(head.output)
    assert json.loads(head.output)["head"]["seq"] == 5
    assert "holds the head recorded at entry 5" in cli(db_url, "audit", "verify", "--head", str(recorded)).output
    sql(db_url, "DELETE FROM of_audit")
    sql(db_url, "DELETE FROM of_audit_heads")
    assert cli(db_url, "audit", "verify").exit_code == 0  # the documented limit, without a recorded head
    result = cli(db_url, "audit", "verify", "--head", str(recorded))
    assert result.exit_code == 1
    assert "(entry 5) is not in the chain: the chain now ends at entry 0" in result.output


def test_an_export_serves_as_the_recorded_head(db_url: str, tmp_path: Path) -> None:
    five_entries(db_url)
    exported = tmp_path / "audit.jsonl"
    assert cli(db_url, "audit", "export", "--output", str(exported)).exit_code == 0
    assert json.loads(exported.read_text().splitlines()[0])["nonce"]
    sql(db_url, "DELETE FROM of_audit WHERE seq > 3")
    sql(db_url, "UPDATE of_audit_heads SET seq = 3")
    result = cli(db_url, "audit", "verify", "--head", str(exported))
    assert result.exit_code == 1
    assert "(entry 5) is not in the chain" in result.output


def test_a_head_file_that_is_not_a_head_is_refused_clearly(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "head.json").write_text('{"seq": "five"}')
    result = cli(db_url, "audit", "verify", "--head", str(tmp_path / "head.json"))
    assert result.exit_code == 2
    assert 'the recorded head has no "seq" (a number) and "hash" (text)' in result.output

"""The audit log: every change is an entry; the chain is sealed; tampering in the database is found."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from officeflow import Engine
from officeflow.security.audit import BATCH

WF = textwrap.dedent("""
    name: tiny
    version: 1
    steps:
      wait: {kind: wait, signal: go}
""")


@pytest.fixture
def engine(make_engine: Any) -> Engine:
    e: Engine = make_engine()
    e.apply(WF, actor="user:designer")
    for i in range(3):
        run = e.start("tiny", {"i": i}, actor="user:ada")
        e.signal(run.id, "go", {"ok": True}, actor="user:bob")
    e.run_until_idle()
    return e


def sql(engine: Engine, statement: str, params: dict[str, Any] | None = None) -> None:
    with engine.store.transaction() as tx:
        tx._exec(statement, params)


def test_changes_are_recorded_with_actor_and_before_after(engine: Engine) -> None:
    engine.audit.seal()
    with engine.store.read() as tx:
        entries = list(reversed(tx.list_audit("default", limit=100)))
    actions = [e.action for e in entries]
    assert actions[0] == "definition.applied"
    assert actions.count("run.started") == 3
    assert actions.count("run.signaled") == 3
    assert actions.count("run.completed") == 3
    started = next(e for e in entries if e.action == "run.started")
    assert started.actor == "user:ada"
    assert '"workflow":"tiny"' in (started.after or "")
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    report = engine.audit.verify("default")
    assert report.ok, report.finding
    assert report.entries == report.head_seq == 10


def test_an_altered_entry_is_found(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND seq = 4")
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert (report.finding.kind, report.finding.seq) == ("altered", 4)
    assert "was altered" in report.finding.message


def test_a_deleted_entry_is_found(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "DELETE FROM of_audit WHERE tenant = 'default' AND seq = 5")
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert (report.finding.kind, report.finding.seq) == ("deleted", 5)


def test_deleting_the_newest_entries_is_found_through_the_head(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "DELETE FROM of_audit WHERE tenant = 'default' AND seq > 8")
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert report.finding.kind == "deleted"
    assert "entries 9 to 10 are missing" in report.finding.message


def test_an_entry_inserted_directly_is_found(engine: Engine) -> None:
    engine.audit.seal()
    sql(
        engine,
        "INSERT INTO of_audit (tenant, at, actor, action, object_type, object_id, mac) "
        "VALUES ('default', 1, 'user:mallory', 'user.created', 'user', 'x', 'forged')",
    )
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert report.finding.kind == "inserted"
    assert "written without the audit key" in report.finding.message


def test_a_forged_sealed_entry_in_the_middle_is_found(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "UPDATE of_audit SET seq = seq + 1000 WHERE tenant = 'default' AND seq >= 6")
    sql(engine, "UPDATE of_audit SET seq = seq - 999 WHERE tenant = 'default' AND seq >= 1000")
    sql(
        engine,
        "INSERT INTO of_audit (tenant, at, actor, action, object_type, object_id, mac, seq, prev_hash, hash) "
        "VALUES ('default', 1, 'user:mallory', 'grants.changed', 'principal', 'x', 'm', 6, 'p', 'h')",
    )
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert report.finding.seq == 6
    assert report.finding.kind in ("altered", "inserted")


def test_rewriting_the_whole_chain_without_the_key_is_found(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "UPDATE of_audit_heads SET seq = 3 WHERE tenant = 'default'")
    report = engine.audit.verify("default")
    assert report.finding is not None
    assert "chain head was altered" in report.finding.message


def test_export_writes_every_entry_then_the_head(engine: Engine) -> None:
    lines = list(engine.audit.export("default"))
    assert [line.get("seq") for line in lines[:-1]] == list(range(1, 11))
    assert lines[-1]["head"]["seq"] == 10
    assert lines[-1]["head"]["hash"] == lines[-2]["hash"]


def test_tenants_have_separate_chains(engine: Engine) -> None:
    engine.apply(WF, tenant="acme", actor="user:x")
    engine.audit.seal()
    assert engine.audit.verify("acme").head_seq == 1
    assert engine.audit.verify("default").head_seq == 10


def test_sealing_goes_through_more_than_one_batch(make_engine: Any) -> None:
    engine: Engine = make_engine()
    with engine.store.transaction() as tx:
        for i in range(BATCH + 5):
            engine.record_audit(tx, "bulk", "system", "test.entry", "thing", str(i))
    assert engine.audit.seal("bulk") == BATCH + 5
    assert engine.audit.verify("bulk").ok

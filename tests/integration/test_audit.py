"""The audit log: every change is an entry; the chain is sealed; tampering in the database is found."""

from __future__ import annotations

import textwrap
from typing import Any

import orjson
import pytest

from officeflow import Engine
from officeflow.security.audit import BATCH, RecordedHead
from officeflow.security.audit_chain import canonical, genesis, head_mac, link

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


CONTENT = ("at", "actor", "action", "object_type", "object_id", "before", "after", "mac", "nonce")


def sealed(engine: Engine, seq: int) -> dict[str, Any]:
    with engine.store.read() as tx:
        (row,) = tx.sealed_audit("default", seq - 1, 1)
    assert row.seq == seq
    return {name: getattr(row, name) for name in CONTENT}


def move_contents(engine: Engine, order: dict[int, int]) -> None:
    """Put the content (everything but the number and the links) of entry ``source`` at entry
    ``target`` for each ``target: source``, as someone editing the table would."""
    contents = {target: sealed(engine, source) for target, source in order.items()}
    with engine.store.transaction() as tx:
        for target in order:  # nonces are unique: clear them first
            tx._exec("UPDATE of_audit SET nonce = NULL WHERE tenant = 'default' AND seq = :s", {"s": target})
        for target, content in contents.items():
            assignments = ", ".join(f"{name} = :{name}" for name in CONTENT)
            tx._exec(
                f"UPDATE of_audit SET {assignments} WHERE tenant = 'default' AND seq = :s", {**content, "s": target}
            )


def renumber(engine: Engine, order: dict[int, int]) -> None:
    """Give the whole row now numbered ``old`` the number ``new`` for each ``new: old``."""
    with engine.store.transaction() as tx:
        for old in order.values():
            tx._exec("UPDATE of_audit SET seq = seq + 100000 WHERE tenant = 'default' AND seq = :s", {"s": old})
        for new, old in order.items():
            tx._exec(
                "UPDATE of_audit SET seq = :n WHERE tenant = 'default' AND seq = :s", {"n": new, "s": old + 100000}
            )


def kinds(engine: Engine) -> list[tuple[str, int | None, str]]:
    report = engine.audit.verify("default")
    return [(f.kind, f.seq, f.message) for f in report.findings]


def test_two_swapped_entries_are_found_and_named(engine: Engine) -> None:
    """Exchanging the contents of two sealed entries (MACs and nonces moved with them) is a swap;
    dropping the link comparison from the walk lets it pass."""
    engine.audit.seal()
    move_contents(engine, {3: 7, 7: 3})
    found = kinds(engine)
    assert found[0][:2] == ("moved", 3)
    assert found[0][2].startswith("entries 3 and 7 were swapped (entry 3 belongs at 7; entry 7 belongs at 3)")
    assert len(found) == 1


def test_two_rows_renumbered_into_each_others_place_are_a_swap(engine: Engine) -> None:
    engine.audit.seal()
    renumber(engine, {4: 5, 5: 4})
    found = kinds(engine)
    assert [(kind, seq) for kind, seq, _ in found] == [("moved", 4)]
    assert found[0][2].startswith("entries 4 and 5 were swapped")


def test_reordered_entries_are_found_and_named(engine: Engine) -> None:
    engine.audit.seal()
    move_contents(engine, {3: 5, 4: 3, 5: 4})
    found = kinds(engine)
    assert [(kind, seq) for kind, seq, _ in found] == [("moved", 3)]
    assert found[0][2].startswith("entries 3, 4 and 5 were reordered")


def test_a_copied_entry_is_never_sealed_and_verify_names_it(engine: Engine) -> None:
    """The copy the outside tests made: a sealed entry's columns (not its number, links or nonce)
    inserted as a new row. The sealer leaves it out; verify names the entry it copies."""
    engine.audit.seal()
    columns = "tenant, at, actor, action, object_type, object_id, before, after, mac"
    sql(engine, f"INSERT INTO of_audit ({columns}) SELECT {columns} FROM of_audit WHERE tenant = 'default' AND seq = 4")
    assert engine.audit.seal("default") == 0
    report = engine.audit.verify("default")
    assert not report.ok
    assert report.head_seq == report.entries == 10
    (finding,) = report.findings
    assert finding.kind == "duplicate"
    assert "is a copy of entry 4 (the same MAC); it is not sealed" in finding.message


def test_a_copy_with_its_nonce_is_refused_by_the_database_and_by_the_sealer(engine: Engine) -> None:
    """Copied nonce and all, the row breaks the unique index; without the index (dropped by whoever
    edits the table) the sealer still leaves it out and verify names both entries."""
    engine.audit.seal()
    columns = "tenant, at, actor, action, object_type, object_id, before, after, mac, nonce"
    copy = f"INSERT INTO of_audit ({columns}) SELECT {columns} FROM of_audit WHERE tenant = 'default' AND seq = 6"
    with pytest.raises(Exception, match=r"(?i)unique"):
        sql(engine, copy)
    sql(engine, "DROP INDEX of_audit_nonce")
    try:
        sql(engine, copy)
        assert engine.audit.seal("default") == 0
        (finding,) = engine.audit.verify("default").findings
        assert finding.kind == "duplicate"
        assert "is a copy of entry 6 (the same nonce); it is not sealed" in finding.message
        sql(engine, "UPDATE of_audit SET seq = 11, prev_hash = hash WHERE tenant = 'default' AND seq IS NULL")
        found = kinds(engine)
        assert ("duplicate", 11) in [(kind, seq) for kind, seq, _ in found]
        assert any("entry 11 (" in message and "is a copy of entry 6" in message for _, _, message in found)
    finally:
        sql(engine, "DELETE FROM of_audit WHERE tenant = 'default' AND (seq IS NULL OR seq > 10)")
        sql(engine, "CREATE UNIQUE INDEX of_audit_nonce ON of_audit (tenant, nonce)")


def test_every_problem_is_reported_not_only_the_first(engine: Engine) -> None:
    engine.audit.seal()
    sql(engine, "UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND seq = 2")
    move_contents(engine, {5: 8, 8: 5})
    sql(engine, "DELETE FROM of_audit WHERE tenant = 'default' AND seq = 10")
    found = [(kind, seq) for kind, seq, _ in kinds(engine)]
    assert found == [("altered", 2), ("moved", 5), ("deleted", 10)]


def test_a_log_deleted_with_its_head_is_found_only_against_a_recorded_head(engine: Engine) -> None:
    """Deleting every entry and the head leaves an empty, consistent log: the documented limit.
    A head written down before (officeflow audit head) finds it."""
    recorded = RecordedHead.parse(orjson.dumps({"head": engine.audit.head("default")}).decode())
    assert recorded.seq == 10
    assert engine.audit.verify("default", recorded).ok
    sql(engine, "DELETE FROM of_audit WHERE tenant = 'default'")
    sql(engine, "DELETE FROM of_audit_heads WHERE tenant = 'default'")
    assert engine.audit.verify("default").ok
    (finding,) = engine.audit.verify("default", recorded).findings
    assert finding.kind == "deleted"
    assert "(entry 10) is not in the chain: the chain now ends at entry 0" in finding.message


def test_a_log_replaced_by_another_is_found_against_a_recorded_head(engine: Engine) -> None:
    recorded = RecordedHead.parse(orjson.dumps(engine.audit.head("default")).decode())
    sql(engine, "UPDATE of_audit SET hash = 'x' WHERE tenant = 'default' AND seq = 10")
    messages = [f.message for f in engine.audit.verify("default", recorded).findings]
    assert any("entry 10 now has another hash" in m for m in messages)


def first_format_chain(engine: Engine, count: int) -> None:
    """The chain as officeflow wrote it before nonces (format 1): entries without a nonce, links
    without their number, the head MACed as 'head'."""
    keyring = engine.keyring
    prev = genesis(keyring, "default")
    with engine.store.transaction() as tx:
        for i in range(count):
            mac = keyring.mac(
                keyring.audit, canonical("default", 1000.0 + i, "user:old", "old.entry", "thing", str(i), None, None)
            )
            current = link(keyring, prev, mac, i + 1, version=1)
            tx._exec(
                "INSERT INTO of_audit (tenant, at, actor, action, object_type, object_id, mac, seq, prev_hash, hash) "
                "VALUES ('default', :at, 'user:old', 'old.entry', 'thing', :o, :m, :s, :p, :h)",
                {"at": 1000.0 + i, "o": str(i), "m": mac, "s": i + 1, "p": prev, "h": current},
            )
            prev = current
        tx.put_audit_head("default", count, prev, head_mac(keyring, "default", count, prev, version=1), 1000.0)
        late = keyring.mac(
            keyring.audit, canonical("default", 2000.0, "user:old", "late.entry", "thing", "x", None, None)
        )
        tx._exec(
            "INSERT INTO of_audit (tenant, at, actor, action, object_type, object_id, mac) "
            "VALUES ('default', 2000.0, 'user:old', 'late.entry', 'thing', 'x', :m)",
            {"m": late},
        )


def test_a_chain_of_the_first_format_is_signed_again_with_nonces_at_the_first_seal(make_engine: Any) -> None:
    """Entries written before nonces existed: the first seal verifies the old chain and signs it
    again in the new format (nonces, numbered links), the entry written just before the upgrade
    included; a replayed old entry is not."""
    engine: Engine = make_engine()
    first_format_chain(engine, 5)
    columns = "tenant, at, actor, action, object_type, object_id, before, after, mac"
    sql(engine, f"INSERT INTO of_audit ({columns}) SELECT {columns} FROM of_audit WHERE tenant = 'default' AND seq = 2")
    assert engine.audit.seal("default") == 1
    with engine.store.read() as tx:
        rows = tx.sealed_audit("default", 0, 100)
        head = tx.audit_head("default")
    assert [r.action for r in rows] == ["old.entry"] * 5 + ["late.entry"]
    assert all(r.nonce is not None and len(r.nonce) == 32 for r in rows)
    assert head is not None
    assert head[0] == 6
    report = engine.audit.verify("default")
    assert report.entries == 6
    (finding,) = report.findings
    assert finding.kind == "inserted"
    assert "is an entry of the first format, written into the current chain: replayed" in finding.message


def test_a_tampered_chain_of_the_first_format_is_not_signed_again(make_engine: Any) -> None:
    engine: Engine = make_engine()
    first_format_chain(engine, 5)
    sql(engine, "UPDATE of_audit SET actor = 'user:mallory' WHERE tenant = 'default' AND seq = 3")
    assert engine.audit.seal("default") == 0
    (finding,) = engine.audit.verify("default").findings
    assert (finding.kind, finding.seq) == ("altered", 3)
    with engine.store.read() as tx:
        assert all(r.nonce is None for r in tx.sealed_audit("default", 0, 100))

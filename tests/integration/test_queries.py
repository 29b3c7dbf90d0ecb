"""The console's read queries (officeflow.store.tx_console) on both backends: every entry once,
newest first, across unsealed and sealed audit entries; bounded searches say where they stopped."""

from __future__ import annotations

from typing import Any

from officeflow import Engine
from officeflow.store import tx_console
from tests.web import handlers
from tests.web.definitions import LOANS, ORDERS_V1, ORDERS_V2


def add_entries(engine: Engine, count: int, *, action: str = "test.thing", tenant: str = "default") -> None:
    def body(tx: Any) -> None:
        for i in range(count):
            engine.record_audit(tx, tenant, "system", action, "thing", f"t{i}")

    engine.store.run(body)


def pages(
    engine: Engine, flt: tx_console.AuditFilter, *, limit: int, window: int = 20_000
) -> list[tx_console.AuditPage]:
    out, cursor = [], None
    while True:
        with engine.store.read() as tx:
            page = tx_console.audit_page(tx, "default", flt, cursor=cursor, limit=limit, window=window)
        out.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return out


def test_audit_pages_cover_unsealed_and_sealed_entries_once(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[handlers])
    add_entries(engine, 23)
    engine.audit.seal("default")
    add_entries(engine, 9)  # newer, not sealed yet
    add_entries(engine, 4, tenant="acme")
    seen = [row for page in pages(engine, tx_console.AuditFilter(), limit=5) for row in page.rows]
    with engine.store.read() as tx:
        everything = tx.list_audit("default", limit=1000)
    assert sorted(r.id for r in seen) == sorted(r.id for r in everything)
    assert len({r.id for r in seen}) == len(seen) == 32
    assert [r.seq for r in seen[:9]] == [None] * 9  # the newest, unsealed, come first
    assert [r.id for r in seen[:9]] == sorted((r.id for r in seen[:9]), reverse=True)
    sealed = [r.seq for r in seen[9:]]
    assert sealed == sorted(sealed, reverse=True)
    assert all(r.tenant == "default" for r in seen)


def test_a_rare_filter_searches_a_window_at_a_time(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[handlers])
    add_entries(engine, 30)
    add_entries(engine, 1, action="test.rare")
    add_entries(engine, 30)
    engine.audit.seal("default")
    found = pages(engine, tx_console.AuditFilter(action="test.rare"), limit=10, window=20)
    assert [r.action for p in found for r in p.rows] == ["test.rare"]
    assert found[0].rows == []
    assert found[0].searched_to == 62 - 20
    assert found[-1].next_cursor is None
    one = pages(engine, tx_console.AuditFilter(object_type="thing", object_id="t0"), limit=1)
    assert [r.object_id for p in one for r in p.rows] == ["t0", "t0", "t0"]


def test_definition_summaries_and_versions(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[handlers])
    for source in (ORDERS_V1, ORDERS_V2, LOANS):
        engine.apply(source)
    engine.apply(LOANS, tenant="acme")
    with engine.store.read() as tx:
        summaries = tx_console.definition_summaries(tx, "default")
        after = tx_console.definition_summaries(tx, "default", after="web-loans")
        versions = tx_console.definition_versions(tx, "default", "web-orders")
    assert [(s.name, s.versions, s.latest, s.title) for s in summaries] == [
        ("web-loans", 1, 1, "Loan application"),
        ("web-orders", 2, 2, "Order fulfilment"),
    ]
    assert [s.name for s in after] == ["web-orders"]
    assert [v.version for v in versions] == [2, 1]


def test_last_step_events(make_engine: Any) -> None:
    engine: Engine = make_engine(handlers=[handlers])
    engine.apply(ORDERS_V1)
    run = engine.start("web-orders", {"amount": 5, "break": True})
    engine.run_until_idle()
    with engine.store.read() as tx:
        last = tx_console.last_step_events(tx, run.id)
    assert last == {"check": "step_completed", "route": "step_completed", "ship": "step_failed"}


def test_a_version_filter_without_a_workflow_searches_a_window_at_a_time(make_engine: Any) -> None:
    from officeflow.store.tx_runs import RunFilter

    engine: Engine = make_engine(handlers=[handlers])
    engine.apply(LOANS)
    old = engine.start("web-loans", {"n": 0})
    for i in range(6):
        engine.start("web-loans", {"n": i + 1})
    with engine.store.read() as tx:
        first = tx_console.runs_page(tx, RunFilter(tenant="default", version=1, limit=10), window=3)
        assert len(first.runs) == 3
        none = tx_console.runs_page(tx, RunFilter(tenant="default", version=2, limit=10), window=3)
        assert none.runs == []
        assert none.searched_to is not None
        rest = tx_console.runs_page(
            tx, RunFilter(tenant="default", version=1, limit=10, before=first.searched_to), window=30
        )
        assert rest.searched_to is None
        assert len(first.runs) + len(rest.runs) == 7
        assert old.id in {r.id for r in rest.runs}

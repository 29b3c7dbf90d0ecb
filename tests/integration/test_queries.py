"""The query layer (officeflow.queries) on both backends: audit pages cover unsealed and sealed
entries once, newest first, and bounded searches say where they stopped; definitions by name and
version; how each step of a run last ended; runs a principal may see, paged by one cursor codec
(a version filter without a workflow searching a window at a time); dead letters; health."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from officeflow import FakeClock, Office
from officeflow.queries import cursor
from officeflow.queries.audit import AuditFilter, AuditPage
from officeflow.queries.params import param
from officeflow.queries.runs import RunQueries
from officeflow.security.permissions import Grant, Principal, Role
from officeflow.store import schema
from officeflow.store.tx import _compiled as compiled_sql
from tests.web import handlers
from tests.web.definitions import LOANS, ORDERS_V1, ORDERS_V2

ADMIN = Principal(tenant="default", id="k-admin", kind="api_key", name="admin", grants=frozenset({Grant(Role.ADMIN)}))


def reader_of(workflow: str) -> Principal:
    """A principal who may read the runs of ``workflow`` only."""
    return Principal(
        tenant="default", id="k-one", kind="api_key", name="one", grants=frozenset({Grant(Role.AUDITOR, workflow)})
    )


def add_entries(office: Office, count: int, *, action: str = "test.thing", tenant: str = "default") -> None:
    def body(tx: Any) -> None:
        for i in range(count):
            office.engine.record_audit(tx, tenant, "system", action, "thing", f"t{i}")

    office.store.run(body)


def pages(office: Office, flt: AuditFilter, *, limit: int, window: int = 20_000) -> list[AuditPage]:
    out: list[AuditPage] = []
    after = None
    while True:
        page = office.queries.audit.page("default", flt, after=after, limit=limit, window=window)
        out.append(page)
        after = page.next_cursor
        if after is None:
            return out


def test_audit_pages_cover_unsealed_and_sealed_entries_once(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    add_entries(office, 23)
    office.audit.seal("default")
    add_entries(office, 9)  # newer, not sealed yet
    add_entries(office, 4, tenant="acme")
    seen = [row for page in pages(office, AuditFilter(), limit=5) for row in page.rows]
    everything = office.queries.audit.entries("default", AuditFilter(), limit=1000)
    assert sorted(r.id for r in seen) == sorted(r.id for r in everything)
    assert len({r.id for r in seen}) == len(seen) == 32
    assert [r.seq for r in seen[:9]] == [None] * 9  # the newest, unsealed, come first
    assert [r.id for r in seen[:9]] == sorted((r.id for r in seen[:9]), reverse=True)
    sealed = [r.seq or 0 for r in seen[9:]]
    assert 0 not in sealed
    assert sealed == sorted(sealed, reverse=True)
    assert all(r.tenant == "default" for r in seen)


def test_a_rare_filter_searches_a_window_at_a_time(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    add_entries(office, 30)
    add_entries(office, 1, action="test.rare")
    add_entries(office, 30)
    office.audit.seal("default")
    found = pages(office, AuditFilter(action="test.rare"), limit=10, window=20)
    assert [r.action for p in found for r in p.rows] == ["test.rare"]
    assert found[0].rows == []
    assert found[0].searched_to == 62 - 20
    assert found[-1].next_cursor is None
    one = pages(office, AuditFilter(object_type="thing", object_id="t0"), limit=1)
    assert [r.object_id for p in one for r in p.rows] == ["t0", "t0", "t0"]


@pytest.mark.parametrize("bad", ["x12", "s", "u-1", "s1" + "0" * 30])
def test_an_audit_cursor_it_did_not_give_is_refused(make_office: Any, bad: str) -> None:
    office: Office = make_office()
    with pytest.raises(cursor.CursorInvalid):
        office.queries.audit.page("default", AuditFilter(), after=bad)


def test_definition_summaries_versions_and_names(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    for source in (ORDERS_V1, ORDERS_V2, LOANS):
        office.engine.apply(source)
    office.engine.apply(LOANS, tenant="acme")
    queries = office.queries.definitions
    summaries = queries.summaries("default")
    assert [(s.name, s.versions, s.latest, s.title) for s in summaries] == [
        ("web-loans", 1, 1, "Loan application"),
        ("web-orders", 2, 2, "Order fulfilment"),
    ]
    assert [s.name for s in queries.summaries("default", after="web-loans")] == ["web-orders"]
    assert [v.version for v in queries.versions("default", "web-orders")] == [2, 1]
    assert queries.names(ADMIN, "runs.read") == ["web-loans", "web-orders"]
    assert queries.names(reader_of("web-orders"), "runs.read") == ["web-orders"]
    assert queries.record(ADMIN, "web-orders").version == 2


def test_how_each_step_last_ended(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    office.engine.apply(ORDERS_V1)
    run = office.engine.start("web-orders", {"amount": 5, "break": True})
    office.engine.run_until_idle()
    _, last = office.queries.runs.progress(run.id)
    assert last == {"check": "step_completed", "route": "step_completed", "ship": "step_failed"}
    letters = office.queries.runs.dead_letters(ADMIN)
    assert [(d.job.run_id, d.job.step_id) for d in letters.letters] == [(run.id, "ship")]
    assert office.queries.runs.dead_letters(reader_of("web-loans")).letters == []


def test_runs_a_principal_may_see_page_with_the_cursor(make_office: Any) -> None:
    clock = FakeClock()
    office: Office = make_office(handlers=[handlers], clock=clock)
    office.engine.apply(LOANS)
    office.engine.apply(ORDERS_V1)
    started = []
    for i in range(5):
        started.append(office.engine.start("web-loans", {"n": i}).id)
        office.engine.start("web-orders", {"amount": i})
        clock.advance(1)
    seen: list[str] = []
    after = None
    while True:
        page = office.queries.runs.page(reader_of("web-loans"), limit=2, after=after)
        seen += [r.id for r in page.runs]
        assert all(r.workflow == "web-loans" for r in page.runs)
        after = page.next_cursor
        if after is None:
            break
    assert seen == list(reversed(started))
    assert len(office.queries.runs.page(ADMIN, limit=10).runs) == 10
    assert office.queries.runs.page(reader_of("web-loans"), workflow="web-orders").runs == []
    with pytest.raises(cursor.CursorInvalid):
        office.queries.runs.page(ADMIN, after="garbage!")


def test_a_version_filter_without_a_workflow_searches_a_window_at_a_time(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    office.engine.apply(LOANS)
    old = office.engine.start("web-loans", {"n": 0})
    for i in range(6):
        office.engine.start("web-loans", {"n": i + 1})
    narrow = RunQueries(office.engine, window=3)
    first = narrow.page(ADMIN, version=1, limit=10, rounds=1)
    assert len(first.runs) == 3
    assert first.searched
    assert first.next_cursor is not None
    none = narrow.page(ADMIN, version=2, limit=10, rounds=1)
    assert none.runs == []
    assert none.searched
    rest = RunQueries(office.engine, window=30).page(ADMIN, version=1, limit=10, after=first.next_cursor)
    assert not rest.searched
    assert rest.next_cursor is None
    assert len(first.runs) + len(rest.runs) == 7
    assert old.id in {r.id for r in rest.runs}


def test_a_reusable_statement_is_compiled_once_and_takes_its_values_per_call(make_office: Any) -> None:
    office: Office = make_office(handlers=[handlers])
    office.engine.apply(LOANS)
    office.engine.apply(ORDERS_V1)
    office.engine.apply(LOANS, tenant="acme")
    d = schema.definitions
    statement = sa.select(d.c.name).where(d.c.tenant == param("tenant"), d.c.name >= param("name")).order_by(d.c.name)
    with office.store.read() as tx:
        assert tx.execute(statement, {"tenant": "default", "name": "web-"}).rows == [("web-loans",), ("web-orders",)]
        assert tx.execute(statement, {"tenant": "default", "name": "web-m"}).rows == [("web-orders",)]
        assert tx.execute(statement, {"tenant": "acme", "name": ""}).rows == [("web-loans",)]
    backend = office.store.dialect.name
    assert compiled_sql(statement, backend)[0] is compiled_sql(statement, backend)[0]


def test_health_reaches_the_database(make_office: Any, backend: str) -> None:
    office: Office = make_office()
    assert office.queries.health() == ("sqlite" if backend == "sqlite" else "postgresql")

"""The composition root (officeflow.office) on both backends: an office built from settings, from
a URL or from parts works as one (a human step's task reaches the inbox through the query layer,
an event published through ingestion starts a run); the engine alone knows the core step kinds;
closing the office closes what it owns."""

from __future__ import annotations

import pytest

from officeflow import DefinitionInvalid, Engine, FakeClock, Office
from officeflow.errors import ConfigurationError
from officeflow.ingest.publish import Publication
from officeflow.ingest.schedules import Schedules
from officeflow.ingest.service import Ingestor
from officeflow.queries import Queries
from officeflow.security.accounts import Accounts
from officeflow.security.permissions import Grant, Principal, Role
from officeflow.settings import load_settings
from officeflow.tasks import Directory, Tasks

ASK = """
name: ask
version: 1
steps:
  ask:
    kind: human
    assign: {user: "'mark'"}
    outcomes:
      approve: {next: done}
  done: {kind: end}
"""
MARK = Principal(tenant="default", id="u-mark", kind="user", name="mark", grants=frozenset({Grant(Role.APPROVER)}))


def test_an_office_from_settings_ties_the_engine_the_services_and_the_queries(db_url: str) -> None:
    settings = load_settings(database_url=db_url, app="tests.web.handlers")
    with Office.from_settings(settings) as office:
        assert office.engine.registry.handlers_known
        office.engine.apply(ASK)
        run = office.engine.start("ask", {})
        inbox = office.queries.tasks.inbox(MARK, office.queries.tasks.viewer(MARK, manages=False))
        assert [t.run_id for t in inbox.tasks] == [run.id]
        office.events.register_type("default", "ping", {"type": "object"}, actor="t")
        office.events.save_trigger("default", {"name": "t", "event_type": "ping", "workflow": "ask"}, actor="t")
        result = office.events.publish(Publication(tenant="default", type="ping", body=b"{}", source="test"))
        assert [s.new for s in result.runs] == [True]
        assert office.queries.health() in ("sqlite", "postgresql")


def test_the_engine_alone_knows_the_core_kinds_the_office_adds_human(db_url: str) -> None:
    with Engine.open(db_url) as engine:
        assert "human" not in engine.registry.kinds
        with pytest.raises(DefinitionInvalid, match="human"):
            engine.load(ASK)
    with Office.open(db_url) as office:
        assert "human" in office.engine.registry.kinds
        assert office.engine.load(ASK).name == "ask"


def test_an_office_from_parts_closes_what_it_was_given(db_url: str) -> None:
    closed: list[str] = []
    engine = Engine.open(db_url, clock=FakeClock())
    events = Ingestor(engine)
    tasks = Tasks(engine)
    office = Office(
        engine=engine,
        accounts=Accounts(engine.store, engine.keyring, engine.now),
        events=events,
        schedules=Schedules(engine, events),
        tasks=tasks,
        directory=Directory(engine),
        queries=Queries(engine, tasks),
        closing=[lambda: closed.append("service")],
    )
    with office:
        assert office.store is engine.store
        assert office.audit is engine.audit
        assert office.secrets is engine.secrets
    assert closed == ["service"]


def test_an_app_module_that_cannot_be_imported_is_a_configuration_error(db_url: str) -> None:
    settings = load_settings(database_url=db_url, app="no_such_module_here")
    with pytest.raises(ConfigurationError, match="cannot import app 'no_such_module_here'"):
        Office.from_settings(settings)

"""The database side of the background work when the database goes away: a schedule slot that was
claimed is still published once, and a message being ingested is handed back to its broker for
later, or deferred with SMTP 451 (not refused, not logged once per message)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import psycopg
import pytest
from structlog.testing import capture_logs

from officeflow import Office, SystemClock
from officeflow.errors import StoreUnavailable
from officeflow.ingest.sources import Ingesting
from officeflow.ingest.sources.config import parse_config
from officeflow.ingest.sources.delivery import Message, Outcome, deliver

WF = "name: note\nversion: 1\ninput: {type: object}\nsteps:\n  done: {kind: end, output: input}\n"


def with_trigger(office: Office, event_type: str) -> None:
    office.engine.apply(WF)
    office.events.register_type("default", event_type, {"type": "object"}, actor="user:designer")
    office.events.save_trigger(
        "default", {"name": "on-it", "event_type": event_type, "workflow": "note", "input": {}}, actor="user:designer"
    )


def test_a_claimed_schedule_slot_is_published_once_the_database_is_back(make_office: Any) -> None:
    """The database goes away after the slot was claimed, before its event is stored: the event is
    published again (paced by the scheduler's wait) instead of the slot being lost."""
    office: Office = make_office()
    with_trigger(office, "tick")
    schedule = office.schedules.create("default", "nightly", "0 2 * * *", "tick", actor="user:designer")
    office.clock.set(schedule.next_fire_at + 5)  # type: ignore[attr-defined]
    real = office.events.ingest
    failures = [StoreUnavailable("the database is unavailable: server closed the connection")] * 2

    def away_twice(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    office.events.ingest = away_twice  # type: ignore[method-assign]
    waits: list[float] = []

    def record_wait(seconds: float) -> bool:
        waits.append(seconds)
        return False  # keep publishing

    assert office.schedules.fire_due(record_wait) == 1
    assert len(waits) == 2
    assert len(office.engine.list_runs()) == 1
    assert office.schedules.fire_due() == 0  # the slot is not fired twice
    assert len(list(office.events.events("default", type="tick"))) == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_delivery_that_meets_the_database_away_is_retried_later_and_then_stored(
    make_office: Any, db_url: str
) -> None:
    office: Office = make_office(clock=SystemClock())
    with_trigger(office, "reading")
    message = Message(tenant="default", type="reading", data={"t": 21.5}, event_id="m-1", source="mqtt")
    kill_connections(db_url)
    with capture_logs() as logs:
        first = deliver(office.events, message)
    assert first.outcome == Outcome.RETRY
    assert "database is unavailable" in str(first.reason)
    assert [e["event"] for e in logs if e["log_level"] != "debug"] == [
        "database unavailable; retrying with backoff until it answers"
    ]  # said once by the store, not once more for the message
    second = deliver(office.events, message)
    assert second.outcome == Outcome.STORED
    assert deliver(office.events, message).outcome == Outcome.DUPLICATE
    assert len(office.engine.list_runs()) == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_mail_that_meets_the_database_away_is_deferred_with_451_and_stored_when_sent_again(
    make_office: Any, db_url: str
) -> None:
    office: Office = make_office(clock=SystemClock())
    with_trigger(office, "note.mailed")
    config = parse_config({"smtp": {"port": 0, "recipients": {"notes@acme.example": {"type": "note.mailed"}}}})
    mail = EmailMessage()
    mail["From"] = "ada@example.com"
    mail["To"] = "notes@acme.example"
    mail["Subject"] = "A note"
    mail["Message-ID"] = "<note-1@example.com>"
    mail.set_content("Remember the milk.")
    with Ingesting(office.events, config) as ingesting:
        port = ingesting.sources[0].port  # type: ignore[attr-defined]
        kill_connections(db_url)
        with capture_logs() as logs, smtplib.SMTP("127.0.0.1", port) as client:
            with pytest.raises(smtplib.SMTPDataError) as deferred:
                client.send_message(mail)
            assert deferred.value.smtp_code == 451  # the sending server tries again later
            assert client.send_message(mail) == {}
        stats = ingesting.stats["smtp"].as_dict()
    assert (stats["retry"], stats["stored"]) == (1, 1)
    assert [e["event"] for e in logs if e["log_level"] in ("warning", "error")] == [
        "database unavailable; retrying with backoff until it answers",
        "database available again",
    ]
    assert office.events.event("default", "<note-1@example.com>").subject == "A note"
    assert len(office.engine.list_runs()) == 1


def kill_connections(url: str) -> None:
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))

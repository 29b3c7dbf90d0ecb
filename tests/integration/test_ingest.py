"""Event ingestion on both backends: types, triggers, duplicates, rejects, replay, schedules, files."""

from __future__ import annotations

import random
import textwrap
import threading
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from officeflow import Office, RequestInvalid, RunStatus
from officeflow.engine.staged import run_together
from officeflow.ingest import EventInvalid, SchemaIncompatible
from officeflow.ingest import files as attachments

INVOICE: dict[str, Any] = {
    "type": "object",
    "required": ["number", "amount"],
    "properties": {
        "number": {"type": "string"},
        "amount": {"type": "number", "minimum": 0},
        "vendor": {"type": "string"},
    },
}
WF = textwrap.dedent("""
    name: pay-invoice
    version: 1
    input: {type: object, required: [invoice, total]}
    steps:
      done: {kind: end, output: input}
""")


@pytest.fixture
def office(make_office: Any) -> Office:
    e: Office = make_office()
    e.engine.apply(WF)
    e.events.register_type("default", "invoice.received", INVOICE, actor="user:designer")
    e.events.save_trigger(
        "default",
        {
            "name": "pay",
            "event_type": "invoice.received",
            "workflow": "pay-invoice",
            "filter": "event.data.amount > 0.0",
            "input": {"invoice": "event.data.number", "total": "event.data.amount", "from": "event.source"},
        },
        actor="user:designer",
    )
    return e


def test_an_event_starts_its_triggers_workflow_with_the_mapped_input(office: Office) -> None:
    result = office.events.ingest(
        "default", "invoice.received", {"number": "INV-1", "amount": 120.5}, event_id="evt-1", source="http"
    )
    assert not result.duplicate
    (started,) = result.runs
    run = office.engine.get_run(started.run_id)
    assert run.status == RunStatus.COMPLETED
    assert run.output == {"invoice": "INV-1", "total": 120.5, "from": "http"}
    assert run.idempotency_key == "trigger:pay:evt-1"
    assert office.events.event("default", "evt-1").payload == {"number": "INV-1", "amount": 120.5}


def test_a_filtered_out_event_is_stored_and_starts_nothing(office: Office) -> None:
    result = office.events.ingest("default", "invoice.received", {"number": "INV-0", "amount": 0}, event_id="e0")
    assert result.runs == []
    assert office.engine.list_runs() == []
    assert office.events.event("default", "e0").type == "invoice.received"


def test_a_duplicate_delivery_starts_nothing_new_and_reports_the_first_run(office: Office) -> None:
    first = office.events.ingest("default", "invoice.received", {"number": "INV-2", "amount": 1}, event_id="dup")
    again = office.events.ingest("default", "invoice.received", {"number": "INV-2", "amount": 1}, event_id="dup")
    assert again.duplicate
    assert [s.run_id for s in again.runs] == [first.runs[0].run_id]
    assert len(office.engine.list_runs()) == 1


def test_an_invalid_event_is_refused_with_its_problems_and_kept_as_a_dead_letter(office: Office) -> None:
    with pytest.raises(EventInvalid) as info:
        office.events.ingest("default", "invoice.received", {"number": 7, "amount": -1}, event_id="bad", source="nats")
    assert sorted(p.pointer or "" for p in info.value.problems) == ["/amount", "/number"]
    (reject,) = office.events.rejects("default")
    assert reject.source == "nats"
    assert reject.reason["error"] == "schema"
    assert reject.reason["event_id"] == "bad"
    assert '"amount":-1' in reject.payload
    assert office.engine.list_runs() == []


def test_an_event_of_an_unknown_type_is_refused_and_kept(office: Office) -> None:
    from officeflow.ingest import EventTypeNotFound

    with pytest.raises(EventTypeNotFound):
        office.events.ingest("default", "nope", {"x": 1})
    assert office.events.rejects("default")[0].reason["error"] == "unknown type"


def test_a_trigger_whose_input_breaks_the_workflow_schema_records_why(office: Office) -> None:
    office.events.save_trigger(
        "default",
        {
            "name": "broken",
            "event_type": "invoice.received",
            "workflow": "pay-invoice",
            "input": {"nothing": "1"},
        },
        actor="user:designer",
    )
    result = office.events.ingest("default", "invoice.received", {"number": "INV-3", "amount": 5}, event_id="e3")
    assert [s.trigger for s in result.runs] == ["pay"]
    (failure,) = result.failures
    assert failure.trigger == "broken"
    assert any("'invoice' is a required property" in p for p in failure.problems)
    assert any(r.source == "trigger:broken" for r in office.events.rejects("default"))


def test_a_schema_version_that_breaks_producers_is_refused_and_a_compatible_one_is_stored(office: Office) -> None:
    stricter = {**INVOICE, "required": ["number", "amount", "vendor"]}
    with pytest.raises(SchemaIncompatible, match="'vendor' is now required"):
        office.events.register_type("default", "invoice.received", stricter, actor="user:designer")
    wider = {**INVOICE, "properties": {**INVOICE["properties"], "po": {"type": "string"}}}
    row = office.events.register_type("default", "invoice.received", wider, actor="user:designer")
    assert row.version == 2
    assert office.events.register_type("default", "invoice.received", wider, actor="user:designer").version == 2


def test_replay_redelivers_stored_events_and_starts_only_what_is_missing(office: Office) -> None:
    for i in range(5):
        office.events.ingest("default", "invoice.received", {"number": f"INV-{i}", "amount": 10}, event_id=f"r{i}")
    office.events.save_trigger(
        "default",
        {
            "name": "archive",
            "event_type": "invoice.received",
            "workflow": "pay-invoice",
            "input": {"invoice": "event.data.number", "total": "0.0"},
        },
        actor="user:designer",
    )
    seen: list[tuple[int, int]] = []
    replayed, started = office.events.replay(
        "default", "invoice.received", actor="user:ops", progress=lambda done, total: seen.append((done, total))
    )
    assert (replayed, started) == (5, 5)  # the new trigger's runs; 'pay' had them already
    assert seen[-1] == (5, 5)
    assert office.events.replay("default", "invoice.received", actor="user:ops") == (5, 0)
    assert len(office.engine.list_runs()) == 10


def test_trigger_expressions_are_checked_when_saved(office: Office) -> None:
    with pytest.raises(RequestInvalid, match="triggers see only `event`"):
        office.events.save_trigger(
            "default",
            {"name": "x", "event_type": "invoice.received", "workflow": "pay-invoice", "filter": "input.amount > 1"},
            actor="user:designer",
        )
    with pytest.raises(RequestInvalid, match="bad CEL"):
        office.events.save_trigger(
            "default",
            {"name": "x", "event_type": "invoice.received", "workflow": "pay-invoice", "filter": "event.data.amount >"},
            actor="user:designer",
        )


def test_a_thousand_events_delivered_ten_thousand_times_start_a_thousand_runs(office: Office) -> None:
    deliveries = [i for i in range(1000) for _ in range(10)]
    random.Random(7).shuffle(deliveries)
    chunks = [deliveries[k::8] for k in range(8)]
    errors: list[BaseException] = []

    def deliver(items: list[int]) -> None:
        try:
            for i in items:
                office.events.ingest(
                    "default", "invoice.received", {"number": f"INV-{i}", "amount": 1}, event_id=f"evt-{i}"
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with office.store.read() as tx:
        assert tx.count_runs_by_status("default") == {"completed": 1000}
        assert tx.count_events("default", "invoice.received", None, None) == 1000


def test_events_sharing_one_commit_are_told_apart(office: Office) -> None:
    """A group commit advances its events together (officeflow.engine.staged); repeats of an
    event inside the same commit still start nothing new and report the first delivery's run."""
    works = [
        office.events.prepare(
            "default", "invoice.received", {"number": f"INV-{i % 3}", "amount": 1}, event_id=f"e-{i % 3}"
        )
        for i in range(6)
    ]
    results = office.store.run(lambda tx: run_together(tx, works), pipeline=True)
    assert [r.duplicate for r in results] == [False, False, False, True, True, True]
    for first, repeat in zip(results[:3], results[3:], strict=True):
        assert repeat.runs[0].run_id == first.runs[0].run_id
        assert not repeat.runs[0].new
    with office.store.read() as tx:
        assert tx.count_runs_by_status("default") == {"completed": 3}


def test_many_runs_started_in_one_transaction_are_all_written(office: Office) -> None:
    """More buffered rows than one multi-row insert takes (officeflow.store.buffer.row_chunks)."""
    works = [
        office.events.prepare("default", "invoice.received", {"number": f"INV-{i}", "amount": 1}, event_id=f"m-{i}")
        for i in range(150)
    ]
    results = office.store.run(lambda tx: run_together(tx, works), pipeline=True)
    run_ids = [r.runs[0].run_id for r in results]
    assert len(set(run_ids)) == 150
    for run_id in run_ids[::37]:
        assert next(e.type for e in office.engine.history(run_id)) == "run_started"
        assert office.engine.get_run(run_id).output["total"] == 1
    entries = office.audit.verify("default")
    assert entries.ok
    assert entries.entries >= 150


def test_schedules_fire_once_per_slot_however_many_processes_try(office: Office) -> None:
    office.events.register_type("default", "tick", {"type": "object"}, actor="user:designer")
    office.events.save_trigger(
        "default",
        {
            "name": "on-tick",
            "event_type": "tick",
            "workflow": "pay-invoice",
            "input": {"invoice": "event.subject", "total": "1.0"},
        },
        actor="user:designer",
    )
    schedule = office.schedules.create("default", "nightly", "0 2 * * *", "tick", actor="user:designer")
    office.clock.set(schedule.next_fire_at + 5)  # type: ignore[attr-defined]
    fired = [office.schedules.fire_due() for _ in range(3)]
    assert sum(fired) == 1
    assert len(office.engine.list_runs()) == 1
    again = office.schedules.get("default", "nightly")
    assert again.next_fire_at == schedule.next_fire_at + 86400
    office.clock.set(schedule.next_fire_at + 3 * 86400 + 5)  # type: ignore[attr-defined]
    assert office.schedules.fire_due() == 1  # missed slots fire once
    (event,) = list(office.events.events("default", type="tick"))[:1]
    assert event.meta is not None
    assert event.meta["missed_slots"] == 2
    latest = datetime.fromtimestamp(schedule.next_fire_at + 3 * 86400, UTC).isoformat().replace("+00:00", "Z")
    assert event.meta["slot"] == latest  # the most recent missed slot, not the oldest
    assert event.id == f"schedule:nightly:{latest}"


def test_bad_cron_or_time_zone_is_refused(office: Office) -> None:
    office.events.register_type("default", "tick", {"type": "object"}, actor="user:designer")
    with pytest.raises(RequestInvalid, match="is not a cron expression"):
        office.schedules.create("default", "x", "every day", "tick", actor="u")
    with pytest.raises(RequestInvalid, match="is not a time zone"):
        office.schedules.create("default", "x", "0 2 * * *", "tick", timezone="Mars/Olympus", actor="u")


PLAIN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_attachments_are_sniffed_and_pdfs_with_active_content_refused(office: Office) -> None:
    assert attachments.check("a.pdf", "application/pdf", PLAIN_PDF).content_type == "application/pdf"
    for body in (
        PLAIN_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        PLAIN_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /#4Caunch /F (cmd.exe) >>"),
        PLAIN_PDF.replace(
            b"trailer",
            b"2 0 obj << /Filter /FlateDecode >> stream\n"
            + zlib.compress(b"<< /S /JavaScript >>")
            + b"\nendstream endobj\ntrailer",
        ),
    ):
        with pytest.raises(attachments.AttachmentRefused, match="active content"):
            attachments.check("evil.pdf", "application/pdf", body)
    with pytest.raises(attachments.AttachmentRefused, match="declared image/png but the content is application/pdf"):
        attachments.check("x.png", "image/png", PLAIN_PDF)
    with pytest.raises(attachments.AttachmentRefused, match="more than the limit"):
        attachments.check("big.pdf", "application/pdf", PLAIN_PDF, max_size=10)
    with pytest.raises(attachments.AttachmentRefused, match="unrecognised content"):
        attachments.check("run.exe", "application/octet-stream", b"MZ\x90\x00binary")
    with office.store.transaction() as tx:
        row = attachments.store(
            tx, "default", "receipt.pdf", "application/pdf", PLAIN_PDF, source="test", now=office.now()
        )
    with office.store.read() as tx:
        stored = tx.get_file("default", row.id)
        assert tx.get_file("other-tenant", row.id) is None
    assert stored is not None
    assert stored[1] == PLAIN_PDF

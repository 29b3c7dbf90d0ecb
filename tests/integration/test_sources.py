"""Ingestion sources against the real NATS JetStream, Mosquitto and an SMTP client, on both backends:
acknowledgement after commit, deduplication by event id across redeliveries, crashes and parallel
consumers, poison handling, persistent MQTT sessions, e-mail with attachments, the command."""

from __future__ import annotations

import json
import smtplib
import sqlite3
import textwrap
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from officeflow import Office
from officeflow.errors import ConfigurationError
from officeflow.ingest.sources import Ingesting, Outcome, parse_config
from officeflow.ingest.sources.config import load_config, parse_size
from officeflow.ingest.sources.mail import html_text, parse_mail
from officeflow.ingest.sources.mqtt import InOrderAcks, default_event_id
from officeflow.ingest.sources.routing import check_mqtt_filter, check_nats_subject, mqtt_matches, nats_matches

from .sources_support import (
    KILL_ENV,
    MQTT_HOST,
    MQTT_PORT,
    NATS_URL,
    Jet,
    Process,
    mqtt_forget_session,
    mqtt_publish,
    officeflow_cli,
    unique,
    wait_until,
)

RECORD = textwrap.dedent("""
    name: record
    version: 1
    input: {type: object}
    steps:
      done: {kind: end, output: input}
""")
TYPES: dict[str, dict[str, Any]] = {
    "invoice.received": {
        "type": "object",
        "required": ["number", "amount"],
        "properties": {"number": {"type": "string"}, "amount": {"type": "number"}},
    },
    "sensor.reading": {
        "type": "object",
        "required": ["machine", "value"],
        "properties": {"machine": {"type": "string"}, "value": {"type": "number"}},
    },
    "receipt.mailed": {
        "type": "object",
        "required": ["subject", "from", "attachments"],
        "properties": {"attachments": {"type": "array", "minItems": 1}},
    },
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EVIL_PDF = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")


def prepare(office: Office, tenant: str = "default") -> Office:
    """A workflow that records its input, each event type, and a trigger per type."""
    office.engine.apply(RECORD, tenant=tenant)
    for name, schema in TYPES.items():
        office.events.register_type(tenant, name, schema, actor="test")
        office.events.save_trigger(
            tenant, {"name": f"on-{name}", "event_type": name, "workflow": "record"}, actor="test"
        )
    return office


def runs(office: Office, tenant: str = "default") -> int:
    with office.store.read() as tx:
        return sum(tx.count_runs_by_status(tenant).values())


def invoice(i: int) -> bytes:
    return json.dumps({"number": f"INV-{i}", "amount": i}).encode()


@pytest.fixture
def office(make_office: Any) -> Office:
    return prepare(make_office())


@pytest.fixture
def jet() -> Iterator[Jet]:
    stream = Jet()
    yield stream
    stream.delete()


def nats_section(jet: Jet, durable: str, **extra: Any) -> dict[str, Any]:
    return {
        "url": NATS_URL,
        "stream": jet.stream,
        "durable": durable,
        "ack_wait": "1s",
        "retry": {"initial_delay": "200ms", "max_delay": "1s"},
        "routes": [{"subject": f"{jet.prefix}.invoices.>", "type": "invoice.received"}],
        **extra,
    }


# Pure parts: patterns, config, mail, acknowledgement order


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("a.b.c", "a.b.c", True),
        ("a.*.c", "a.x.c", True),
        ("a.*.c", "a.x.y.c", False),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        ("a.b", "a.b.c", False),
    ],
)
def test_nats_subject_patterns_match_as_nats_defines_them(pattern: str, subject: str, expected: bool) -> None:
    assert nats_matches(check_nats_subject(pattern), subject) is expected


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("plant/+/temp", "plant/m1/temp", True),
        ("plant/+/temp", "plant/m1/x/temp", False),
        ("plant/#", "plant", True),
        ("plant/#", "plant/m1/temp", True),
        ("+/m1/temp", "plant/m1/temp", True),
        ("#", "$SYS/broker/load", False),
        ("plant/+", "plant/", True),
    ],
)
def test_mqtt_topic_filters_match_as_mqtt_defines_them(pattern: str, topic: str, expected: bool) -> None:
    assert mqtt_matches(check_mqtt_filter(pattern), topic) is expected


@pytest.mark.parametrize("bad", ["a.>.b", "a..b", "a.b*", "a b"])
def test_bad_nats_subjects_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"token|subject"):
        check_nats_subject(bad)


@pytest.mark.parametrize("bad", ["a/#/b", "a/b+", "$share/g/a"])
def test_bad_mqtt_filters_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"level|shared_group"):
        check_mqtt_filter(bad)


def test_a_bad_sources_file_names_each_problem_with_its_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        textwrap.dedent("""
        nats:
          stream: INVOICES
          durable: ingest
          ack_wiat: 30s
          routes:
            - {subject: "office.invoices.>", type: invoice.received, tenant: "acme corp"}
        mqtt:
          client_id: plant-ingest
          routes:
            - topic: "plant/#/temp"
              type: sensor.reading
            - topic: "plant/+/temp"
              type: sensor.reading
              event_id: "input.seq"
        smtp:
          max_message_size: lots
          recipients: {"not-an-address": {type: receipt.mailed}}
        """).lstrip()
    )
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    message = info.value.message
    assert f"{path}:4:3: nats.ack_wiat: unknown field; expected one of: name, url, credentials" in message
    assert f"{path}:6:70: nats.routes[0].tenant: String should match pattern" in message
    assert "(got 'acme corp')" in message
    assert f"{path}:10:14: mqtt.routes[0].topic: 'plant/#/temp': '#' may only be the last level" in message
    assert "mqtt.routes[1].event_id: `input.seq` reads input; it sees only `topic` and `data`" in message
    assert "smtp.max_message_size: 'lots' is not a size" in message
    assert "smtp.recipients: 'not-an-address' is not an e-mail address" in message
    with pytest.raises(ConfigurationError, match="no source configured"):
        parse_config({})
    path.write_text("nats: [\n")
    with pytest.raises(ConfigurationError, match="YAML syntax error"):
        load_config(path)


def test_sizes_read_as_people_write_them() -> None:
    assert [parse_size(v) for v in (1024, "512k", "25MB", "20MiB", "1.5 kb")] == [
        1024,
        512_000,
        25_000_000,
        20 * 1024 * 1024,
        1500,
    ]


def test_a_mail_becomes_event_data_with_its_attachments_apart() -> None:
    msg = EmailMessage()
    msg["From"] = "Ada Lovelace <ada@example.com>"
    msg["To"] = "receipts@acme.example, other@acme.example"
    msg["Subject"] = "Taxi  receipt"
    msg["Date"] = "Tue, 24 Nov 2026 09:30:00 +0100"
    msg["Message-ID"] = "<r-1@example.com>"
    msg.set_content("Hello")
    msg.add_alternative(
        "<html><head><style>p{}</style></head><body><p>Hello <b>there</b></p></body></html>", subtype="html"
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="../../receipt.pdf")
    msg.add_attachment(b"sig", maintype="application", subtype="pkcs7-signature", filename="smime.p7s")
    mail = parse_mail(msg.as_bytes(), mail_from="bounce@example.com")
    assert mail.event_id == "<r-1@example.com>"
    assert mail.data["from"] == "ada@example.com"
    assert mail.data["from_name"] == "Ada Lovelace"
    assert mail.data["to"] == ["receipts@acme.example", "other@acme.example"]
    assert mail.data["subject"] == "Taxi receipt"
    assert mail.data["date"] == "2026-11-24T08:30:00Z"
    assert mail.data["text"] == "Hello"
    assert mail.data["skipped_parts"] == ["smime.p7s"]
    assert [(a.name, a.content_type, a.content) for a in mail.attachments] == [("receipt.pdf", "application/pdf", PDF)]
    bare = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<p>Only <i>HTML</i></p><script>x()</script>"
    )
    plain = parse_mail(bare)
    assert plain.data["text"] == "Only HTML"
    assert plain.event_id.startswith("mail:")  # no Message-ID: a digest of the message
    assert html_text("<div>a</div><div>b<br>c</div>") == "a\n\nb\nc"


def test_mqtt_acknowledgements_go_out_in_the_order_the_messages_came() -> None:
    sent: list[int] = []
    acks = InOrderAcks(lambda mid, qos: sent.append(mid))
    first, second, third = (acks.received(m, 1) for m in (1, 2, 3))
    acks.done(third)
    acks.done(second)
    assert sent == []
    acks.done(first)
    assert sent == [1, 2, 3]
    assert len(acks) == 0


# NATS JetStream


def test_nats_200_messages_start_exactly_200_runs_and_poison_is_kept_and_not_redelivered(
    office: Office, jet: Jet
) -> None:
    durable = unique("d")
    messages = [("invoices.in", invoice(i), f"inv-{i}" if i % 2 else None) for i in range(200)]
    messages += [("invoices.in", b"not json", None), ("invoices.in", b'{"number": 7}', None)]
    seqs = jet.publish(messages)
    config = parse_config({"nats": nats_section(jet, durable, batch=32)})
    with Ingesting(office.events, config) as ingesting:
        stats = ingesting.stats["nats"]
        wait_until(lambda: stats.stored + stats.rejected == 202, "all messages settled")
        wait_until(lambda: jet.consumer(durable).num_ack_pending == 0, "no acknowledgement pending")
        time.sleep(1.3)  # longer than ack_wait: nothing comes back
        assert stats.as_dict() == {
            "received": 202,
            "stored": 200,
            "duplicate": 0,
            "rejected": 2,
            "retry": 0,
            "unrouted": 0,
        }
    assert runs(office) == 200
    ids = {e.id for e in office.events.events("default", limit=500)}
    assert "inv-1" in ids  # the publisher's Nats-Msg-Id
    assert f"nats:{jet.stream}:{seqs[0]}" in ids  # else stream and sequence
    rejects = office.events.rejects("default")
    assert sorted(r.reason["error"] for r in rejects) == ["payload", "schema"]
    info = jet.consumer(durable)
    assert info.num_redelivered == 0
    assert info.ack_floor is not None
    assert info.ack_floor.stream_seq == seqs[-1]


def test_nats_a_consumer_killed_after_commit_before_ack_gets_a_redelivery_that_starts_nothing_twice(
    office: Office, jet: Jet, db_url: str, tmp_path: Path, mqtt_client_id: str
) -> None:
    """The ingest process is SIGKILLed once its NATS and MQTT events committed and before either
    is acknowledged; a new process gets both again, finds them duplicates, and acknowledges them."""
    durable = unique("d")
    topic = f"{unique('oft')}/m1/temp"
    sources = {
        "nats": nats_section(jet, durable),
        "mqtt": {
            "host": MQTT_HOST,
            "port": MQTT_PORT,
            "client_id": mqtt_client_id,
            "routes": [{"topic": topic, "type": "sensor.reading"}],
        },
    }
    config = tmp_path / "sources.yaml"
    config.write_text(json.dumps(sources))
    process = Process(
        ["--database-url", db_url, "ingest", "--config", str(config), "--no-schedules"],
        tmp_path / "ingest.log",
        env={KILL_ENV: "nats,mqtt"},
    )
    try:
        process.wait_for_output("ingesting from mqtt")
        jet.publish([("invoices.in", invoice(i), None) for i in range(3)])
        wait_until(lambda: runs(office) == 3, "the NATS events committed (and held unacknowledged)")
        mqtt_publish([(topic, b'{"machine": "m1", "value": 71.5}')])
        assert process.proc.wait(20) == -9, process.output()
    finally:
        process.kill()
    committed = runs(office)
    assert committed == 4  # every event committed ...
    assert jet.consumer(durable).num_ack_pending == 3  # ... and none was acknowledged
    with Ingesting(office.events, parse_config(sources)) as ingesting:
        wait_until(lambda: ingesting.stats["nats"].duplicate == 3, "the NATS redeliveries")
        wait_until(lambda: ingesting.stats["mqtt"].duplicate == 1, "the MQTT redelivery")
        wait_until(lambda: jet.consumer(durable).num_ack_pending == 0, "the acknowledgements")
        assert ingesting.stats["nats"].stored == ingesting.stats["mqtt"].stored == 0
    assert runs(office) == 4
    (reading,) = office.events.events("default", type="sensor.reading")
    assert reading.meta == {"mqtt": {"topic": topic, "qos": 1, "retain": False, "dup": False}}


def test_nats_two_consumers_on_one_durable_share_the_stream_and_a_lapsed_ack_starts_nothing_twice(
    make_office: Any, jet: Jet
) -> None:
    """Two ingesters (two engines, like two processes) bind one durable consumer. The first one
    stalls after committing (longer than ack_wait), so its messages are delivered again; the
    redeliveries are duplicates and no run starts twice."""
    slow, fast = prepare(make_office()), make_office()
    real = slow.events.ingest
    stalled = threading.Semaphore(3)

    def stall_after_commit(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if stalled.acquire(blocking=False):
            time.sleep(1.5)
        return result

    slow.events.ingest = stall_after_commit  # type: ignore[method-assign]
    durable = unique("d")
    config = parse_config({"nats": nats_section(jet, durable, batch=5)})
    with Ingesting(slow.events, config) as first, Ingesting(fast.events, config) as second:
        a, b = first.stats["nats"], second.stats["nats"]
        jet.publish([("invoices.in", invoice(i), None) for i in range(100)])
        wait_until(lambda: runs(fast) == 100, "100 runs")
        wait_until(lambda: jet.consumer(durable).num_ack_pending == 0, "all acknowledged")
    assert a.received > 0
    assert b.received > 0
    assert a.stored + b.stored == 100
    assert a.duplicate + b.duplicate >= 3  # the stalled messages came again, to one or the other
    assert runs(fast) == 100
    with fast.store.read() as tx:
        assert tx.count_events("default", "invoice.received", None, None) == 100


def test_nats_a_transient_failure_is_naked_and_the_message_delivered_again(
    office: Office, jet: Jet, backend: str
) -> None:
    """The database refuses the first two attempts: the message is naked with a delay, JetStream
    delivers it again, and the third delivery commits (its event records delivery 3)."""
    real = office.events.ingest
    failures = iter(range(2))
    down = (
        sqlite3.OperationalError("unable to open database file")
        if backend == "sqlite"
        else (psycopg.OperationalError("connection refused"))
    )

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if next(failures, None) is not None:
            raise down
        return real(*args, **kwargs)

    office.events.ingest = flaky  # type: ignore[method-assign]
    durable = unique("d")
    (seq,) = jet.publish([("invoices.in", invoice(1), None)])
    started = time.monotonic()
    with Ingesting(office.events, parse_config({"nats": nats_section(jet, durable)})) as ingesting:
        stats = ingesting.stats["nats"]
        wait_until(lambda: stats.stored == 1, "the event")
    assert time.monotonic() - started >= 0.3  # two naks with delays (0.2s, then 0.4s, +/- 20%)
    assert stats.retry == 2
    event = office.events.event("default", f"nats:{jet.stream}:{seq}")
    assert event.meta is not None
    assert event.meta["nats"]["delivered"] == 3
    assert runs(office) == 1


def test_a_source_that_cannot_start_says_why(office: Office) -> None:
    route = [{"subject": "x.>", "type": "invoice.received"}]
    missing = parse_config({"nats": {"url": NATS_URL, "stream": unique("NOPE"), "durable": "d", "routes": route}})
    with pytest.raises(ConfigurationError, match=r"nats: no JetStream stream 'NOPE.*' on nats://"):
        Ingesting(office.events, missing).start()
    closed = parse_config(
        {
            "nats": {
                "url": "nats://127.0.0.1:1",
                "stream": "S",
                "durable": "d",
                "routes": route,
                "connect_timeout": "300ms",
            }
        }
    )
    with pytest.raises(ConfigurationError, match=r"nats: cannot connect to NATS at nats://127.0.0.1:1 within 0.3s"):
        Ingesting(office.events, closed).start()
    nobody = parse_config(
        {"mqtt": {"port": 1, "client_id": "x", "routes": [{"topic": "a/#", "type": "sensor.reading"}]}}
    )
    with pytest.raises(ConfigurationError, match=r"mqtt: cannot connect to MQTT at 127.0.0.1:1"):
        Ingesting(office.events, nobody).start()


def test_every_setting_of_the_sources_file_is_documented() -> None:
    from officeflow.ingest.sources.config import MqttConfig, NatsConfig, Retry, SmtpConfig

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ingestion-sources.md").read_text()
    for model in (NatsConfig, MqttConfig, SmtpConfig):
        for field in model.model_fields:
            assert f"`{field}`" in doc or f"`{field}." in doc, f"{model.__name__}.{field} is not documented"
    for field in Retry.model_fields:
        assert f"`retry.{field}`" in doc or f"`retry.{field}`, " in doc or f"retry.{field}" in doc


# MQTT


@pytest.fixture
def mqtt_client_id() -> Iterator[str]:
    client_id = unique("oft-ingest-")
    yield client_id
    mqtt_forget_session(client_id)


def mqtt_section(client_id: str, prefix: str) -> dict[str, Any]:
    return {
        "host": MQTT_HOST,
        "port": MQTT_PORT,
        "client_id": client_id,
        "session_expiry": "5m",
        "routes": [
            {"topic": f"{prefix}/+/telemetry", "type": "sensor.reading"},
            {"topic": f"{prefix}/+/counter", "type": "sensor.reading", "event_id": "topic + '#' + string(data.seq)"},
        ],
    }


def test_mqtt_readings_become_events_identical_ones_collapse_and_cel_ids_keep_them_apart(
    office: Office, mqtt_client_id: str
) -> None:
    prefix = unique("oft")
    config = parse_config({"mqtt": mqtt_section(mqtt_client_id, prefix)})
    reading = b'{"machine": "m1", "value": 71.5}'
    with Ingesting(office.events, config) as ingesting:
        mqtt_publish(
            [
                (f"{prefix}/m1/telemetry", reading),
                (f"{prefix}/m1/telemetry", reading),  # the same reading again: one event
                (f"{prefix}/m1/telemetry", b'{"machine": "m1", "value": 72.0}'),
                (f"{prefix}/m2/counter", b'{"machine": "m2", "value": 1, "seq": 1}'),
                (f"{prefix}/m2/counter", b'{"machine": "m2", "value": 1, "seq": 2}'),  # same value, new seq
                (f"{prefix}/m2/counter", b'{"machine": "m2", "value": 1, "seq": 2}'),
                (f"{prefix}/m3/telemetry", b"71.5 C"),  # not JSON
                (f"{prefix}/m3/telemetry", b'{"machine": "m3"}'),  # no value
            ]
        )
        stats = ingesting.stats["mqtt"]
        wait_until(lambda: stats.received == 8 and stats.stored + stats.duplicate + stats.rejected == 8, "8 settled")
    assert (stats.stored, stats.duplicate, stats.rejected) == (4, 2, 2)
    assert runs(office) == 4
    ids = {e.id for e in office.events.events("default", type="sensor.reading")}
    assert default_event_id(f"{prefix}/m1/telemetry", reading) in ids
    assert {f"{prefix}/m2/counter#1", f"{prefix}/m2/counter#2"} <= ids
    assert sorted(r.reason["error"] for r in office.events.rejects("default")) == ["payload", "schema"]


def test_mqtt_what_is_published_while_the_ingester_is_down_arrives_when_it_returns(
    office: Office, mqtt_client_id: str
) -> None:
    prefix = unique("oft")
    config = parse_config({"mqtt": mqtt_section(mqtt_client_id, prefix)})
    with Ingesting(office.events, config):
        pass  # the session and its subscription now exist on the broker
    mqtt_publish([(f"{prefix}/m{i}/telemetry", f'{{"machine": "m{i}", "value": {i}}}'.encode()) for i in range(5)])
    with Ingesting(office.events, config) as ingesting:
        wait_until(lambda: ingesting.stats["mqtt"].stored == 5, "the 5 queued readings")
    assert runs(office) == 5


def test_mqtt_two_ingesters_in_a_shared_subscription_split_the_readings(make_office: Any) -> None:
    prefix = unique("oft")
    one, two = prepare(make_office()), make_office()
    ids = [unique("oft-ingest-") for _ in range(2)]
    sections = [{**mqtt_section(client_id, prefix), "shared_group": unique("g")} for client_id in ids]
    sections[1]["shared_group"] = sections[0]["shared_group"]
    try:
        with (
            Ingesting(one.events, parse_config({"mqtt": sections[0]})) as a,
            Ingesting(two.events, parse_config({"mqtt": sections[1]})) as b,
        ):
            mqtt_publish(
                [(f"{prefix}/m{i}/telemetry", f'{{"machine": "m{i}", "value": 1}}'.encode()) for i in range(20)]
            )
            wait_until(lambda: runs(one) == 20, "20 runs")
            first, second = a.stats["mqtt"], b.stats["mqtt"]
        assert first.stored > 0
        assert second.stored > 0
        assert first.stored + second.stored == 20
    finally:
        for client_id in ids:
            mqtt_forget_session(client_id)


# SMTP


@pytest.fixture
def mailroom(make_office: Any) -> Iterator[tuple[Office, Ingesting, int]]:
    office = prepare(make_office(), tenant="acme")
    config = parse_config(
        {
            "smtp": {
                "port": 0,
                "max_message_size": "64KiB",
                "recipients": {"Receipts@Acme.Example": {"tenant": "acme", "type": "receipt.mailed"}},
            }
        }
    )
    with Ingesting(office.events, config) as ingesting:
        port = ingesting.sources[0].port  # type: ignore[attr-defined]
        yield office, ingesting, port


def receipt_mail(message_id: str, attachment: bytes = PDF, name: str = "receipt.pdf") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ada <ada@example.com>"
    msg["To"] = "receipts@acme.example"
    msg["Subject"] = "Taxi receipt"
    msg["Date"] = "Tue, 24 Nov 2026 09:30:00 +0000"
    msg["Message-ID"] = message_id
    msg.set_content("Taxi to the airport, 42.50 EUR.")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename=name)
    return msg


def test_smtp_a_receipt_mail_becomes_an_event_with_its_pdf_stored_and_a_resend_starts_nothing(
    mailroom: tuple[Office, Ingesting, int],
) -> None:
    office, ingesting, port = mailroom
    mail = receipt_mail("<taxi-1@example.com>")
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.send_message(mail) == {}
        assert client.send_message(mail) == {}  # sent again
    event = office.events.event("acme", "<taxi-1@example.com>")
    assert event.type == "receipt.mailed"
    assert event.source == "smtp"
    assert event.subject == "Taxi receipt"
    data = event.payload
    assert (data["from"], data["to"], data["date"]) == (
        "ada@example.com",
        ["receipts@acme.example"],
        "2026-11-24T09:30:00Z",
    )
    assert data["text"] == "Taxi to the airport, 42.50 EUR."
    assert data["message_id"] == "<taxi-1@example.com>"
    (attachment,) = data["attachments"]
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "receipt.pdf",
        "application/pdf",
        len(PDF),
    )
    with office.store.read() as tx:
        stored = tx.get_file("acme", attachment["id"])
    assert stored is not None
    assert stored[1] == PDF
    assert runs(office, "acme") == 1
    assert ingesting.stats["smtp"].as_dict() == {
        "received": 2,
        "stored": 1,
        "duplicate": 1,
        "rejected": 0,
        "retry": 0,
        "unrouted": 0,
    }


def test_smtp_refuses_active_pdfs_unknown_recipients_and_oversized_mail_with_the_right_codes(
    mailroom: tuple[Office, Ingesting, int],
) -> None:
    office, _, port = mailroom
    with smtplib.SMTP("127.0.0.1", port) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(receipt_mail("<evil@example.com>", EVIL_PDF, "invoice.pdf"))
        assert refused.value.smtp_code == 550
        assert b"5.7.1 attachment refused: invoice.pdf: the PDF has active content (/JavaScript" in (
            refused.value.smtp_error
        )
        with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
            client.sendmail("ada@example.com", ["nobody@acme.example"], receipt_mail("<n@x>").as_bytes())
        assert unknown.value.recipients["nobody@acme.example"][0] == 550
        assert b"5.1.1" in unknown.value.recipients["nobody@acme.example"][1]
        big = receipt_mail("<big@example.com>", PDF + b"%" + b"x" * 70_000)
        with pytest.raises(smtplib.SMTPSenderRefused) as announced:  # SIZE= in MAIL FROM
            client.send_message(big)
        assert announced.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", port) as client:  # no SIZE announced: refused at the end of DATA
        client.ehlo()
        assert client.mail("ada@example.com")[0] == 250
        assert client.rcpt("receipts@acme.example")[0] == 250
        assert client.data(big.as_bytes(policy=big.policy.clone(linesep="\r\n")))[0] == 552
    (reject,) = office.events.rejects("acme")
    assert reject.reason["error"] == "attachment"
    assert reject.reason["event_id"] == "<evil@example.com>"
    assert runs(office, "acme") == 0


# The command


def test_the_ingest_command_stops_on_sigterm_after_settling_every_message_in_hand(
    office: Office, jet: Jet, db_url: str, tmp_path: Path
) -> None:
    """SIGTERM while messages are being ingested: the process stops fetching, finishes what it
    holds, acknowledges each committed event, and exits 0; every delivered message is then
    acknowledged and started exactly one run."""
    durable = unique("d")
    config = tmp_path / "sources.yaml"
    config.write_text(
        json.dumps(
            {
                "nats": nats_section(jet, durable, batch=16),
                "smtp": {"port": 0, "recipients": {"receipts@acme.example": {"type": "receipt.mailed"}}},
            }
        )
    )
    process = Process(
        ["ingest"],
        tmp_path / "ingest.log",
        env={"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_INGEST_CONFIG": str(config)},
    )
    try:
        process.wait_for_output("ingesting from smtp")
        jet.publish([("invoices.in", invoice(i), None) for i in range(400)])
        wait_until(lambda: runs(office) >= 20, "the first runs")
        assert process.stop() == 0, process.output()
    finally:
        process.kill()
    info = wait_until(lambda: (i := jet.consumer(durable)).num_ack_pending == 0 and i, "no acknowledgement pending")
    delivered = info.delivered.stream_seq
    assert info.ack_floor.stream_seq == delivered  # everything delivered was acknowledged
    assert runs(office) == delivered  # ... after its event committed, once
    output = process.output()
    assert f"nats stopped: {delivered} received, {delivered} stored" in output
    assert "smtp stopped: 0 received" in output


def test_the_ingest_command_checks_a_sources_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("smtp:\n  port: 2525\n  recipients: {a@b.example: {type: receipt.mailed}}\n")
    bad.write_text("smtp:\n  port: 99999\n  recipients: {a@b.example: {type: receipt.mailed}}\n")
    runner = CliRunner()
    result = runner.invoke(officeflow_cli(), ["ingest", "--check"], env={"OFFICEFLOW_INGEST_CONFIG": str(good)})
    assert result.exit_code == 0, result.output
    assert "smtp: SMTP on 127.0.0.1:2525, 1 recipient(s)" in result.output
    result = runner.invoke(officeflow_cli(), ["ingest", "--check", "--config", str(bad)])
    assert result.exit_code == 7
    assert "bad.yaml:2:9: smtp.port: Input should be less than or equal to 65535 (got 99999)" in result.output
    help_text = runner.invoke(officeflow_cli(), ["ingest", "--help"]).output
    for env in ("OFFICEFLOW_INGEST_CONFIG", "OFFICEFLOW_INGEST_CHECK", "OFFICEFLOW_INGEST_SCHEDULES"):
        assert env in help_text


def test_outcomes_are_the_four_documented_ones() -> None:
    assert [o.value for o in Outcome] == ["stored", "duplicate", "rejected", "retry"]

"""Bad input at the SMTP intake (both backends, a real aiosmtpd server, smtplib as the sender):
oversized messages, many attachments, hostile PDFs and malformed MIME each get a precise
refusal (the code and the reason), leave nothing half stored (no file, no event; the refusal is
kept where it can be), and lose nothing that was accepted."""

from __future__ import annotations

import base64
import smtplib
import zlib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from officeflow import Office
from officeflow.ingest.sources import Ingesting, parse_config

from .test_sources import PDF, prepare, receipt_mail, runs

MAX_ATTACHMENTS = 5


@pytest.fixture
def intake(make_office: Any) -> Iterator[tuple[Office, int]]:
    office = prepare(make_office(), tenant="acme")
    config = parse_config(
        {
            "smtp": {
                "port": 0,
                "max_message_size": "1MiB",
                "max_attachments": MAX_ATTACHMENTS,
                "recipients": {"receipts@acme.example": {"tenant": "acme", "type": "receipt.mailed"}},
            }
        }
    )
    with Ingesting(office.events, config) as ingesting:
        yield office, ingesting.sources[0].port  # type: ignore[attr-defined]


def stored_files(office: Office) -> int:
    with office.store.read() as tx:
        row = tx._one("SELECT COUNT(*) FROM of_files")
    assert row is not None
    return int(row[0])


def send_raw(port: int, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        assert client.mail("ada@example.com")[0] == 250
        assert client.rcpt("receipts@acme.example")[0] == 250
        return client.data(raw)


def with_attachments(message_id: str, count: int) -> EmailMessage:
    mail = receipt_mail(message_id)
    for i in range(1, count):
        mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"page-{i}.pdf")
    return mail


def lines(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))


def assert_nothing_stored(office: Office) -> None:
    assert stored_files(office) == 0
    assert office.events.events("acme") == []
    assert runs(office, "acme") == 0


def test_an_oversized_message_is_refused_and_the_next_one_taken(intake: tuple[Office, int]) -> None:
    office, port = intake
    big = receipt_mail("<big@example.com>", PDF + b"%" + b"x" * 1_100_000)
    code, reply = send_raw(port, lines(big))
    assert (code, reply) == (552, b"5.3.4 message too big: the limit is 1048576 bytes")
    assert_nothing_stored(office)
    code, _ = send_raw(port, lines(receipt_mail("<after-big@example.com>")))
    assert code == 250
    assert [e.id for e in office.events.events("acme")] == ["<after-big@example.com>"]


def test_too_many_attachments_are_refused_and_the_limit_itself_is_taken_whole(intake: tuple[Office, int]) -> None:
    office, port = intake
    code, reply = send_raw(port, lines(with_attachments("<many@example.com>", MAX_ATTACHMENTS + 1)))
    assert code == 552
    assert reply.startswith(b"5.3.4 too many attachments: 6 (at most 5)")
    assert_nothing_stored(office)
    (reject,) = office.events.rejects("acme")
    assert (reject.reason["error"], reject.reason["message"]) == ("attachments", "6 attachments (at most 5)")
    assert reject.reason["event_id"] == "<many@example.com>"
    code, _ = send_raw(port, lines(with_attachments("<five@example.com>", MAX_ATTACHMENTS)))
    assert code == 250
    event = office.events.event("acme", "<five@example.com>")
    assert len(event.payload["attachments"]) == MAX_ATTACHMENTS
    assert stored_files(office) == MAX_ATTACHMENTS


def hostile(name: str) -> bytes:
    stream = b"<< /Type /Action /S /JavaScript /JS (app.launchURL('x')) >>"
    return {
        "launch": PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >>"),
        "escaped": PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Java#53cript >>"),
        "compressed": PDF.replace(
            b"trailer",
            b"2 0 obj << /Filter /FlateDecode >>\nstream\n" + zlib.compress(stream) + b"\nendstream\nendobj\ntrailer",
        ),
        "bomb": PDF.replace(
            b"trailer",
            b"2 0 obj << /Filter /FlateDecode >>\nstream\n"
            + zlib.compress(b"\0" * (80 * 1024 * 1024), 9)
            + b"\nendstream\nendobj\ntrailer",
        ),
        "not-a-pdf": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    }[name]


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("launch", b"the PDF has active content (/Launch)"),
        ("escaped", b"the PDF has active content (/JavaScript)"),
        ("compressed", b"the PDF has active content (/JavaScript, /JS)"),
        ("bomb", b"the PDF has active content (compressed streams larger than the inspection limit)"),
        ("not-a-pdf", b"declared application/pdf but the content is image/png"),
    ],
)
def test_hostile_pdfs_refuse_the_message_with_the_reason(intake: tuple[Office, int], kind: str, why: bytes) -> None:
    office, port = intake
    code, reply = send_raw(port, lines(receipt_mail(f"<{kind}@example.com>", hostile(kind), "invoice.pdf")))
    assert code == 550
    assert reply.startswith(b"5.7.1 attachment refused: invoice.pdf: " + why)
    assert_nothing_stored(office)
    (reject,) = office.events.rejects("acme")
    assert reject.reason["error"] == "attachment"


def multipart(body: bytes) -> bytes:
    head = (
        b"From: ada@example.com\r\nTo: receipts@acme.example\r\nSubject: Receipt\r\n"
        b"Message-ID: <mime@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    )
    return head + body


PART = b'--XX\r\nContent-Type: text/plain\r\n\r\nTaxi.\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="r.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'


@pytest.mark.parametrize(
    ("kind", "raw", "why"),
    [
        (
            "truncated",
            multipart(PART + base64.encodebytes(PDF)[:40]),
            b"5.6.0 the message is damaged: the multipart body ends without its closing boundary",
        ),
        (
            "bad base64",
            multipart(PART + b"JVBERi0xLjQK!!!*** not base64 ***\r\n--XX--\r\n"),
            b"5.6.0 the message is damaged: attachment r.pdf: its base64 is not valid",
        ),
        (
            "no boundary",
            multipart(b"just text, no parts\r\n"),
            b"5.6.0 the message is damaged: the multipart body has no part",
        ),
    ],
)
def test_malformed_mime_is_refused_rather_than_stored_damaged(
    intake: tuple[Office, int], kind: str, raw: bytes, why: bytes
) -> None:
    office, port = intake
    code, reply = send_raw(port, raw)
    assert (code, reply[: len(why)]) == (554, why), kind
    assert_nothing_stored(office)
    (reject,) = office.events.rejects("acme")
    assert reject.reason["error"] == "damaged"


def test_nul_bytes_and_binary_garbage_in_the_text_are_taken_not_retried_forever(intake: tuple[Office, int]) -> None:
    """A body with NUL bytes and bytes that are no UTF-8 is accepted once (the text as JSON
    escapes), not answered 451 for the sender to retry forever."""
    office, port = intake
    raw = lines(receipt_mail("<nul@example.com>")).replace(
        b"Taxi to the airport, 42.50 EUR.", b"Taxi\x00 to the airport, 42.50 EUR. \xff\xfe"
    )
    code, reply = send_raw(port, raw)
    assert code == 250, reply
    text = office.events.event("acme", "<nul@example.com>").payload["text"]
    assert text.startswith("Taxi\x00 to the airport, 42.50 EUR.")

"""Task notifications leave through the outbox: e-mail to a real local SMTP server, signed
webhooks to a real local HTTP server; failures are retried with backoff, never lost."""

from __future__ import annotations

import socket
import textwrap
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from officeflow import FakeClock, Office
from officeflow.security import webhooks
from officeflow.tasks.notify import Notifier

WF = textwrap.dedent("""
    name: approval
    version: 1
    steps:
      decide:
        kind: human
        subject: "'Approve order ' + input.order"
        assign: {group: buyers}
        outcomes: {approve: {}}
        notify: {email: true, webhook: "http://127.0.0.1:{port}/hooks", secret: task-hooks}
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
def hooks() -> Iterator[tuple[int, list[tuple[dict[str, str], bytes]], list[int]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    answers: list[int] = []  # statuses to answer with, in turn (then 204)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(answers.pop(0) if answers else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received, answers
    server.shutdown()
    server.server_close()


def setup(office: Office, hook_port: int) -> str:
    secret = webhooks.new_secret()
    office.store.run(
        lambda tx: tx.put_secret("default", "task-hooks", office.secrets.box.seal(secret), None, office.now(), "t")
    )
    office.directory.put_group("default", "buyers", ["ann", "ben"], actor="t")
    office.directory.put_person("default", "ann", actor="t", email="ann@example.com")
    office.directory.put_person("default", "ben", actor="t", email="ben@example.com")
    office.engine.apply(WF.replace("{port}", str(hook_port)))
    return secret


def test_assignment_mails_the_group_and_calls_the_signed_webhook(
    make_office: Any, smtp: tuple[int, Mailbox], hooks: Any
) -> None:
    office: Office = make_office()
    smtp_port, mailbox = smtp
    hook_port, received, _ = hooks
    secret = setup(office, hook_port)
    run = office.engine.start("approval", {"order": "PO-17"})
    notifier = Notifier(
        office.engine, smtp_url=f"smtp://127.0.0.1:{smtp_port}", mail_from="flow@example.com", http_allow=["127.0.0.1"]
    )
    assert notifier.send_due() == 3
    assert sorted(rcpt[0] for rcpt, _ in mailbox.messages) == ["ann@example.com", "ben@example.com"]
    _, mail = mailbox.messages[0]
    assert mail["Subject"] == "New task: Approve order PO-17"
    assert mail["From"] == "flow@example.com"
    assert "/tasks/" in mail.get_payload()
    (headers, body) = received[0]
    assert webhooks.verify(secret, body, headers)  # the message id
    assert b'"type":"task.assigned"' in body
    assert run.id.encode() in body
    with office.store.read() as tx:
        assert {r.status for r in tx.list_outbox("default")} == {"sent"}
    assert notifier.send_due() == 0


def test_a_failed_delivery_is_retried_later_and_then_sent(make_office: Any, smtp: Any, hooks: Any) -> None:
    clock = FakeClock()
    office: Office = make_office(clock=clock)
    hook_port, received, answers = hooks
    setup(office, hook_port)
    answers.append(503)
    office.engine.start("approval", {"order": "PO-18"})
    notifier = Notifier(office.engine, smtp_url=None, mail_from="x@example.com", http_allow=["127.0.0.1"])
    assert notifier.send_due() == 3  # two mails without an SMTP server, one webhook answered 503
    with office.store.read() as tx:
        rows = tx.list_outbox("default")
    assert {r.status for r in rows} == {"pending"}
    assert {r.error for r in rows if r.channel == "webhook"} == {"RuntimeError: the receiver answered 503"}
    assert {r.error for r in rows if r.channel == "email"} == {
        "RuntimeError: no SMTP server configured (OFFICEFLOW_SMTP_URL)"
    }
    assert notifier.send_due() == 0  # not yet due again
    clock.advance(10)
    assert notifier.send_due() == 3
    assert len(received) == 2
    with office.store.read() as tx:
        webhook = next(r for r in tx.list_outbox("default") if r.channel == "webhook")
    assert (webhook.status, webhook.attempts) == ("sent", 2)


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(make_office: Any, hooks: Any) -> None:
    office: Office = make_office()
    hook_port, received, _ = hooks
    setup(office, hook_port)
    office.engine.start("approval", {"order": "PO-19"})
    Notifier(office.engine, smtp_url=None, mail_from="x@example.com").send_due()
    assert received == []
    with office.store.read() as tx:
        webhook = next(r for r in tx.list_outbox("default") if r.channel == "webhook")
    assert webhook.error is not None
    assert "127.0.0.1" in webhook.error
    assert "OFFICEFLOW_HTTP_ALLOW" in webhook.error

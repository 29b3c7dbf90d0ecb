"""SMTP: an e-mail receiver (aiosmtpd) whose messages become events with their attachments stored.

- ``RCPT TO`` an address not in the config: ``550 5.1.1``. A message over ``max_message_size``:
  ``552 5.3.4`` with the limit (also when announced with ``MAIL FROM ... SIZE=``); more than
  ``max_attachments`` attachments: ``552 5.3.4``, kept as a reject.
- A message whose MIME structure lost or cut parts (no part, no closing boundary) or whose
  attachment's base64 is broken: ``554 5.6.0 the message is damaged: ...``, kept as a reject,
  rather than stored with a part missing or corrupted.
- The event id is the Message-ID, so the same message sent again is a duplicate: its attachments
  are not stored again and nothing new starts.
- One event per tenant: when several recipients of a message belong to one tenant, the first of
  them (in ``RCPT TO`` order) gives the event type; ``data.recipients`` lists them all.
- A refused attachment (active PDF, type not accepted, too large, content not what it claims)
  refuses the whole message with ``550 5.7.1`` and the reason, and the refusal is kept as a
  reject. Why not accept it without the attachment: a receipt or an invoice without its document
  would start a workflow on missing evidence, and the sender would never learn it; a bounce tells
  the sender what to fix, and nothing half-done is stored.
- An event refused by its type (schema mismatch, unknown type): ``554 5.6.0``, kept as a reject.
- A transient failure (the database down): ``451 4.3.0``, so the sending server tries again later.
- ``250`` is answered only after the event committed. Attachments are stored (in one transaction)
  just before the event; if the event then fails, they remain unreferenced until deleted.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from officeflow.errors import NotFound, StoreUnavailable
from officeflow.ingest import files
from officeflow.ingest.sources.config import Recipient, SmtpConfig
from officeflow.ingest.sources.delivery import Message, Outcome, Stats, deliver, refuse
from officeflow.ingest.sources.mail import Mail, parse_mail
from officeflow.store.tx import Tx

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")
DRAIN = 30.0
"""Seconds a stop waits for messages being ingested."""
TEMPORARY = "451 4.3.0 temporary failure; please try again later"


def _line(text: str, limit: int = 400) -> str:
    """One SMTP reply line: no line breaks, not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class SmtpSource:
    """Listens on ``host:port`` until stopped; each accepted message is ingested before ``250``."""

    def __init__(self, events: Ingestor, config: SmtpConfig) -> None:
        self.events = events
        self.config = config
        self.name = config.name
        self.stats = Stats()
        self.port: int | None = None
        """The port listened on (useful with ``port: 0`` in tests)."""
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._busy = 0
        self._idle = asyncio.Event()
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        c = self.config
        loop = asyncio.get_running_loop()
        self._idle.set()

        def protocol() -> SMTP:
            smtp = _Smtp(
                _Handler(self),
                data_size_limit=c.max_message_size,
                enable_SMTPUTF8=True,
                hostname=c.hostname,
                ident="officeflow",
                loop=loop,
            )
            self._sessions.add(smtp)
            return smtp

        with ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"ingest-{c.name}") as pool:
            self._pool = pool
            server = await loop.create_server(protocol, c.host, c.port)
            try:
                self.port = server.sockets[0].getsockname()[1]
                log.info("listening for mail", source=c.name, host=c.host, port=self.port)
                ready.set()
                await stop.wait()
            finally:
                server.close()
                try:
                    await asyncio.wait_for(self._idle.wait(), DRAIN)
                except TimeoutError:
                    log.warning("messages still being ingested at stop", source=c.name, busy=self._busy)
                for session in list(self._sessions):
                    if session.transport is not None:
                        session.transport.close()
                await server.wait_closed()

    async def accept(self, envelope: Envelope) -> str:
        """The reply to ``DATA``, once the message is stored, refused, or found transiently impossible."""
        self._busy += 1
        self._idle.clear()
        try:
            raw = envelope.original_content or b""
            if isinstance(raw, str):
                raw = raw.encode()
            work = functools.partial(self._accept, raw, envelope.mail_from, list(envelope.rcpt_tos))
            assert self._pool is not None
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    def route(self, address: str) -> Recipient | None:
        return self.config.recipients.get(address.strip().lower())

    def _accept(self, raw: bytes, mail_from: str | None, recipients: list[str]) -> str:
        self.stats.count("received")
        try:
            return self._accept_parsed(raw, mail_from, recipients)
        except Exception as exc:  # a bug, not the sender's fault: let the sending server try again
            log.exception("accepting a message failed", source=self.name, error=repr(exc))
            self.stats.count(Outcome.RETRY)
            return TEMPORARY

    def _accept_parsed(self, raw: bytes, mail_from: str | None, recipients: list[str]) -> str:
        try:
            mail = parse_mail(raw, mail_from=mail_from, max_text=self.config.max_text)
        except Exception as exc:
            log.warning("unreadable message refused", source=self.name, error=repr(exc))
            self.stats.count(Outcome.REJECTED)
            return "554 5.6.0 the message could not be read"
        tenants: dict[str, tuple[Recipient, list[str]]] = {}
        for address in recipients:
            route = self.route(address)
            if route is not None:
                tenants.setdefault(route.tenant, (route, []))[1].append(address)
        if mail.damage:
            why = "; ".join(mail.damage)
            return self._refuse(mail, tenants, "damaged", why, f"554 5.6.0 the message is damaged: {why}")
        count, most = len(mail.attachments), self.config.max_attachments
        if count > most:
            why = f"{count} attachments (at most {most})"
            return self._refuse(
                mail, tenants, "attachments", why, f"552 5.3.4 too many attachments: {count} (at most {most})"
            )
        refused = self._check_attachments(mail)
        if refused:
            why = "; ".join(refused)
            return self._refuse(mail, tenants, "attachment", why, f"550 5.7.1 attachment refused: {why}")
        permanent: list[str] = []
        for tenant, (route, addresses) in tenants.items():
            reply = self._ingest(mail, tenant, route, addresses)
            if reply is None:
                continue
            if reply.startswith("4"):
                return reply  # transient: the sender tries again; what committed dedupes then
            permanent.append(reply)
        if permanent:
            return permanent[0]
        return f"250 2.0.0 OK: queued as {_line(mail.event_id, 200)}"

    def _check_attachments(self, mail: Mail) -> list[str]:
        refused = []
        for a in mail.attachments:
            try:
                files.check(a.name, a.content_type, a.content, max_size=self.config.max_attachment_size)
            except files.AttachmentRefused as exc:
                refused.append(exc.message)
        return refused

    def _refuse(
        self, mail: Mail, tenants: dict[str, tuple[Recipient, list[str]]], error: str, why: str, reply: str
    ) -> str:
        """Keep the refused message as a reject of each tenant (its attachments listed, not stored)
        and answer ``reply``; 451 when the reject cannot be kept now (the sender tries again)."""
        summary = [{"name": a.name, "content_type": a.content_type, "size": len(a.content)} for a in mail.attachments]
        for tenant, (route, addresses) in tenants.items():
            message = self._message(mail, tenant, route, {**mail.data, "recipients": addresses, "attachments": summary})
            attempt = refuse(self.events, message, {"error": error, "message": why})
            if attempt.outcome == Outcome.RETRY:
                self.stats.count(Outcome.RETRY)
                return TEMPORARY
        self.stats.count(Outcome.REJECTED)
        return _line(reply)

    def _ingest(self, mail: Mail, tenant: str, route: Recipient, addresses: list[str]) -> str | None:
        """None when the tenant has the event (now or from before); else the SMTP reply that says why not."""
        try:
            self.events.event(tenant, mail.event_id)
        except NotFound:
            pass
        except StoreUnavailable:  # logged once per outage by the store
            self.stats.count(Outcome.RETRY)
            return TEMPORARY
        except Exception as exc:
            log.warning("cannot look up the message; asking to retry", source=self.name, error=repr(exc))
            self.stats.count(Outcome.RETRY)
            return TEMPORARY
        else:
            self.stats.count(Outcome.DUPLICATE)  # sent again: store no attachment twice
            return None
        try:
            stored = self.events.store.run(functools.partial(self._store_files, mail=mail, tenant=tenant))
        except StoreUnavailable:
            self.stats.count(Outcome.RETRY)
            return TEMPORARY
        except Exception as exc:
            log.warning("cannot store attachments; asking to retry", source=self.name, error=repr(exc))
            self.stats.count(Outcome.RETRY)
            return TEMPORARY
        data = {**mail.data, "recipients": addresses, "attachments": stored}
        attempt = deliver(self.events, self._message(mail, tenant, route, data))
        self.stats.count(attempt.outcome)
        if attempt.outcome == Outcome.RETRY:
            return TEMPORARY
        if attempt.outcome == Outcome.REJECTED:
            return _line(f"554 5.6.0 refused as '{route.type}': {attempt.reason}")
        return None

    def _store_files(self, tx: Tx, *, mail: Mail, tenant: str) -> list[dict[str, Any]]:
        out = []
        for a in mail.attachments:
            row = files.store(
                tx,
                tenant,
                a.name,
                a.content_type,
                a.content,
                source="smtp",
                now=self.events.engine.now(),
                max_size=self.config.max_attachment_size,
            )
            out.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "content_type": row.content_type,
                    "size": row.size,
                    "sha256": row.sha256,
                }
            )
        return out

    def _message(self, mail: Mail, tenant: str, route: Recipient, data: dict[str, Any]) -> Message:
        meta = {"smtp": {"mail_from": mail.data.get("mail_from"), "recipients": data.get("recipients", [])}}
        subject = (mail.data.get("subject") or "")[:200] or None
        return Message(
            tenant=tenant, type=route.type, data=data, event_id=mail.event_id, source="smtp", subject=subject, meta=meta
        )


class _Smtp(SMTP):
    """aiosmtpd's session, its size refusals said precisely (with the enhanced status code)."""

    async def push(self, status: Any) -> None:
        if isinstance(status, str) and status.startswith("552 Error: "):
            limit = f"the limit is {self.data_size_limit} bytes"
            if "Too much mail data" in status:
                status = f"552 5.3.4 message too big: {limit}"
            else:
                status = f"552 5.3.4 message too big: the announced SIZE is over {limit}"
        await super().push(status)


class _Handler:
    """aiosmtpd's hooks: refuse unknown recipients at once; ingest at the end of ``DATA``."""

    def __init__(self, source: SmtpSource) -> None:
        self.source = source

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.source.route(address) is None:
            log.info("unknown recipient refused", source=self.source.name, recipient=address)
            return f"550 5.1.1 <{_line(address, 200)}>: no such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self.source.accept(envelope)

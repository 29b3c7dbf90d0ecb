"""Notifications about tasks (assigned, reminder, escalated) by e-mail and signed webhook.

They are written to the outbox (``of_outbox``) in the transaction that causes them, and sent
after it commits by a :class:`Notifier` (run by workers and by ``officeflow serve``): a rolled
back assignment notifies nobody, and a crash between commit and send delays a notification, never
loses it. Deliveries are retried with backoff; each attempt's error is kept on the outbox row.

E-mail goes through SMTP (``OFFICEFLOW_SMTP_URL``, ``smtp://host:port`` or ``smtps://``) from
``OFFICEFLOW_MAIL_FROM``. Webhooks are POSTed as JSON, signed per Standard Webhooks with the
stored secret the step names, to destinations the SSRF guard allows.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import threading
import urllib.parse
from collections.abc import Iterable
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.ids import uuid7
from officeflow.jsonutil import dumps
from officeflow.security import webhooks
from officeflow.security.ssrf import Guard
from officeflow.store.reconnect import run_loop
from officeflow.store.tx_tasks import OutboxRow, TaskRow

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine
    from officeflow.store.tx import Tx
    from officeflow.tasks.assign import Assignment

log = structlog.get_logger("officeflow.tasks")
MAX_ATTEMPTS = 8
BACKOFF = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 3600.0)
SUBJECTS = {
    "task.assigned": "New task: {title}",
    "task.reminder": "Reminder: {title}",
    "task.escalated": "Escalated: {title}",
}


def announce(tx: Tx, task: TaskRow, event: str, now: float, *, target: Assignment | None = None) -> int:
    """Queue the notifications about ``event`` for the people the task is with (or ``target``);
    how many were queued."""
    spec = task.spec.get("notify") or {}
    queued = 0
    if spec.get("email", True):
        assignee = target.assignee if target is not None else task.assignee
        group = target.group if target is not None else task.candidate_group
        people = [assignee] if assignee else (tx.group_members(task.tenant, group) if group else [])
        for username in people:
            address = _address(tx, task.tenant, username)
            if address is None:
                continue
            tx.add_outbox(
                OutboxRow(
                    id=uuid7(),
                    tenant=task.tenant,
                    channel="email",
                    target=address,
                    payload=_email(task, event, username),
                    attempts=0,
                    created_at=now,
                )
            )
            queued += 1
    if spec.get("webhook"):
        tx.add_outbox(
            OutboxRow(
                id=uuid7(),
                tenant=task.tenant,
                channel="webhook",
                target=spec["webhook"],
                payload={"type": event, "timestamp": now, "data": summary(task), "secret": spec.get("secret")},
                attempts=0,
                created_at=now,
            )
        )
        queued += 1
    return queued


def summary(task: TaskRow) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "title": task.title,
        "workflow": task.workflow,
        "run_id": task.run_id,
        "step_id": task.step_id,
        "assignee": task.assignee,
        "group": task.candidate_group,
        "priority": task.priority,
        "due_at": task.due_at,
        "status": task.status,
    }


def _address(tx: Tx, tenant: str, username: str) -> str | None:
    person = tx.get_person(tenant, username)
    if person is not None and person.email:
        return person.email
    user = tx.user_by_name(tenant, username)
    return user.email if user is not None and user.email else None


def _email(task: TaskRow, event: str, username: str) -> dict[str, Any]:
    subject = SUBJECTS.get(event, "{title}").format(title=task.title)
    lines = [
        f"Hello {username},",
        "",
        {
            "task.assigned": "a task is waiting for you:",
            "task.reminder": "this task is still waiting for you:",
            "task.escalated": "this task was escalated to you:",
        }.get(event, "about this task:"),
        "",
        f"  {task.title}",
        f"  workflow {task.workflow}, step {task.step_id}",
    ]
    if task.due_at is not None:
        from datetime import UTC, datetime

        lines.append(f"  due {datetime.fromtimestamp(task.due_at, UTC):%Y-%m-%d %H:%M} UTC")
    lines += ["", f"Open it in the inbox: /tasks/{task.id}", ""]
    return {"subject": subject, "text": "\n".join(lines), "event": event, "task_id": task.id}


class Notifier:
    """Sends what the outbox holds; several notifiers (processes) share the work safely."""

    def __init__(
        self,
        engine: Engine,
        *,
        smtp_url: str | None,
        mail_from: str,
        http_allow: Iterable[str] = (),
        interval: float = 1.0,
        batch: int = 50,
    ) -> None:
        self.engine = engine
        self.smtp_url = smtp_url
        self.mail_from = mail_from
        self.guard = Guard(http_allow)
        self.interval = interval
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="officeflow-notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        run_loop(self._round, wait=self._stop.wait, name="sending notifications", error_pause=self.interval)

    def _round(self) -> float:
        """Send a batch; at once again if it was full, else after ``interval``."""
        return 0.0 if self.send_due() >= self.batch else self.interval

    def send_due(self) -> int:
        """Send the notifications that are due; how many were attempted."""
        now = self.engine.now()
        rows = self.engine.store.run(lambda tx: tx.claim_outbox(now, 120.0, self.batch))
        for row in rows:
            try:
                if row.channel == "email":
                    self._email(row)
                elif row.channel == "webhook":
                    asyncio.run(self._webhook(row))
                else:
                    raise ValueError(f"unknown channel {row.channel!r}")
            except Exception as exc:
                attempts = row.attempts + 1
                retry = (
                    None if attempts >= MAX_ATTEMPTS else self.engine.now() + BACKOFF[min(attempts, len(BACKOFF)) - 1]
                )
                message = f"{type(exc).__name__}: {exc}"
                log.warning("notification not delivered", id=row.id, channel=row.channel, error=message, retry=retry)
                self._finish(row.id, message, retry)
            else:
                self._finish(row.id, None, None)
        return len(rows)

    def _finish(self, outbox_id: str, error: str | None, retry_at: float | None) -> None:
        def body(tx: Tx) -> None:
            if error is None:
                tx.outbox_done(outbox_id, self.engine.now())
            else:
                tx.outbox_failed(outbox_id, error, retry_at)

        self.engine.store.run(body)

    def _email(self, row: OutboxRow) -> None:
        if not self.smtp_url:
            raise RuntimeError("no SMTP server configured (OFFICEFLOW_SMTP_URL)")
        url = urllib.parse.urlsplit(self.smtp_url)
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = row.target
        message["Subject"] = str(row.payload.get("subject", "officeflow"))
        message["X-Officeflow-Event"] = str(row.payload.get("event", ""))
        message["X-Officeflow-Task"] = str(row.payload.get("task_id", ""))
        message.set_content(str(row.payload.get("text", "")))
        host, port = url.hostname or "127.0.0.1", url.port
        if url.scheme == "smtps":
            with smtplib.SMTP_SSL(host, port or 465, timeout=30, context=ssl.create_default_context()) as smtp:
                self._login(smtp, url)
                smtp.send_message(message)
        else:
            with smtplib.SMTP(host, port or 25, timeout=30) as smtp:
                if url.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
                self._login(smtp, url)
                smtp.send_message(message)

    @staticmethod
    def _login(smtp: smtplib.SMTP, url: urllib.parse.SplitResult) -> None:
        if url.username:
            smtp.login(urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or ""))

    async def _webhook(self, row: OutboxRow) -> None:
        payload = dict(row.payload)
        secret_name = payload.pop("secret", None)
        if not secret_name:
            raise RuntimeError("the webhook has no signing secret")
        secret = self.engine.secrets.get(row.tenant, secret_name)
        body = dumps(payload)
        headers = {"content-type": "application/json", **webhooks.sign(secret, body, message_id=row.id)}
        self.guard.check_url(row.target)
        async with self.guard.client(timeout=15.0) as client:
            response = await client.post(row.target, content=body.encode(), headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"the receiver answered {response.status_code}")

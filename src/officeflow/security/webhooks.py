"""Webhook signatures per the Standard Webhooks scheme (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``: HMAC-SHA256, five minutes of tolerance), through the ``standardwebhooks``
package; replayed message ids are refused.

Secrets are stored (encrypted) under a name; their values are ``whsec_`` + base64 key, as the
scheme defines.
"""

from __future__ import annotations

import base64
import secrets as random
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from officeflow.errors import OfficeflowError, ProblemType

TOLERANCE = 5 * 60
"""Seconds; the scheme's own tolerance (enforced by the library), also how long ids are remembered."""


class SignatureInvalid(OfficeflowError):
    """The webhook signature does not verify."""

    http_status = 401
    problem = ProblemType("signature-invalid", "Signature invalid")


class WebhookReplayed(OfficeflowError):
    """This webhook message was delivered before."""

    http_status = 409
    problem = ProblemType("webhook-replayed", "Webhook replayed")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random.token_bytes(32)).decode()


def verify(secret: str, body: bytes, headers: dict[str, str]) -> str:
    """Check the signature and timestamp; returns the message id. Raises SignatureInvalid."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        Webhook(secret).verify(body, lowered, json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureInvalid(f"webhook signature refused: {exc}") from None
    except Exception as exc:  # a malformed header the library does not anticipate
        raise SignatureInvalid(f"webhook signature refused: malformed headers ({type(exc).__name__})") from None
    return lowered["webhook-id"]


def sign(secret: str, body: bytes | str, *, message_id: str | None = None, at: float | None = None) -> dict[str, str]:
    """Headers for an outbound webhook carrying ``body``."""
    text = body.decode() if isinstance(body, bytes) else body
    msg_id = message_id or "msg_" + random.token_urlsafe(16)
    moment = datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=text)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(moment.timestamp())), "webhook-signature": signature}


def check_not_replayed(store: Any, tenant: str, message_id: str) -> None:
    """Raise WebhookReplayed when ``message_id`` was accepted before (see :func:`remember`)."""
    with store.read() as tx:
        known = tx.webhook_known(tenant, message_id)
    if known:
        raise WebhookReplayed(f"webhook message {message_id} was already delivered")


def remember(store: Any, tenant: str, message_id: str, now: float) -> None:
    """Record an accepted message: a delivery that was refused (an invalid event, a server error)
    may be retried with the same id; one that was accepted may not be replayed. Ids are kept
    while their timestamps could still pass (``SEEN_FOR``), then purged."""
    store.run(lambda tx: tx.webhook_seen(tenant, message_id, now))


SEEN_FOR = 2 * TOLERANCE
"""How long accepted message ids are kept (a replay older than the tolerance fails on its timestamp)."""


def forget_seen(store: Any, now: float) -> int:
    """Forget accepted message ids older than ``SEEN_FOR`` (their replays fail on their
    timestamps); how many."""
    return int(store.run(lambda tx: tx.purge_webhook_seen(now - SEEN_FOR)))

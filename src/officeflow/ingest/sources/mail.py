"""An e-mail message as event data: addresses, subject, date, message id, plain text body, and its
attachments (returned apart: they are stored as files and the event lists their ids).

The body is the text/plain part; a message with only HTML gets the HTML's text (tags, scripts and
styles dropped). Signature parts (S/MIME, PGP) are not attachments of interest and are skipped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

SKIPPED_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
        "application/pgp-keys",
    }
)
_BLOCK = {"p", "br", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr"}


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    event_id: str
    """The Message-ID header, or ``mail:<sha256 of the message>`` when it has none."""
    data: dict[str, Any]
    attachments: list[Attachment]
    damage: list[str] = field(default_factory=list)
    """What is broken in the MIME structure or an attachment's encoding (empty: nothing): such a
    message would be stored with parts missing or corrupted."""


_DAMAGE: dict[type[errors.MessageDefect], str] = {
    errors.StartBoundaryNotFoundDefect: "the multipart body has no part",
    errors.MultipartInvariantViolationDefect: "the multipart body has no part",
    errors.NoBoundaryInMultipartDefect: "a multipart part declares no boundary",
    errors.CloseBoundaryNotFoundDefect: "the multipart body ends without its closing boundary",
}
_BAD_ENCODING = (
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
)


def parse_mail(raw: bytes, *, mail_from: str | None = None, max_text: int = 100_000) -> Mail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = _header(msg, "Message-ID")
    sender = _addresses(msg, "From")
    text = _body(msg)
    data: dict[str, Any] = {
        "message_id": message_id,
        "from": sender[0][1] if sender else None,
        "from_name": (sender[0][0] or None) if sender else None,
        "to": [a for _, a in _addresses(msg, "To")],
        "cc": [a for _, a in _addresses(msg, "Cc")],
        "reply_to": next((a for _, a in _addresses(msg, "Reply-To")), None),
        "mail_from": mail_from or None,
        "subject": _header(msg, "Subject") or "",
        "date": _date(msg),
        "text": text[:max_text],
        "text_truncated": len(text) > max_text,
    }
    attachments, skipped = [], []
    damage = _structure_damage(msg)
    for index, part in enumerate(msg.iter_attachments(), start=1):
        content_type = part.get_content_type()
        name = _file_name(part.get_filename()) or f"attachment-{index}"
        if content_type in SKIPPED_TYPES:
            skipped.append(name)
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else part.as_bytes()
        attachments.append(Attachment(name=name, content_type=content_type, content=content))
        if any(isinstance(d, _BAD_ENCODING) for d in part.defects):
            damage.append(f"attachment {name}: its base64 is not valid")
    if skipped:
        data["skipped_parts"] = skipped
    event_id = message_id or "mail:" + hashlib.sha256(raw).hexdigest()
    return Mail(event_id=event_id, data=data, attachments=attachments, damage=damage)


def _structure_damage(msg: Message) -> list[str]:
    """The MIME structure's defects that lose or cut parts, once each, in the order found."""
    found: list[str] = []
    for part in msg.walk():
        for defect in part.defects:
            what = next((text for kind, text in _DAMAGE.items() if isinstance(defect, kind)), None)
            if what is not None and what not in found:
                found.append(what)
    return found


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:
        return None
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = msg.get(name)
        found = getattr(header, "addresses", ()) if header is not None else ()
        return [(a.display_name, a.addr_spec) for a in found if a.addr_spec and a.addr_spec != "<>"]
    except Exception:
        return []


def _date(msg: Message) -> str | None:
    value = _header(msg, "Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _body(msg: EmailMessage) -> str:
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        if part is None:
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        text = str(content)
        return html_text(text) if kind == "html" else text.strip()
    return ""


def _file_name(name: str | None) -> str | None:
    if not name:
        return None
    base = re.split(r"[\\/]", name.strip())[-1]
    return "".join(c for c in base if c.isprintable())[:255] or None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML body."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

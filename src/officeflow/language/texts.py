"""What each language model reads: items (JSON objects) checked and turned into one text.

A **ticket** is ``{"text": ...}``, optionally with a ``"subject"`` (or ``"title"``) written before
it. An **e-mail** is ``{"subject": ..., "body": ..., "attachments": [file names]}``, at least one
of subject and body non-empty; the subject and the attachment names come first (e-mail intent's
embedding reads the first 40 tokens, and they carry the most signal per token), then the body. A
**text** for a user-defined head is ``{"text": ...}``.

Mail noise is dropped before a text is read (``strip_mail_noise``): forwarded-message header
lines, the signature block from a closing line on ("Kind regards," alone on its line), and
confidentiality disclaimers. They carry no signal and cost embedding time.

``read_items`` collects every problem of every item before raising ``TextInputInvalid``,
each problem pointing at the item and the field (``/3/text``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from officeflow.errors import Problem
from officeflow.language.errors import TextInputInvalid

BODY_CHARACTERS = 1500
"""How much of an e-mail body is read (more never reaches the model's 256 tokens)."""

_FILE_NAME_SEPARATORS = re.compile(r"[_\-.]+")
_SEPARATOR_LINE = re.compile(r"^\s*-{3,}.*-{3,}\s*$|^\s*_{5,}\s*$")
_HEADER_LINE = re.compile(r"^\s*(from|sent|to|cc|date|von|gesendet|an|datum|de|envoyé|à)\s*:", re.IGNORECASE)
_INLINE_SUBJECT = re.compile(r"(subject|betreff|objet)\s*:\s*", re.IGNORECASE)
_SUBJECT_LINE = re.compile(r"^\s*(subject|betreff|objet)\s*:\s*", re.IGNORECASE)
_CLOSING_LINE = re.compile(
    r"^\s*(thanks|thank you|thanks in advance|many thanks|best regards|kind regards|regards|best|br|cheers|"
    r"viele grüße|mit freundlichen grüßen|freundliche grüße|lg|gruß|cordialement|bien à vous|"
    r"sent from my \w+|von meinem \w+ gesendet|get outlook for \w+)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(r"confidential|vertraulich|consider the environment|pièces jointes sont", re.IGNORECASE)


def strip_mail_noise(text: str) -> str:
    """The text without forwarded headers, signature block and disclaimers."""
    kept: list[str] = []
    for raw in text.splitlines():
        if kept and _CLOSING_LINE.match(raw):
            break
        line = raw
        if _HEADER_LINE.match(raw):
            inline = _INLINE_SUBJECT.search(raw)
            line = raw[inline.end() :] if inline else ""
        if _SEPARATOR_LINE.match(line) or _DISCLAIMER.search(line):
            continue
        kept.append(_SUBJECT_LINE.sub("", line))
    return "\n".join(line for line in kept if line.strip()).strip() or text.strip()


Reader = Callable[[Mapping[str, Any], int, list[Problem]], str]


def _string(item: Mapping[str, Any], field: str, index: int, problems: list[Problem]) -> str:
    value = item.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(
            Problem(message=f"{field} is a {type(value).__name__}", pointer=f"/{index}/{field}", expected="a string")
        )
        return ""
    return value.strip()


def _object(item: object, index: int, problems: list[Problem]) -> Mapping[str, Any] | None:
    if isinstance(item, Mapping):
        return item
    problems.append(
        Problem(message=f"the item is a {type(item).__name__}", pointer=f"/{index}", expected="a JSON object")
    )
    return None


def ticket_text(item: Mapping[str, Any], index: int, problems: list[Problem]) -> str:
    """A ticket's subject (or title) and text, one per line."""
    subject = _string(item, "subject", index, problems) or _string(item, "title", index, problems)
    text = strip_mail_noise(_string(item, "text", index, problems))
    if not text and not subject:
        problems.append(
            Problem(message="the ticket has no text", pointer=f"/{index}/text", expected="a non-empty string")
        )
    return "\n".join(part for part in (subject, text) if part)


def plain_text(item: Mapping[str, Any], index: int, problems: list[Problem]) -> str:
    """The item's ``text``."""
    text = _string(item, "text", index, problems)
    if not text:
        problems.append(
            Problem(message="the item has no text", pointer=f"/{index}/text", expected="a non-empty string")
        )
    return text


def attachment_words(names: Sequence[str]) -> str:
    """File names as words: ``Invoice_2026-1187.pdf`` reads ``Invoice 2026 1187 pdf``."""
    return "; ".join(_FILE_NAME_SEPARATORS.sub(" ", name).strip() for name in names if name.strip())


def email_text(item: Mapping[str, Any], index: int, problems: list[Problem]) -> str:
    """Subject, attachment names, then the start of the body."""
    subject = _string(item, "subject", index, problems)
    body = strip_mail_noise(_string(item, "body", index, problems))
    attachments = item.get("attachments") or []
    names: list[str] = []
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        problems.append(
            Problem(
                message="attachments is not a list of file names",
                pointer=f"/{index}/attachments",
                expected="a list of strings",
            )
        )
    else:
        names = attachments
    if not subject and not body:
        problems.append(
            Problem(
                message="the e-mail has neither subject nor body", pointer=f"/{index}", expected="a subject or a body"
            )
        )
    lines = [f"subject: {subject}" if subject else ""]
    if names:
        lines.append(f"attachments: {attachment_words(names)}")
    lines.append(body[:BODY_CHARACTERS])
    return "\n".join(line for line in lines if line)


def read_items(items: Sequence[object], reader: Reader) -> list[str]:
    """Every item's text through ``reader``, or ``TextInputInvalid`` listing every problem."""
    problems: list[Problem] = []
    texts: list[str] = []
    for index, item in enumerate(items):
        mapping = _object(item, index, problems)
        texts.append(reader(mapping, index, problems) if mapping is not None else "")
    if problems:
        raise TextInputInvalid(problems)
    return texts

"""A seeded generator of e-mails to a shared inbox, labelled with their intent.

An e-mail of an intent is a subject, a greeting, one or two core sentences and some extra ones
of that intent (``email_fragments``), a signature, attachment names, now and then a forwarded
header and the typos of a hurried writer. IT e-mails carry a generated ticket as their body.
3% of e-mails get a neighbouring intent (an invoice paid privately is an expense to one clerk
and an invoice to another; an order confirmation is "other" to one and an invoice to another).

``generate_emails(count, seed)`` returns the same e-mails for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from officeflow.language.generate import email_fragments as frag
from officeflow.language.generate.fill import fill, sentence
from officeflow.language.generate.languages import pick, writer_language
from officeflow.language.generate.noise import roughen
from officeflow.language.generate.people import forwarded_header, person, signature
from officeflow.language.generate.tickets import ticket

INTENTS = ("invoice", "expense", "it_ticket", "hr", "other")
_NEIGHBOUR = {"invoice": "expense", "expense": "invoice", "it_ticket": "other", "hr": "other", "other": "invoice"}
_ATTACHMENT_CHANCE = {"invoice": 0.9, "expense": 0.8, "it_ticket": 0.2, "hr": 0.4, "other": 0.35}
_RELABEL = 0.03


@dataclass(frozen=True, kw_only=True)
class GeneratedEmail:
    """One generated e-mail and its intent."""

    subject: str
    body: str
    attachments: tuple[str, ...]
    intent: str

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "body": self.body,
            "attachments": list(self.attachments),
            "intent": self.intent,
        }


def _slots(rng: random.Random, headline: str) -> dict[str, tuple[str, ...]]:
    return {
        **frag.SLOTS,
        "symptom": (headline[:60],),
        "ticket": (str(rng.randint(10000, 99999)),),
        "role": frag.ROLES,
        "n": (str(rng.randint(1, 99999)).zfill(rng.choice((4, 5))),),
    }


def _body(rng: random.Random, intent: str, lang: str, slots: dict[str, tuple[str, ...]]) -> str:
    parts = [pick(rng, frag.GREETINGS, lang)]
    cores = frag.CORE[intent]
    parts.append(sentence(fill(pick(rng, cores, lang), rng, slots)))
    if rng.random() < 0.3:
        parts.append(sentence(fill(rng.choice(cores), rng, slots)))
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        parts.append(fill(rng.choice(frag.EXTRA[intent]), rng, slots))
    separator = "\n" if rng.random() < 0.6 else " "
    return separator.join(p for p in parts if p)


def email(rng: random.Random) -> GeneratedEmail:
    intent = rng.choice(INTENTS)
    lang = writer_language(rng)
    headline = ""
    if intent == "it_ticket":
        drawn = ticket(rng)
        headline, body = drawn.headline, drawn.text
    slots = _slots(rng, headline)
    if intent != "it_ticket":
        body = _body(rng, intent, lang, slots)
        body = roughen(body, rng, care=rng.uniform(0.4, 1.0))
        if rng.random() < 0.7:
            body += "\n\n" + signature(rng, person(rng))
    subject = fill(pick(rng, frag.SUBJECTS[intent], lang), rng, slots)
    if rng.random() < 0.1:
        body = forwarded_header(rng, subject) + "\n" + body
        subject = rng.choice(("Fwd: ", "FW: ", "WG: ", "TR: ")) + subject
    attachments: tuple[str, ...] = ()
    if rng.random() < _ATTACHMENT_CHANCE[intent]:
        count = rng.choice((1, 1, 1, 2, 3))
        attachments = tuple(
            fill(rng.choice(frag.ATTACHMENTS[intent]), rng, _slots(rng, headline)) for _ in range(count)
        )
    if rng.random() < 0.15:
        subject = subject.lower()
    if rng.random() < _RELABEL:
        intent = _NEIGHBOUR[intent]
    return GeneratedEmail(subject=subject, body=body, attachments=attachments, intent=intent)


def generate_emails(count: int, seed: int) -> list[GeneratedEmail]:
    """``count`` e-mails; the same seed gives the same e-mails."""
    rng = random.Random(seed)
    return [email(rng) for _ in range(count)]

"""A seeded generator of IT tickets that read as people write them, with category and priority.

A ticket is composed, not templated: a symptom of its category (``ticket_symptoms``) meets a
situation drawn independently (who else is hit, what it costs, a deadline, a workaround, no
rush), in one of five registers (terse, plain, polite, rambling, angry) whose writer takes more
or less care (``noise.roughen``), with openers, what was tried, error messages, signatures and
forwarded-mail headers around it (``ticket_context``, ``people``).

The **priority** follows from the symptom's kind and the situation, not from the category (see
``priority_of``); 6% of tickets then get a neighbouring priority and 2% a neighbouring category,
as the judgement of the people who label tickets differs near the boundaries.

``generate_tickets(count, seed)`` returns the same tickets for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from officeflow.language.generate import ticket_context as ctx
from officeflow.language.generate.fill import fill, sentence
from officeflow.language.generate.languages import pick, writer_language
from officeflow.language.generate.noise import roughen, shouting
from officeflow.language.generate.people import forwarded_header, person, signature
from officeflow.language.generate.ticket_symptoms import SLOTS, SYMPTOMS, TERSE

CATEGORIES = ("access", "hardware", "network", "software", "email", "printer")
PRIORITIES = ("low", "medium", "high", "critical")
REGISTERS = ("terse", "plain", "polite", "rambling", "angry")
_REGISTER_WEIGHTS = (25, 30, 20, 15, 10)
_NEIGHBOUR_CATEGORY = {
    "access": "network",
    "network": "access",
    "email": "software",
    "software": "email",
    "printer": "hardware",
    "hardware": "printer",
}
_RELABEL_PRIORITY = 0.06
_RELABEL_CATEGORY = 0.02


@dataclass(frozen=True, kw_only=True)
class Situation:
    """What surrounds a symptom: who else is hit and how pressing it is."""

    scope: str = "me"  # me, team, all
    business: bool = False
    deadline: bool = False
    blocked: bool = False
    workaround: bool = False
    no_rush: bool = False
    security: bool = False
    approved: bool = False


@dataclass(frozen=True, kw_only=True)
class GeneratedTicket:
    """One generated ticket and its labels."""

    text: str
    category: str
    priority: str
    register: str = field(default="plain", compare=False)
    headline: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "category": self.category, "priority": self.priority}


def priority_of(kind: str, s: Situation) -> str:
    """Impact and urgency: a compromise is critical; an outage for everyone or one that stops the
    business is critical; a broken tool for one person is high, medium with a workaround;
    a degraded one is medium, high with a deadline; requests and questions are low, medium with a deadline.
    """
    if kind == "security":
        return "critical"
    if kind in ("request", "question"):
        return "medium" if s.deadline else "low"
    broken = kind == "broken" or s.blocked
    if s.scope == "all":
        return "critical" if broken or s.business else "high"
    if s.scope == "team":
        if broken:
            return "critical" if s.business or s.deadline else "high"
        return "high" if s.deadline or s.business else "medium"
    if s.no_rush:
        return "low" if not broken else "medium"
    if broken:
        if s.business and s.deadline:
            return "critical"
        return "medium" if s.workaround and not s.deadline else "high"
    return "high" if s.deadline or s.business else "medium"


def _situation(rng: random.Random, kind: str) -> Situation:
    chance = rng.random
    if kind in ("request", "question"):
        return Situation(deadline=chance() < 0.15, no_rush=chance() < 0.35, approved=chance() < 0.3)
    if kind == "security":
        return Situation(scope="all" if chance() < 0.3 else "me", security=chance() < 0.7, deadline=chance() < 0.1)
    scope = rng.choices(("me", "team", "all"), weights=(60, 20, 20) if kind == "broken" else (70, 20, 10))[0]
    workaround = chance() < (0.25 if kind == "broken" else 0.4)
    return Situation(
        scope=scope,
        business=chance() < {"me": 0.1, "team": 0.2, "all": 0.5}[scope],
        deadline=chance() < 0.25,
        blocked=scope == "me" and not workaround and chance() < (0.4 if kind == "broken" else 0.1),
        workaround=workaround,
        no_rush=scope == "me" and not workaround and chance() < 0.1,
    )


_FLAG_FRAGMENTS = (
    ("business", "BUSINESS"),
    ("blocked", "BLOCKED"),
    ("deadline", "DEADLINE"),
    ("workaround", "WORKAROUND"),
    ("no_rush", "NO_RUSH"),
    ("security", "SECURITY_PUSH"),
    ("approved", "APPROVED"),
)


def _say(rng: random.Random, s: Situation, lang: str, keep: int | None) -> tuple[Situation, list[str]]:
    """The sentences that state the situation, and the situation as far as they state it.

    A terse writer states at most ``keep`` of them; the label follows what the text says, not what
    the writer left out.
    """
    said: list[tuple[str, str]] = []
    if s.scope != "me":
        said.append(("scope", pick(rng, ctx.SCOPE_TEAM if s.scope == "team" else ctx.SCOPE_ALL, lang)))
    for flag, pool in _FLAG_FRAGMENTS:
        if getattr(s, flag):
            said.append((flag, pick(rng, getattr(ctx, pool), lang)))
    rng.shuffle(said)
    if keep is not None:
        said = said[:keep]
    flags = {flag for flag, _ in said}
    stated = Situation(
        scope=s.scope if "scope" in flags else "me",
        **{flag: flag in flags for flag, _ in _FLAG_FRAGMENTS},
    )
    return stated, [text for _, text in said]


def _compose(
    rng: random.Random, register: str, symptom: str, situation: list[str], name: str, lang: str, pressing: bool
) -> str:
    maybe = rng.random
    if register == "terse":
        words = [symptom, *(p.rstrip(".") for p in situation)]
        if pressing and maybe() < 0.4:
            words.insert(0, pick(rng, ctx.URGENT, lang))
        return roughen(" ".join(words) if maybe() < 0.5 else ", ".join(words), rng, care=rng.uniform(0.0, 0.35))
    parts: list[str] = []
    if register in ("polite", "rambling") or maybe() < 0.3:
        parts.append(pick(rng, ctx.OPENERS, lang))
    if register == "rambling":
        parts += [pick(rng, ctx.CHATTER, lang), pick(rng, ctx.SINCE, lang)]
        chatter_used = parts[-2]
    parts.append(sentence(symptom))
    if register != "angry" and maybe() < 0.35:
        parts.append(pick(rng, ctx.SINCE, lang))
    if maybe() < (0.5 if register == "rambling" else 0.2):
        parts.append(pick(rng, ctx.TRIED, lang))
    if maybe() < 0.15:
        parts.append(pick(rng, ctx.ERRORS, lang))
    if register == "angry":
        parts.append(pick(rng, ctx.ANGRY, lang))
    if pressing and maybe() < 0.15:
        parts.insert(0, pick(rng, ctx.URGENT, lang) + ":")
    parts += situation
    if register == "rambling" and maybe() < 0.5:
        parts.append(rng.choice([c for c in ctx.CHATTER if c != chatter_used]))
    if register != "angry" and maybe() < 0.5:
        parts.append(pick(rng, ctx.ASKS, lang))
    separator = "\n" if register in ("polite", "rambling") and maybe() < 0.4 else " "
    text = separator.join(p for p in parts if p)
    care = {"plain": (0.2, 0.8), "polite": (0.6, 1.0), "rambling": (0.3, 0.9), "angry": (0.2, 0.7)}[register]
    text = roughen(text, rng, care=rng.uniform(*care))
    if register == "angry" and maybe() < 0.6:
        text = shouting(text, rng)
    if register in ("polite", "rambling") or maybe() < 0.2:
        text += "\n" + signature(rng, name)
    return text


def ticket(rng: random.Random) -> GeneratedTicket:
    """One ticket drawn from ``rng`` (the e-mail generator draws IT e-mails from it too)."""
    category = rng.choice(CATEGORIES)
    register = rng.choices(REGISTERS, weights=_REGISTER_WEIGHTS)[0]
    lang = writer_language(rng)
    pool = TERSE[category] if register == "terse" and rng.random() < 0.7 else SYMPTOMS[category]
    template, kind = pick(rng, pool, lang)
    keep = rng.randint(0, 2) if register == "terse" else None
    situation, said = _say(rng, _situation(rng, kind), lang, keep)
    priority = priority_of(kind, situation)
    symptom = fill(template, rng, SLOTS)
    sentences = [fill(p, rng, SLOTS) for p in said]
    pressing = priority in ("high", "critical")
    text = _compose(rng, register, symptom, sentences, person(rng), lang, pressing)
    if rng.random() < 0.07:
        text = forwarded_header(rng, "RE: " + symptom[:40]) + "\n" + text
    if rng.random() < _RELABEL_PRIORITY:
        index = PRIORITIES.index(priority) + rng.choice((-1, 1))
        priority = PRIORITIES[min(max(index, 0), len(PRIORITIES) - 1)]
    if rng.random() < _RELABEL_CATEGORY:
        category = _NEIGHBOUR_CATEGORY[category]
    return GeneratedTicket(text=text, category=category, priority=priority, register=register, headline=symptom)


def generate_tickets(count: int, seed: int) -> list[GeneratedTicket]:
    """``count`` tickets; the same seed gives the same tickets."""
    rng = random.Random(seed)
    return [ticket(rng) for _ in range(count)]

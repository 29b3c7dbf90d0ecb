"""A seeded generator of IT tickets that read as people write them, with category and priority.

A ticket is composed, not templated: a symptom of its category (``ticket_symptoms``) meets a
situation drawn independently of the category (who else is hit, whether the business is hit,
whether work has stopped, a deadline in hours or days, a workaround, "no rush"), stated by
fragments (``ticket_cues``) that land before, inside or after the rest of the ticket, in one of
five registers (terse, plain, polite, rambling, angry) whose writer takes more or less care
(``noise.roughen``), with openers, what was tried, error messages, signatures and forwarded-mail
headers around it (``ticket_context``, ``people``).

Each ticket carries its **impact** and **urgency** as well as its priority: the symptom's kind and
what the text states about the situation set the two (``impact_of``, ``urgency_of``), and
``officeflow.language.priority.MATRIX`` maps them to the priority. The label follows what the text
says, not what the writer left out. 7% of tickets then get a neighbouring priority and 2% a
neighbouring category, as the judgement of the people who label tickets differs near the
boundaries; a few writers call ordinary problems urgent.

``generate_tickets(count, seed)`` returns the same tickets for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields

from officeflow.language.generate import ticket_context as ctx
from officeflow.language.generate import ticket_cues as cues
from officeflow.language.generate.fill import fill, sentence
from officeflow.language.generate.languages import pick, writer_language
from officeflow.language.generate.noise import roughen, shouting
from officeflow.language.generate.people import forwarded_header, person, signature
from officeflow.language.generate.ticket_symptoms import SLOTS, SYMPTOMS, TERSE
from officeflow.language.priority import PRIORITIES, priority

CATEGORIES = ("access", "hardware", "network", "software", "email", "printer")
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
_RELABEL_PRIORITY = 0.07
_RELABEL_CATEGORY = 0.02
_CRYING_WOLF = 0.04
_ALL_SLOTS = {**SLOTS, **cues.SLOTS}


@dataclass(frozen=True, kw_only=True)
class Situation:
    """What surrounds a symptom: who else is hit and how pressing it is."""

    scope: str = "one"  # one, group, wide
    business: bool = False
    client: bool = False
    blocked: bool = False
    deadline: str = ""  # "", "soon" (today, within hours), "days", "later" (weeks away)
    workaround: bool = False
    calm: bool = False
    security: bool = False
    reported: bool = False
    safety: bool = False
    approved: bool = False


@dataclass(frozen=True, kw_only=True)
class GeneratedTicket:
    """One generated ticket and its labels."""

    text: str
    category: str
    priority: str
    impact: str = "one"
    urgency: str = "medium"
    register: str = field(default="plain", compare=False)
    headline: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "category": self.category,
            "priority": self.priority,
            "impact": self.impact,
            "urgency": self.urgency,
        }


def impact_of(kind: str, s: Situation) -> str:
    """Wide for a compromise, an outage of a shared system, the business stopped or many people;
    else a group when others are named or a customer waits on the writer; else one person."""
    if kind in ("security", "outage") or s.business or s.scope == "wide":
        return "wide"
    return "group" if s.scope == "group" or s.client else "one"


def urgency_of(kind: str, s: Situation) -> str:
    """High when work has stopped, a deadline is hours away or there is a risk; medium when it is
    degraded, has a workaround, or is a request needed within days; low when it can wait."""
    if kind == "security" or s.safety:
        return "high"
    if kind == "suspicious":
        return "medium"
    if kind in ("request", "question"):
        return "medium" if s.deadline in ("soon", "days") else "low"
    if kind == "cosmetic":
        return "low"
    if kind == "degraded":
        if s.blocked or s.deadline == "soon":
            return "high"
        return "low" if s.calm else "medium"
    return "medium" if s.workaround or s.calm else "high"


def priority_of(kind: str, s: Situation) -> str:
    """The priority the impact x urgency matrix gives this symptom kind in this situation."""
    return priority(impact_of(kind, s), urgency_of(kind, s))


def _situation(rng: random.Random, kind: str, category: str) -> Situation:
    chance = rng.random
    if kind in ("request", "question"):
        deadline = rng.choices(("", "soon", "days", "later"), weights=(60, 8, 17, 15))[0]
        return Situation(
            scope="group" if chance() < 0.15 else "one",
            deadline=deadline,
            calm=deadline in ("", "later") and chance() < 0.4,
            approved=kind == "request" and chance() < 0.3,
        )
    if kind == "cosmetic":
        return Situation(scope="group" if chance() < 0.25 else "one", calm=chance() < 0.5)
    if kind == "suspicious":
        return Situation(scope="group" if chance() < 0.2 else "one", reported=chance() < 0.7)
    if kind == "security":
        return Situation(scope="wide" if chance() < 0.3 else "one", security=chance() < 0.7)
    scope = rng.choices(("one", "group", "wide"), weights=(55, 25, 20) if kind != "outage" else (30, 20, 50))[0]
    workaround = chance() < {"broken": 0.28, "degraded": 0.4, "outage": 0.15}[kind]
    deadline = rng.choices(("", "soon", "days"), weights=(68, 22, 10))[0]
    return Situation(
        scope=scope,
        business=chance() < {"one": 0.06, "group": 0.15, "wide": 0.5}[scope],
        client=scope != "wide" and chance() < 0.12,
        deadline=deadline,
        blocked=kind != "degraded" and not workaround and chance() < 0.45,
        workaround=workaround,
        calm=scope == "one" and not workaround and not deadline and chance() < (0.18 if kind == "degraded" else 0.06),
        safety=category == "hardware" and kind != "outage" and chance() < 0.03,
    )


_FLAG_POOLS = {
    "business": cues.BUSINESS,
    "client": cues.CLIENT,
    "blocked": cues.BLOCKED,
    "workaround": cues.WORKAROUND,
    "calm": cues.CALM,
    "security": cues.SECURITY_PUSH,
    "reported": cues.REPORTED,
    "safety": cues.SAFETY,
    "approved": cues.APPROVED,
}
_DEADLINE_POOLS = {"soon": cues.SOON, "days": cues.DAYS, "later": cues.LATER}
_FLAGS = tuple(f.name for f in fields(Situation) if f.name in _FLAG_POOLS)


def _say(rng: random.Random, s: Situation, lang: str, keep: int | None) -> tuple[Situation, list[str]]:
    """The sentences that state the situation, and the situation as far as they state it.

    A terse writer states at most ``keep`` of them; the label follows what the text says, not what
    the writer left out.
    """
    said: list[tuple[str, str]] = []
    if s.scope != "one":
        said.append(("scope", pick(rng, cues.GROUP if s.scope == "group" else cues.WIDE, lang)))
    if s.deadline:
        said.append(("deadline", pick(rng, _DEADLINE_POOLS[s.deadline], lang)))
    for flag in _FLAGS:
        if getattr(s, flag):
            said.append((flag, pick(rng, _FLAG_POOLS[flag], lang)))
    rng.shuffle(said)
    if keep is not None:
        said = said[:keep]
    stated = {name for name, _ in said}
    situation = Situation(
        scope=s.scope if "scope" in stated else "one",
        deadline=s.deadline if "deadline" in stated else "",
        **{flag: flag in stated and bool(getattr(s, flag)) for flag in _FLAGS},
    )
    return situation, [text for _, text in said]


def _place(rng: random.Random, parts: list[str], at: int, situation: list[str]) -> list[str]:
    """Situation sentences after the symptom (at index ``at``), some buried among the rest, now
    and then one joined to the symptom or put before it."""
    out = list(parts)
    for text in situation:
        roll = rng.random()
        if roll < 0.15 and at < len(out):
            out[at] = out[at].rstrip(".") + rng.choice((" and ", ", ", " - ", "; ")) + text[:1].lower() + text[1:]
        elif roll < 0.25:
            out.insert(at, sentence(text))
            at += 1
        else:
            out.insert(rng.randint(at + 1, len(out)), sentence(text))
    return out


def _compose(
    rng: random.Random, register: str, symptom: str, situation: list[str], name: str, lang: str, pressing: bool
) -> str:
    maybe = rng.random
    if register == "terse":
        words = [symptom, *(p.rstrip(".") for p in situation)]
        if pressing and maybe() < 0.4:
            words.insert(0, pick(rng, cues.URGENT, lang))
        return roughen(" ".join(words) if maybe() < 0.5 else ", ".join(words), rng, care=rng.uniform(0.0, 0.35))
    parts: list[str] = []
    if register in ("polite", "rambling") or maybe() < 0.3:
        parts.append(pick(rng, ctx.OPENERS, lang))
    if register == "rambling":
        parts += [pick(rng, ctx.CHATTER, lang), pick(rng, ctx.SINCE, lang)]
    at = len(parts)
    parts.append(sentence(symptom))
    if register != "angry" and maybe() < 0.35:
        parts.append(pick(rng, ctx.SINCE, lang))
    if maybe() < (0.5 if register == "rambling" else 0.2):
        parts.append(pick(rng, ctx.TRIED, lang))
    if maybe() < 0.15:
        parts.append(pick(rng, ctx.ERRORS, lang))
    if register == "angry":
        parts.append(pick(rng, ctx.ANGRY, lang))
    if register == "rambling" and maybe() < 0.5:
        parts.append(rng.choice([c for c in ctx.CHATTER if c not in parts]))
    parts = _place(rng, parts, at, situation)
    if pressing and maybe() < 0.15:
        parts.insert(0, pick(rng, cues.URGENT, lang) + ":")
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
    situation, said = _say(rng, _situation(rng, kind, category), lang, keep)
    impact, urgency = impact_of(kind, situation), urgency_of(kind, situation)
    label = priority(impact, urgency)
    symptom = fill(template, rng, SLOTS)
    sentences = [fill(p, rng, _ALL_SLOTS) for p in said]
    pressing = label in ("high", "critical") or rng.random() < _CRYING_WOLF
    text = _compose(rng, register, symptom, sentences, person(rng), lang, pressing)
    if rng.random() < 0.07:
        text = forwarded_header(rng, "RE: " + symptom[:40]) + "\n" + text
    if rng.random() < _RELABEL_PRIORITY:
        index = PRIORITIES.index(label) + rng.choice((-1, 1))
        label = PRIORITIES[min(max(index, 0), len(PRIORITIES) - 1)]
    if rng.random() < _RELABEL_CATEGORY:
        category = _NEIGHBOUR_CATEGORY[category]
    return GeneratedTicket(
        text=text,
        category=category,
        priority=label,
        impact=impact,
        urgency=urgency,
        register=register,
        headline=symptom,
    )


def generate_tickets(count: int, seed: int) -> list[GeneratedTicket]:
    """``count`` tickets; the same seed gives the same tickets."""
    rng = random.Random(seed)
    return [ticket(rng) for _ in range(count)]

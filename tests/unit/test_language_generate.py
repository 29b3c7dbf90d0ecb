"""The training-data generators: deterministic by seed, labelled within their label sets, varied."""

from __future__ import annotations

import re
from collections import Counter

from officeflow.language.generate import (
    CATEGORIES,
    INTENTS,
    PRIORITIES,
    generate_emails,
    generate_tickets,
)
from officeflow.language.generate.noise import slip, typos
from officeflow.language.generate.tickets import Situation, priority_of


def test_the_same_seed_gives_the_same_tickets_and_another_seed_others() -> None:
    assert [t.as_dict() for t in generate_tickets(200, 3)] == [t.as_dict() for t in generate_tickets(200, 3)]
    assert [t.text for t in generate_tickets(50, 3)] != [t.text for t in generate_tickets(50, 4)]


def test_the_same_seed_gives_the_same_emails() -> None:
    assert [e.as_dict() for e in generate_emails(200, 3)] == [e.as_dict() for e in generate_emails(200, 3)]
    assert [e.as_dict() for e in generate_emails(50, 3)] != [e.as_dict() for e in generate_emails(50, 4)]


def test_every_label_occurs_and_stays_within_its_set() -> None:
    tickets = generate_tickets(2000, 1)
    assert set(Counter(t.category for t in tickets)) == set(CATEGORIES)
    assert set(Counter(t.priority for t in tickets)) == set(PRIORITIES)
    assert min(Counter(t.priority for t in tickets).values()) > 150
    assert set(Counter(e.intent for e in generate_emails(500, 1))) == set(INTENTS)


def test_tickets_vary_in_wording_length_and_language() -> None:
    tickets = generate_tickets(1000, 2)
    assert len({t.text for t in tickets}) > 950
    lengths = sorted(len(t.text) for t in tickets)
    assert lengths[100] < 40 < 200 < lengths[900]
    assert sum(1 for t in tickets if re.search(r"\b(nicht|bitte|Drucker)\b", t.text, re.IGNORECASE)) > 20
    assert sum(1 for t in tickets if t.text == t.text.lower()) > 100


def test_typos_change_letters_but_keep_the_word_recognisable() -> None:
    import random

    rng = random.Random(0)
    slipped = {slip("printer", rng) for _ in range(50)}
    assert "printer" not in slipped or len(slipped) > 5
    assert all(abs(len(s) - 7) <= 1 for s in slipped)
    assert typos("the printer is jammed", random.Random(1), rate=0.0) == "the printer is jammed"


def test_priority_follows_impact_and_urgency_not_category() -> None:
    assert priority_of("security", Situation()) == "critical"
    assert priority_of("broken", Situation(scope="all")) == "critical"
    assert priority_of("broken", Situation()) == "high"
    assert priority_of("broken", Situation(workaround=True)) == "medium"
    assert priority_of("degraded", Situation()) == "medium"
    assert priority_of("degraded", Situation(deadline=True)) == "high"
    assert priority_of("request", Situation()) == "low"
    assert priority_of("request", Situation(deadline=True)) == "medium"

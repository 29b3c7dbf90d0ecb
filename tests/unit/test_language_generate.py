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
from officeflow.language.generate.tickets import Situation, impact_of, priority_of
from officeflow.language.priority import IMPACTS, URGENCIES, priority


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
    assert lengths[100] < 45 < 200 < lengths[900]
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
    assert priority_of("suspicious", Situation()) == "medium"
    assert priority_of("outage", Situation()) == "critical"
    assert priority_of("outage", Situation(workaround=True)) == "high"
    assert priority_of("broken", Situation(scope="wide")) == "critical"
    assert priority_of("broken", Situation(scope="group")) == "high"
    assert priority_of("broken", Situation()) == "high"
    assert priority_of("broken", Situation(workaround=True)) == "medium"
    assert priority_of("broken", Situation(workaround=True, deadline="soon")) == "medium"
    assert priority_of("degraded", Situation()) == "medium"
    assert priority_of("degraded", Situation(deadline="soon")) == "high"
    assert priority_of("degraded", Situation(calm=True)) == "low"
    assert priority_of("degraded", Situation(business=True)) == "high"
    assert priority_of("cosmetic", Situation(scope="group")) == "low"
    assert priority_of("request", Situation()) == "low"
    assert priority_of("request", Situation(deadline="days")) == "medium"
    assert priority_of("request", Situation(deadline="later")) == "low"


def test_a_customer_waiting_on_one_person_makes_a_group_not_a_wide_impact() -> None:
    assert impact_of("broken", Situation(client=True)) == "group"
    assert priority_of("broken", Situation(client=True)) == "high"
    assert impact_of("broken", Situation(business=True)) == "wide"


def test_every_ticket_s_priority_is_its_impact_and_urgency_through_the_matrix_but_for_label_noise() -> None:
    tickets = generate_tickets(3000, 5)
    agree = sum(1 for t in tickets if priority(t.impact, t.urgency) == t.priority)
    assert 0.9 < agree / len(tickets) < 0.97
    for t in tickets:
        assert t.impact in IMPACTS
        assert t.urgency in URGENCIES
        assert abs(PRIORITIES.index(t.priority) - PRIORITIES.index(priority(t.impact, t.urgency))) <= 1


def test_impact_and_urgency_are_drawn_independently_of_the_category() -> None:
    tickets = generate_tickets(6000, 6)
    for category in CATEGORIES:
        share = Counter(t.priority for t in tickets if t.category == category)
        total = sum(share.values())
        assert all(share[p] / total > 0.05 for p in PRIORITIES), (category, share)

"""The impact and urgency signals: what the lexicon reads in a ticket, negation included."""

from __future__ import annotations

import numpy as np
import pytest

from officeflow.language.signals import CLIP, NAMES, signal_row, signals


def _read(text: str) -> dict[str, float]:
    return {name: value for name, value in zip(NAMES, signal_row(text), strict=True) if value}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("URGENT: laptop dead", {"urgent"}),
        ("not urgent, whenever you have time", {"calm"}),
        ("nicht dringend", {"calm"}),
        ("pas urgent", {"calm"}),
        ("no rush at all", {"calm"}),
        ("I can't work at all", {"blocked"}),
        ("je ne peux pas travailler", {"blocked"}),
        ("using webmail for now", {"workaround"}),
        ("Wir drucken solange im 1. OG", {"workaround"}),
        ("I have a client call in 20 minutes", {"deadline_soon"}),
        ("the tender must go out before 3pm", {"deadline_soon"}),
        ("bis 12 Uhr bitte", {"deadline_soon"}),
        ("needed by Friday", {"deadline_days"}),
        ("for the project next month", {"deadline_later"}),
        ("I clicked the link and typed in my password", {"compromise"}),
        ("deleted it without clicking", {"reported"}),
        ("how do I share my calendar", {"question"}),
    ],
)
def test_a_phrase_is_read_as_its_signal(text: str, expected: set[str]) -> None:
    assert expected <= set(_read(text)), _read(text)


def test_a_negated_urgent_word_is_calm_and_not_urgent() -> None:
    read = _read("this is not urgent")
    assert read.get("calm")
    assert not read.get("urgent")


def test_counts_of_people_tell_a_few_from_many() -> None:
    assert _read("3 of us in finance have it").get("people_few")
    assert _read("all 40 users are hit").get("people_many")
    assert not _read("error 404 on the page")


def test_wide_and_group_words_are_told_apart_and_nobody_alone_is_not_wide() -> None:
    assert _read("the whole building has no network").get("wide")
    assert _read("my colleagues have the same problem").get("group")
    assert not _read("can the old printer be removed? no one uses it").get("wide")


def test_rows_are_clipped_into_the_unit_interval_and_deterministic() -> None:
    texts = ["URGENT URGENT URGENT URGENT!!!!!!", "printer jammed"]
    rows = signals(texts)
    assert rows.shape == (2, len(NAMES))
    assert rows.max() == 1.0
    assert rows.min() == 0.0
    assert np.array_equal(rows, signals(texts))
    assert rows[0, NAMES.index("urgent")] == 1.0
    assert signal_row(texts[0])[NAMES.index("urgent")] > CLIP

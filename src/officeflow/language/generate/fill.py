"""Filling a fragment's placeholders (``{laptop}``, ``{name}``...) from lists, with the generator's random source."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from officeflow.language.generate.people import person, phone

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random, slots: Mapping[str, tuple[str, ...]]) -> str:
    """Replace every ``{slot}`` by a random choice, recursively (a choice may hold a slot itself)."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "name":
            return person(rng)
        if key == "phone":
            return phone(rng)
        if key == "cc":
            return str(rng.randint(1000, 9999))
        if key == "amount":
            return (
                f"{rng.randint(5, 2500)},{rng.randint(0, 99):02d}"
                if rng.random() < 0.4
                else f"{rng.randint(5, 2500)}.{rng.randint(0, 99):02d}"
            )
        if key == "number":
            return rng.choice(("", "INV-", "RE-", "2026-", "F")) + str(rng.randint(100, 99999))
        return rng.choice(slots[key])

    for _ in range(3):
        template, count = _PLACEHOLDER.subn(one, template)
        if not count:
            break
    return template


def sentence(text: str) -> str:
    """Capitalised, with an end mark unless it has one."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?:" else text + "."

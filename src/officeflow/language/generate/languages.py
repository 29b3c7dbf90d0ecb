"""Which language a fragment is in, so a ticket stays mostly in its writer's language.

Offices in Germany, Austria, France and Belgium write in English, in their own language, or in a
mix. A writer is drawn first (English 85%, German 10%, French 5%); ``pick`` then prefers
fragments in that language and lets the others through now and then (a German writer's
"Hi team", an English writer's "merci"): an English writer keeps to English 97% of the time,
the others to their language 60% of the time.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from typing import TypeVar

_GERMAN = re.compile(
    r"\b(ich|nicht|bitte|der|die|das|mein|meine|kein|keine|ist|und|mit|zugriff|drucker|stürzt|ständig|"
    r"bricht|startet|anbei|danke|grüße|hallo|zusammen|seit|gestern|heute|ganze|neustart|eile|dringend|"
    r"passwort|postfach|bildschirm|tastatur|toner leer|guten|alle|kollegen|angriff|muss|hilfe)\b",
    re.IGNORECASE,
)
_FRENCH = re.compile(
    r"\b(je|ne|pas|mon|ma|le|la|les|une|du|est|très|depuis|ce|matin|merci|bonjour|cordialement|"
    r"imprimante|plante|connecter|connexion|impossible|logiciel|bureau|tout|réunion|concerné|svp|rien|"
    r"redémarré|vous|bien|urgent svp)\b",
    re.IGNORECASE,
)
LANGUAGES = ("en", "de", "fr")
_WEIGHTS = (85, 10, 5)

T = TypeVar("T")


@functools.lru_cache(maxsize=4096)
def language_of(text: str) -> str:
    german = len(_GERMAN.findall(text))
    french = len(_FRENCH.findall(text))
    if german == 0 and french == 0:
        return "en"
    return "de" if german >= french else "fr"


def writer_language(rng: random.Random) -> str:
    return rng.choices(LANGUAGES, weights=_WEIGHTS)[0]


def pick(rng: random.Random, pool: Sequence[T], language: str) -> T:
    """A fragment, in the writer's ``language`` (when the pool has one in it) or, now and then, in another."""
    want_own = rng.random() < (0.97 if language == "en" else 0.6)
    matching = [item for item in pool if (language_of(_text(item)) == language) == want_own]
    return rng.choice(matching or list(pool))


def _text(item: object) -> str:
    return item[0] if isinstance(item, tuple) else str(item)

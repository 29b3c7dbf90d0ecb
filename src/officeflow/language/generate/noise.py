"""How people mistype: keyboard-neighbour slips, dropped and doubled letters, swapped letters,
missing spaces, and the casing and punctuation of someone in a hurry.

Every function takes the generator's ``random.Random`` so a seed reproduces the same slips.
"""

from __future__ import annotations

import random
import re

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[j] for j in (_c - 1, _c + 1) if 0 <= j < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                near += [_ROWS[_other][j] for j in (_c - 1, _c, _c + 1) if 0 <= j < len(_ROWS[_other])]
        _NEIGHBOURS[_ch] = "".join(near)

_WORD = re.compile(r"[A-Za-z]{4,}")


def slip(word: str, rng: random.Random) -> str:
    """One typo in ``word``: a neighbour key, a dropped, doubled or swapped letter."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.35:
        ch = word[i].lower()
        if ch in _NEIGHBOURS:
            return word[:i] + rng.choice(_NEIGHBOURS[ch]) + word[i + 1 :]
    if kind < 0.65:
        return word[:i] + word[i + 1 :]
    if kind < 0.8:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def typos(text: str, rng: random.Random, rate: float) -> str:
    """Each word of four letters or more is mistyped with probability ``rate``."""
    return _WORD.sub(lambda m: slip(m.group(0), rng) if rng.random() < rate else m.group(0), text)


def drop_spaces(text: str, rng: random.Random, rate: float) -> str:
    """Some spaces vanish (``cant login``, ``pleasehelp``)."""
    return "".join(ch for ch in text if ch != " " or rng.random() >= rate)


def hurried(text: str, rng: random.Random) -> str:
    """Lower case, apostrophes and end punctuation gone, as typed on a phone between meetings."""
    text = text.lower().replace("'", "")
    if rng.random() < 0.7:
        text = re.sub(r"[.,;:]+(\s|$)", r"\1", text)
    return text


def shouting(text: str, rng: random.Random) -> str:
    """Upper case, or just the first sentence, with extra exclamation marks."""
    if rng.random() < 0.4:
        text = text.upper()
    else:
        head, _, rest = text.partition(". ")
        text = head.upper() + ("!!! " + rest if rest else "!!!")
    return text.replace("!", "!" * rng.randint(1, 3))


def roughen(text: str, rng: random.Random, care: float) -> str:
    """Typos and casing for a writer whose care is ``care`` (0 = none, 1 = proofread)."""
    if care < 0.3:
        text = hurried(text, rng)
    elif care < 0.5 and rng.random() < 0.5:
        text = text.lower()
    rate = max(0.0, 0.12 * (1.0 - care) - 0.01)
    text = typos(text, rng, rate)
    if care < 0.35 and rng.random() < 0.3:
        text = drop_spaces(text, rng, 0.06)
    return text

"""Pages as drawing operations (text at a place, in a font and size; rules), in points."""

from __future__ import annotations

from dataclasses import dataclass, field

FONTS = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "serif": "DejaVuSerif.ttf",
    "serif-bold": "DejaVuSerif-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "condensed-bold": "DejaVuSansCondensed-Bold.ttf",
}
"""Font families from Debian's fonts-dejavu-core and fonts-dejavu-extra."""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    """Top of the text line."""
    text: str
    size: float
    font: str
    align: str = "l"
    """``l``: x is the left edge; ``r``: the right edge; ``c``: the centre."""


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Sheet:
    """One page being drawn: its size, its operations, and a cursor for flowing text."""

    width: float
    height: float
    base: str = "sans"
    texts: list[Text] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    y: float = 40.0

    def text(
        self,
        x: float,
        text: str,
        size: float = 9,
        *,
        bold: bool = False,
        align: str = "l",
        y: float | None = None,
        font: str | None = None,
    ) -> None:
        face = font or (f"{self.base}-bold" if bold and f"{self.base}-bold" in FONTS else self.base)
        self.texts.append(Text(x, self.y if y is None else y, text, size, face, align))

    def line(self, size: float = 9, gap: float = 1.35) -> None:
        self.y += size * gap

    def rule(self, x0: float, x1: float, y: float | None = None) -> None:
        at = self.y if y is None else y
        self.rules.append(Rule(x0, at, x1, at))

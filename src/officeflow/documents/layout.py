"""Words grouped into lines, so rules can read a line's text and map places in it back to boxes.

Words of a page are taken left to right; a word joins the line whose last word overlaps it
vertically by half the smaller height or more (the best such line), else it starts a new line.
Following each line from word to word keeps a slightly skewed line together across a wide gap.
Within a line, words go left to right, joined by one space (two across a gap wider than a
space); a gap wider
than three times the line's height also splits the line into *segments* (columns of a table,
a label far from its value still share the line).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from officeflow.documents.model import Box, Word, union


@dataclass(frozen=True, kw_only=True)
class Line:
    """A line of words on a page, its text, and the span of each word in that text."""

    page: int
    index: int
    words: tuple[Word, ...]
    text: str
    spans: tuple[tuple[int, int], ...]

    @property
    def box(self) -> Box:
        return union([w.frame for w in self.words])

    @property
    def height(self) -> float:
        return median(w.frame[3] - w.frame[1] for w in self.words)

    def words_in(self, start: int, end: int) -> list[Word]:
        """The words whose text overlaps ``text[start:end]``."""
        return [w for w, (s, e) in zip(self.words, self.spans, strict=True) if s < end and start < e]

    def box_of(self, start: int, end: int) -> Box:
        """The reading-frame box of ``text[start:end]`` (for layout rules)."""
        return union([w.frame for w in self.words_in(start, end)])

    def page_box_of(self, start: int, end: int) -> Box:
        """The page box of ``text[start:end]`` (for output)."""
        return union([w.box for w in self.words_in(start, end)])

    @property
    def page_box(self) -> Box:
        return union([w.box for w in self.words])

    def confidence_of(self, start: int, end: int) -> float:
        words = self.words_in(start, end)
        return sum(w.confidence for w in words) / len(words) if words else 0.0

    def x_at(self, position: int) -> float:
        """The x where the character at ``position`` of the text is (by its word)."""
        for word, (s, e) in zip(self.words, self.spans, strict=True):
            if s <= position < e + 1:
                width = word.frame[2] - word.frame[0]
                return word.frame[0] + width * (position - s) / max(1, e - s)
        return self.words[-1].frame[2]


def build_lines(words: list[Word]) -> list[Line]:
    """The lines of all pages, top to bottom on each page, pages in order."""
    lines: list[Line] = []
    for page in sorted({w.page for w in words}):
        groups: list[list[Word]] = []
        for word in sorted((w for w in words if w.page == page and w.text.strip()), key=lambda w: w.frame[0]):
            best: list[Word] | None = None
            best_overlap = 0.0
            for group in groups:
                last = group[-1]
                if last.frame[2] > word.frame[0] + 0.5 * (word.frame[2] - word.frame[0]):
                    continue  # the group already reaches past this word's start
                overlap = min(last.frame[3], word.frame[3]) - max(last.frame[1], word.frame[1])
                ratio = overlap / max(1e-6, min(last.frame[3] - last.frame[1], word.frame[3] - word.frame[1]))
                if ratio > best_overlap:
                    best, best_overlap = group, ratio
            if best is not None and best_overlap >= 0.5:
                best.append(word)
            else:
                groups.append([word])
        groups.sort(key=lambda g: (min(w.frame[1] for w in g) + max(w.frame[3] for w in g)) / 2)
        for group in groups:
            lines.append(_line(page, len(lines), group))
    return lines


def _line(page: int, index: int, words: list[Word]) -> Line:
    """The line's text: words joined by one space, by two where the gap is wider than a space
    (so "2   100,00" in two columns is not read as the amount 2 100,00)."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for i, word in enumerate(words):
        text = word.text.strip()
        if i:
            previous = words[i - 1].frame
            height = min(previous[3] - previous[1], word.frame[3] - word.frame[1])
            separator = "  " if word.frame[0] - previous[2] > 0.9 * height else " "
            parts.append(separator)
            at += len(separator)
        spans.append((at, at + len(text)))
        parts.append(text)
        at += len(text)
    return Line(page=page, index=index, words=tuple(words), text="".join(parts), spans=tuple(spans))


def segments(line: Line) -> list[tuple[int, int]]:
    """Spans of the line's text separated by wide gaps (columns)."""
    gap = 3 * line.height
    out: list[tuple[int, int]] = []
    start = line.spans[0][0]
    for i in range(1, len(line.words)):
        if line.words[i].frame[0] - line.words[i - 1].frame[2] > gap:
            out.append((start, line.spans[i - 1][1]))
            start = line.spans[i][0]
    out.append((start, line.spans[-1][1]))
    return out


def below(lines: list[Line], line: Line, x0: float, x1: float, *, depth: int = 3) -> list[Line]:
    """Up to ``depth`` lines under ``line`` on its page that overlap ``x0..x1`` horizontally."""
    out: list[Line] = []
    limit = line.box[3] + depth * 2.2 * line.height
    for other in lines[line.index + 1 :]:
        if other.page != line.page or other.box[1] > limit:
            break
        if any(w.frame[0] < x1 and x0 < w.frame[2] for w in other.words):
            out.append(other)
        if len(out) >= depth:
            break
    return out

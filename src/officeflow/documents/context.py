"""A document's lines with their labels, locale and page sizes, and the label-to-value search.

A value (an amount, a date, a number) is *labelled* by the nearest label to its left on the
same line, or else by a label in one of the two lines above whose box overlaps it horizontally
(a column header, a label written above its value). A line with two or more item-table headers
("Qty", "Price", "Total"), or that heads a tax summary ("GST summary"), labels nothing: the
amounts under "Total" in an item table are not the invoice's total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from officeflow.documents.layout import Line, build_lines
from officeflow.documents.lexicon import Label, find_labels
from officeflow.documents.locale import DocumentLocale, infer_locale
from officeflow.documents.model import Box, Page


@dataclass(frozen=True, kw_only=True)
class Labelled:
    """The label that governs a place in a line, and how it was found (``left`` or ``above``)."""

    label: Label
    how: str
    line: Line


@dataclass(kw_only=True)
class DocumentContext:
    """Everything the field rules read: lines, labels by line, the locale, the pages."""

    pages: dict[int, Page]
    lines: list[Line]
    locale: DocumentLocale
    labels: dict[int, list[Label]] = field(default_factory=dict)
    table_headers: set[int] = field(default_factory=set)
    text_height: float = 1.0

    @classmethod
    def of(cls, pages: list[Page]) -> DocumentContext:
        words = [w for p in pages for w in p.words]
        lines = build_lines(words)
        context = cls(
            pages={p.number: p for p in pages},
            lines=lines,
            locale=infer_locale([line.text for line in lines]),
        )
        for line in lines:
            labels = find_labels(line.text)
            context.labels[line.index] = labels
            headers = [label for label in labels if label.role == "header"]
            if len(headers) >= 2 or any(label.strength == 3 for label in headers):  # a table or a tax summary
                context.table_headers.add(line.index)
        context.text_height = median([line.height for line in lines]) if lines else 1.0
        return context

    def page_height(self, page: int) -> float:
        return self.pages[page].height if page in self.pages else 1.0

    def relative_y(self, line: Line) -> float:
        """Where the line is on the document, 0 (top of the first page) to 1 (bottom of the last)."""
        count = max(self.pages) if self.pages else 1
        return ((line.page - 1) + line.box[1] / self.page_height(line.page)) / count

    def labels_left(self, line: Line, start: int) -> list[Label]:
        """The labels left of ``start`` in the line, nearest first."""
        if line.index in self.table_headers:
            return []
        found = [label for label in self.labels.get(line.index, []) if label.end <= start]
        return sorted(found, key=lambda label: start - label.end)

    def label_for(self, line: Line, start: int, end: int, roles: frozenset[str]) -> Labelled | None:
        """The label of one of ``roles`` governing ``line.text[start:end]``, if any.

        The nearest label to the left wins if it has one of the roles; a label of another role
        in between shields the value from labels further left.
        """
        left = self.labels_left(line, start)
        for label in left:
            same_place = [other for other in left if (other.start, other.end) == (label.start, label.end)]
            match = next((other for other in same_place if other.role in roles), None)
            if match is not None:
                return Labelled(label=match, how="left", line=line)
            if max(other.strength for other in same_place) >= 2:
                return None  # a label of another role stands between
        if left:
            return None
        box = line.box_of(start, end)
        return self._label_above(line, box, roles)

    def _label_above(self, line: Line, box: Box, roles: frozenset[str]) -> Labelled | None:
        seen = 0
        for other in reversed(self.lines[max(0, line.index - 3) : line.index]):
            if other.page != line.page or box[1] - other.box[3] > 3 * line.height:
                break
            seen += 1
            if seen > 2:
                break
            if other.index in self.table_headers:
                continue
            for label in self.labels.get(other.index, []):
                if label.role not in roles:
                    continue
                lx0, _, lx1, _ = other.box_of(label.start, label.end)
                slack = 0.5 * (lx1 - lx0)
                if lx0 - slack <= box[2] and box[0] <= lx1 + slack:
                    return Labelled(label=label, how="above", line=other)
        return None

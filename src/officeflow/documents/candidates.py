"""Candidates for a field: a value found somewhere, with the features that make it likely.

Every rule yields candidates; a field takes the best-scored one. The chosen candidate's rule,
OCR confidence and margin over the runner-up are the evidence its confidence is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass

from officeflow.documents.layout import Line
from officeflow.documents.model import Box, Evidence, Field, FieldValue


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A possible value of a field, where it is, and how good a guess it is."""

    value: FieldValue
    score: float
    rule: str
    line: Line
    start: int
    end: int

    @property
    def box(self) -> Box:
        return self.line.page_box_of(self.start, self.end)

    @property
    def ocr(self) -> float:
        return self.line.confidence_of(self.start, self.end)

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


def best(candidates: list[Candidate]) -> tuple[Candidate, float] | None:
    """The best candidate and its margin (0..1) over the best one with a different value."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    top = ranked[0]
    rival = next((c for c in ranked[1:] if c.value != top.value), None)
    if rival is None:
        return top, 1.0
    gap = top.score - rival.score
    return top, max(0.0, min(1.0, gap / max(abs(top.score), 1.0)))


def to_field(candidate: Candidate, margin: float, *, rule: str | None = None) -> Field:
    """The field a chosen candidate gives, its confidence to be set by calibration."""
    return Field(
        value=candidate.value,
        confidence=0.0,
        page=candidate.line.page,
        box=candidate.box,
        text=candidate.text,
        evidence=Evidence(rule=rule or candidate.rule, ocr=candidate.ocr, margin=margin),
    )

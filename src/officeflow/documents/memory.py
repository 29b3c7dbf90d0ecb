"""Per-vendor memory: where a vendor prints its fields, learned from a clerk's corrections.

``learn(extraction, corrections)`` finds each field's final value (corrected, or confirmed by
being let stand) among the document's words and remembers, for that vendor, the *anchor* (the
words just left of the value, or the line just above it), the direction from anchor to value,
the value's *shape* (``RE-\\d{4}-\\d{3}``) and its place on the page. ``apply`` (called by
extraction when a memory is given) recognises the vendor by VAT id, IBAN or name and reads each
remembered field at its anchor, else at its remembered place: a corrected field replaces what
the generic rules found, a confirmed one fills only a field they missed. A corrected vendor name
is kept as the name for that vendor. The memory is plain JSON (``to_json`` / ``from_json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from officeflow.documents.amounts import find_amounts
from officeflow.documents.candidates import Candidate, to_field
from officeflow.documents.dates import find_dates
from officeflow.documents.layout import Line, build_lines
from officeflow.documents.lexicon import fold
from officeflow.documents.model import Evidence, Extraction, Field, FieldValue

if TYPE_CHECKING:
    from officeflow.documents.context import DocumentContext

AMOUNT_FIELDS = frozenset({"total", "net", "tax"})
DATE_FIELDS = frozenset({"date", "due_date"})
TEXT_FIELDS = frozenset({"invoice_number", "po_number"})
LEARNED = AMOUNT_FIELDS | DATE_FIELDS | TEXT_FIELDS
VERSION = 1


@dataclass(kw_only=True)
class FieldRule:
    """Where one vendor prints one field."""

    anchor: str
    """Folded words before the value (same line) or above it; empty when none."""
    direction: str
    """``right`` (anchor on the value's line) or ``below`` (anchor on the line above)."""
    shape: str
    """A regular expression the value's text matches (for numbers), else empty."""
    x: float
    y: float
    """The value's centre, relative to the page (0..1)."""
    page: int
    corrected: bool = True
    """Learned from a correction (replaces what the rules find), or from a value the clerk let
    stand (fills the field only where the rules find nothing)."""


@dataclass(kw_only=True)
class VendorProfile:
    """What is known about one vendor."""

    keys: list[str]
    vendor: str | None = None
    fields: dict[str, FieldRule] = field(default_factory=dict)
    corrections: int = 0

    @property
    def key(self) -> str:
        """The most stable of the vendor's keys: VAT id, then IBAN, then name."""
        return min(self.keys, key=lambda k: ("vat:", "iban:", "name:").index(k.split(":")[0] + ":"))


def shape_of(text: str) -> str:
    """A pattern for values like ``text``: digit runs of about the same length, the rest literal."""
    parts = []
    for token in re.findall(r"\d+|[A-Za-z]+|.", text):
        if token.isdigit():
            n = len(token)
            parts.append(rf"\d{{{max(1, n - 1)},{n + 1}}}")
        elif token.isalpha():
            parts.append(re.escape(token))
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def _keys_of(fields: dict[str, Any]) -> list[str]:
    keys = []
    for name, prefix in (("vendor_tax_id", "vat"), ("iban", "iban")):
        value = fields.get(name)
        if value:
            keys.append(f"{prefix}:{re.sub(r'[^A-Z0-9/]', '', str(value).upper())}")
    vendor = fields.get("vendor")
    if vendor:
        name = re.sub(r"[^a-z0-9]+", " ", fold(str(vendor))).strip()
        if name:
            keys.append(f"name:{name}")
    return keys


def matches(name: str, value: FieldValue, line: Line) -> list[tuple[int, int]]:
    """Spans in the line where ``value`` of field ``name`` is written."""
    if name in AMOUNT_FIELDS:
        return [(a.start, a.end) for a in find_amounts(line.text) if abs(a.value - float(value)) < 0.011]
    if name in DATE_FIELDS:
        return [
            (d.start, d.end)
            for order in (True, False)
            for d in find_dates(line.text, day_first=order)
            if d.value.isoformat() == value
        ]
    wanted = re.sub(r"\s", "", str(value)).lower()
    if name not in TEXT_FIELDS:  # a name, VAT id, IBAN or currency, spaces within it allowed
        pattern = r"\s*".join(re.escape(c) for c in str(value) if not c.isspace())
        m = re.search(pattern, line.text, re.I) if pattern else None
        return [(m.start(), m.end())] if m else []
    out = []
    for word, (s, e) in zip(line.words, line.spans, strict=True):
        if re.sub(r"\s", "", word.text).lower().strip(":#.,") == wanted:
            out.append((s, e))
    return out


def _anchor(lines: list[Line], line: Line, start: int) -> tuple[str, str]:
    before = re.sub(r"[^a-z0-9äöüß°#/. -]", " ", fold(line.text[:start])).split()
    if before:
        return " ".join(before[-3:]), "right"
    x0, _, x1, _ = line.box_of(start, start + 1)
    for other in reversed(lines[max(0, line.index - 2) : line.index]):
        if other.page != line.page:
            continue
        near = [w for w in other.words if w.frame[0] < x1 + 50 and x0 - 50 < w.frame[2]]
        if near:
            return " ".join(fold(w.text) for w in near[:3]), "below"
    return "", "right"


def _value_at(name: str, line: Line, start: int, end: int, rule: FieldRule) -> tuple[FieldValue, int, int] | None:
    text = line.text
    if name in AMOUNT_FIELDS:
        found = find_amounts(text[start:end])
        return (round(found[-1].value, 2), start + found[-1].start, start + found[-1].end) if found else None
    if name in DATE_FIELDS:
        dates = find_dates(text[start:end])
        return (dates[0].value.isoformat(), start + dates[0].start, start + dates[0].end) if dates else None
    m = re.search(rf"(?<![A-Za-z0-9]){rule.shape}(?![A-Za-z0-9])", text[start:end]) if rule.shape else None
    return (m.group(0), start + m.start(), start + m.end()) if m else None


class VendorMemory:
    """Vendors' layouts learned from corrections; JSON in and out."""

    def __init__(self, profiles: list[VendorProfile] | None = None) -> None:
        self.profiles: list[VendorProfile] = profiles or []

    def profile(self, keys: list[str]) -> VendorProfile | None:
        for profile in self.profiles:
            if any(k in profile.keys for k in keys):
                return profile
        return None

    def learn(self, extraction: Extraction, corrections: dict[str, FieldValue]) -> VendorProfile:
        """Remember where this document's vendor prints its fields: the corrected values, and the
        values the clerk let stand (a reviewed document's fields are all confirmed)."""
        values: dict[str, Any] = {name: extraction.value(name) for name in extraction.fields}
        values.update(corrections)
        keys = _keys_of(values) + ([extraction.vendor_key] if extraction.vendor_key else [])
        profile = self.profile(keys)
        if profile is None:
            profile = VendorProfile(keys=[])
            self.profiles.append(profile)
        profile.keys = sorted(set(profile.keys) | set(keys))
        profile.corrections += 1
        if "vendor" in corrections:
            profile.vendor = str(corrections["vendor"])
        lines = build_lines(extraction.words())
        sizes = {p.number: (p.width, p.height) for p in extraction.pages}
        for name in sorted(LEARNED):
            value = values.get(name)
            if value is None:
                continue
            for line in lines:
                spans = matches(name, value, line)
                if not spans:
                    continue
                start, end = spans[0]
                anchor, direction = _anchor(lines, line, start)
                x0, y0, x1, y1 = line.box_of(start, end)
                width, height = sizes.get(line.page, (1.0, 1.0))
                profile.fields[name] = FieldRule(
                    anchor=anchor,
                    direction=direction,
                    shape=shape_of(line.text[start:end]) if name in TEXT_FIELDS else "",
                    x=(x0 + x1) / 2 / width,
                    y=(y0 + y1) / 2 / height,
                    page=line.page,
                    corrected=name in corrections,
                )
                break
        return profile

    def apply(
        self, context: DocumentContext, fields: dict[str, Field | None], key: str | None
    ) -> tuple[dict[str, Field | None], tuple[str, ...], str | None]:
        """The fields with what this vendor's memory knows better, the fields it set, the vendor key."""
        keys = _keys_of({n: (f.value if f else None) for n, f in fields.items()}) + ([key] if key else [])
        profile = self.profile(keys)
        if profile is None:
            return fields, (), key
        fields = dict(fields)
        applied: list[str] = []
        if profile.vendor:
            current = fields.get("vendor")
            if current is None or current.value != profile.vendor:
                fields["vendor"] = Field(
                    value=profile.vendor,
                    confidence=0.0,
                    page=current.page if current else None,
                    box=current.box if current else None,
                    evidence=Evidence(rule="memory:name", ocr=1.0, margin=1.0),
                    text=profile.vendor,
                )
                applied.append("vendor")
        for name, rule in profile.fields.items():
            if not rule.corrected and fields.get(name) is not None:
                continue
            found = self._find(context, name, rule)
            if found is not None:
                fields[name] = found
                applied.append(name)
        return fields, tuple(applied), profile.key

    def _find(self, context: DocumentContext, name: str, rule: FieldRule) -> Field | None:
        lines = context.lines
        if rule.anchor:
            for line in lines:
                folded = fold(line.text)
                at = folded.find(rule.anchor)
                if at < 0:
                    continue
                if rule.direction == "right":
                    found = _value_at(name, line, at + len(rule.anchor), len(line.text), rule)
                    if found:
                        return self._field(found, line, "memory:anchor")
                else:
                    for under in lines[line.index + 1 : line.index + 3]:
                        found = _value_at(name, under, 0, len(under.text), rule)
                        if found:
                            return self._field(found, under, "memory:anchor")
        best: tuple[float, Field] | None = None
        for line in lines:
            if line.page != rule.page:
                continue
            found = _value_at(name, line, 0, len(line.text), rule)
            if not found:
                continue
            x0, y0, x1, y1 = line.box_of(found[1], found[2])
            page = context.pages[line.page]
            distance = abs((x0 + x1) / 2 / page.width - rule.x) + abs((y0 + y1) / 2 / page.height - rule.y)
            if distance < 0.15 and (best is None or distance < best[0]):
                best = (distance, self._field(found, line, "memory:position"))
        return best[1] if best else None

    @staticmethod
    def _field(found: tuple[FieldValue, int, int], line: Line, rule: str) -> Field:
        value, start, end = found
        return to_field(Candidate(value=value, score=1.0, rule=rule, line=line, start=start, end=end), 1.0)

    def to_json(self) -> str:
        return json.dumps(
            {"version": VERSION, "vendors": [asdict(p) for p in self.profiles]}, ensure_ascii=False, sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str) -> VendorMemory:
        """The memory ``to_json`` wrote; a ValueError names what is wrong."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("vendors"), list):
            raise ValueError(f"not a vendor memory of version {VERSION}")
        profiles = []
        for raw in data["vendors"]:
            rules = {name: FieldRule(**rule) for name, rule in raw.get("fields", {}).items()}
            profiles.append(
                VendorProfile(
                    keys=list(raw["keys"]),
                    vendor=raw.get("vendor"),
                    fields=rules,
                    corrections=int(raw.get("corrections", 0)),
                )
            )
        return cls(profiles)

"""An index over a decision table's columns, so a row's literal cells are not tested one by one.

For a column whose cells are literal tests (``< 10``, ``[1..5]``, ``"a", "b"``, ``not(...)``,
``-``), every cell's set of values is known (:mod:`regions`). The column's endpoints cut its value
line into pieces (points and the open intervals between them); for each piece the index holds a
bit mask of the rows whose cell matches every value of that piece, and one more mask for null.
Looking a value up is one binary search; ANDing the masks of the indexed columns leaves exactly the
rows whose literal cells all match. Cells that read variables, use ``?`` or are CEL are not in the
index: their rows stay in every mask and their cells are tested as before. A value of another kind
than the column's (a string for a number column) is not looked up: that column's cells are tested
one by one, so the result is always what testing every cell would give.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from officeflow.rules.regions import FULL, Interval, Region

_INDEXABLE = (Decimal, str, bool, date)


class ColumnIndex:
    """The masks of one column (see the module docstring)."""

    __slots__ = ("cuts", "kind", "masks", "null_mask")

    def __init__(self, cuts: list[Any], kind: type, masks: list[int], null_mask: int) -> None:
        self.cuts = cuts
        self.kind = kind
        self.masks = masks
        self.null_mask = null_mask

    def lookup(self, value: Any) -> int | None:
        """The rows whose cell in this column matches ``value``; None when the value's kind is not
        the column's (test the cells instead)."""
        if value is None:
            return self.null_mask
        if type(value) is not self.kind:
            return None
        cuts = self.cuts
        i = bisect_left(cuts, value)
        if i < len(cuts) and cuts[i] == value:
            return self.masks[2 * i + 1]
        return self.masks[2 * i]


def build_column_index(regions: Sequence[Region | None]) -> ColumnIndex | None:
    """The index of one column from its cells' regions (None: unknown cell); None when the column
    has nothing to index (every cell ``-`` or unknown) or mixes kinds of values."""
    cuts_set: set[Any] = set()
    for region in regions:
        if region is not None:
            cuts_set |= region.endpoints()
    kinds = {type(v) for v in cuts_set}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind not in _INDEXABLE:
        return None
    cuts = sorted(cuts_set)
    pieces: list[Interval] = []
    previous: Any = None
    for value in cuts:
        pieces.append(Interval(previous, False, value, False))
        pieces.append(Interval(value, True, value, True))
        previous = value
    pieces.append(Interval(previous, False, None, False))
    masks = [0] * len(pieces)
    null_mask = 0
    for row, region in enumerate(regions):
        bit = 1 << row
        if region is None or region == FULL:
            null_mask |= bit
            for p in range(len(pieces)):
                masks[p] |= bit
            continue
        if region.null:
            null_mask |= bit
        for p, piece in enumerate(pieces):
            if region.covers(piece):
                masks[p] |= bit
    return ColumnIndex(cuts, kind, masks, null_mask)

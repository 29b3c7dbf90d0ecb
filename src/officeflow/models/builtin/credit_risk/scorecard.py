"""The credit-risk scorecard: characteristics binned, weights of evidence, points and reason codes.

Each characteristic's value falls in one bin (numeric: between cut points; categorical: a group
of levels) with a weight of evidence (WoE: ln of the bin's share of good over its share of bad
applicants in training). A logistic regression on the WoE values gives the log-odds of default,
``b0 + sum(c_j * woe_j)``. The scorecard turns it into points the usual way: 600 points at odds of
50 good to 1 bad, 20 points more for each doubling of the odds (``factor = 20 / ln 2``), so a
characteristic earns ``-factor * c_j * woe_j`` points and the score is the base points plus their
sum. An applicant's reason codes are the characteristics that cost the most points against the
best bin of the same characteristic: what an adverse-action notice lists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from officeflow.models.builtin.credit_risk.data import PLAIN, plain_value

PDO = 20.0
BASE_SCORE = 600.0
BASE_ODDS = 50.0
FACTOR = PDO / math.log(2)
OFFSET = BASE_SCORE - FACTOR * math.log(BASE_ODDS)
UNSEEN = -1


@dataclass(frozen=True, kw_only=True)
class Characteristic:
    """One characteristic's bins and their weights of evidence.

    Numeric bins are ``(-inf, s0), [s0, s1), ..., [sk, inf)`` for cut points ``splits``;
    categorical bins are the ``groups`` of levels. A level never seen in training, or a missing
    value, gets WoE 0 (no evidence either way).
    """

    name: str
    splits: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    woe: tuple[float, ...] = ()

    @property
    def numeric(self) -> bool:
        return not self.groups

    def bin_of(self, value: Any) -> int:
        if value is None:
            return UNSEEN
        if self.numeric:
            return int(np.searchsorted(self.splits, float(value), side="right"))
        text = str(value)
        for k, group in enumerate(self.groups):
            if text in group:
                return k
        return UNSEEN

    def woe_of(self, value: Any) -> float:
        k = self.bin_of(value)
        return 0.0 if k == UNSEEN else self.woe[k]

    def describe(self, value: Any) -> str:
        """``Plain name: value`` for a reason code."""
        shown = f"{value:g}" if self.numeric and isinstance(value, int | float) else plain_value(value)
        return f"{PLAIN.get(self.name, self.name)}: {shown}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "splits": list(self.splits),
            "groups": [list(g) for g in self.groups],
            "woe": list(self.woe),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Characteristic:
        return cls(
            name=str(data["name"]),
            splits=tuple(float(s) for s in data.get("splits", ())),
            groups=tuple(tuple(str(v) for v in g) for g in data.get("groups", ())),
            woe=tuple(float(w) for w in data["woe"]),
        )


@dataclass(frozen=True, kw_only=True)
class Scorecard:
    """Characteristics with the logistic regression's weights: points, score and reasons."""

    characteristics: tuple[Characteristic, ...]
    coefficients: tuple[float, ...]
    intercept: float

    def woe_matrix(self, items: Sequence[Mapping[str, Any]]) -> NDArray[np.float64]:
        return np.array([[c.woe_of(item.get(c.name)) for c in self.characteristics] for item in items])

    def log_odds_of_default(self, woe: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.intercept + woe @ np.asarray(self.coefficients), dtype=np.float64)

    @property
    def base_points(self) -> float:
        return OFFSET - FACTOR * self.intercept

    def points(self, woe: NDArray[np.float64]) -> NDArray[np.float64]:
        """Points per characteristic, shape (n, characteristics)."""
        return np.asarray(-FACTOR * woe * np.asarray(self.coefficients), dtype=np.float64)

    def best_points(self) -> NDArray[np.float64]:
        """The most points each characteristic can earn (its best bin, or WoE 0 when all bins cost points)."""
        return np.array(
            [
                max(-FACTOR * c * w for w in (*ch.woe, 0.0))
                for ch, c in zip(self.characteristics, self.coefficients, strict=True)
            ]
        )

    def reasons(
        self, item: Mapping[str, Any], points: NDArray[np.float64], limit: int = 4
    ) -> list[tuple[str, str, float]]:
        """The characteristics that cost the most points against their best bin: (name, text, points lost)."""
        lost = self.best_points() - points
        order = np.argsort(-lost, kind="stable")
        out = []
        for j in order[:limit]:
            if lost[j] <= 0.5:
                break
            ch = self.characteristics[j]
            out.append((ch.name, ch.describe(item.get(ch.name)), float(lost[j])))
        return out

    def bins_as_dict(self) -> dict[str, Any]:
        """The bins (``scorecard.json``); the weights live in the logistic regression (``model.skops``)."""
        return {
            "characteristics": [c.as_dict() for c in self.characteristics],
            "scaling": {"pdo": PDO, "base_score": BASE_SCORE, "base_odds": BASE_ODDS},
        }

    @classmethod
    def from_parts(cls, bins: Mapping[str, Any], coefficients: Sequence[float], intercept: float) -> Scorecard:
        characteristics = tuple(Characteristic.from_dict(c) for c in bins["characteristics"])
        if len(characteristics) != len(coefficients):
            raise ValueError(f"{len(characteristics)} characteristics but {len(coefficients)} coefficients")
        return cls(
            characteristics=characteristics,
            coefficients=tuple(float(c) for c in coefficients),
            intercept=float(intercept),
        )

"""From a claim and the employee's recent claims to the expense-anomaly model's feature vector.

The input is ``{"claim": {...}, "recent_claims": [...]}``: history-dependent anomalies (duplicates,
split purchases) can only be seen against the employee's earlier claims, so the caller passes
those of the last 30 days. The features are rules written as numbers (over the limit, a round
amount, a weekend day, how many earlier claims share merchant and amount, what the same merchant
was paid the same day) that the gradient-boosted trees combine; ``Evidence`` keeps the facts a
reason code quotes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from officeflow.errors import Problem
from officeflow.models.builtin.expense_anomaly.generator import CATEGORIES, LIMITS
from officeflow.models.errors import ModelInputInvalid

FEATURES = (
    *(f"category_{c}" for c in CATEGORIES),
    "log_amount",
    "limit_ratio",
    "over_limit",
    "whole_amount",
    "multiple_of_10",
    "multiple_of_50",
    "weekend",
    "merchant_known",
    "merchant_category_share",
    "same_merchant_amount_3d",
    "same_amount_30d",
    "same_merchant_same_day",
    "same_merchant_day_limit_ratio",
    "recent_claims",
)
DUPLICATE_DAYS = 3

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["claim"],
    "properties": {
        "claim": {
            "type": "object",
            "required": ["merchant", "category", "amount", "date"],
            "properties": {
                "employee_id": {"type": "string"},
                "merchant": {"type": "string", "minLength": 1},
                "category": {"enum": list(CATEGORIES)},
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "date": {"type": "string", "format": "date"},
            },
        },
        "recent_claims": {
            "type": "array",
            "description": "the employee's claims of the 30 days before this one",
            "items": {
                "type": "object",
                "required": ["merchant", "category", "amount", "date"],
                "properties": {
                    "merchant": {"type": "string"},
                    "category": {"type": "string"},
                    "amount": {"type": "number"},
                    "date": {"type": "string", "format": "date"},
                },
            },
        },
    },
}


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """The facts behind the features, for reason codes."""

    duplicate_of: str | None
    same_day_claims: int
    same_day_total: float
    weekday: int
    merchant_category: str | None


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _cents(amount: float) -> int:
    return round(amount * 100)


def _date(text: str, pointer: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ModelInputInvalid(
            [Problem(message=f"{text!r} is not a date", pointer=pointer, expected="YYYY-MM-DD")]
        ) from None


def featurize(
    items: Sequence[Mapping[str, Any]], merchants: Mapping[str, Mapping[str, float]]
) -> tuple[NDArray[np.float32], list[Evidence]]:
    """The (n, features) matrix and each item's evidence. ``merchants`` maps a merchant to its category shares."""
    rows = np.zeros((len(items), len(FEATURES)), dtype=np.float32)
    evidence = []
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    base = len(CATEGORIES)
    for r, item in enumerate(items):
        claim = item["claim"]
        category = claim["category"]
        amount = float(claim["amount"])
        cents = _cents(amount)
        day = _date(claim["date"], f"/{r}/claim/date")
        limit = LIMITS[category]
        shares = merchants.get(claim["merchant"])
        row = rows[r]
        row[cat_index[category]] = 1.0
        row[base] = math.log1p(amount)
        row[base + 1] = amount / limit
        row[base + 2] = float(amount > limit)
        row[base + 3] = float(cents % 100 == 0)
        row[base + 4] = float(cents % 1000 == 0)
        row[base + 5] = float(cents % 5000 == 0)
        row[base + 6] = float(day.weekday() >= 5)
        row[base + 7] = float(shares is not None)
        row[base + 8] = shares.get(category, 0.0) if shares else 0.0
        dup = same_amount = same_day = 0
        same_day_total = amount
        duplicate_of = None
        merchant = claim["merchant"]
        recent = item.get("recent_claims") or ()
        for position, earlier in enumerate(recent):
            same_merchant = earlier["merchant"] == merchant
            same_cents = abs(earlier["amount"] - amount) < 0.005
            if not (same_cents or same_merchant):
                continue
            gap = (day - _date(earlier["date"], f"/{r}/recent_claims/{position}/date")).days
            if same_cents:
                same_amount += 1
                if same_merchant and 0 <= gap <= DUPLICATE_DAYS:
                    dup += 1
                    duplicate_of = earlier["date"]
            if same_merchant and gap == 0:
                same_day += 1
                same_day_total += float(earlier["amount"])
        row[base + 9] = dup
        row[base + 10] = same_amount
        row[base + 11] = same_day
        row[base + 12] = same_day_total / limit
        row[base + 13] = len(recent)
        main = max(shares, key=lambda c: shares[c]) if shares else None
        evidence.append(
            Evidence(
                duplicate_of=duplicate_of,
                same_day_claims=same_day + 1,
                same_day_total=same_day_total,
                weekday=day.weekday(),
                merchant_category=main,
            )
        )
    return rows, evidence


def merchant_directory(items: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Each merchant's share of claims per category in training data."""
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        claim = item["claim"]
        per = counts.setdefault(claim["merchant"], {})
        per[claim["category"]] = per.get(claim["category"], 0) + 1
    return {
        m: {c: round(n / sum(per.values()), 4) for c, n in sorted(per.items())} for m, per in sorted(counts.items())
    }


def reason_text(kind: str, claim: Mapping[str, Any], ev: Evidence) -> str:
    """The sentence a person reads for one anomaly type."""
    category = claim["category"]
    amount = float(claim["amount"])
    limit = LIMITS[category]
    label = category.replace("_", " ")
    if kind == "duplicate":
        when = f"of {ev.duplicate_of}" if ev.duplicate_of else "filed recently"
        return f"Same merchant and amount as a claim {when}"
    if kind == "split":
        return (
            f"{ev.same_day_claims} claims at {claim['merchant']} on {claim['date']} total {ev.same_day_total:.2f}, "
            f"over the {label} limit of {limit:.2f}"
        )
    if kind == "weekend":
        return f"Filed for a {WEEKDAYS[ev.weekday]}, and {label} is not bought on trips"
    if kind == "round_amount":
        return f"A round amount ({amount:.2f}) for {label}"
    if kind == "over_limit":
        return f"{amount:.2f} is over the {label} limit of {limit:.2f}"
    if kind == "mismatch":
        if ev.merchant_category is None:
            return f"{claim['merchant']} is not a known merchant"
        return f"{claim['merchant']} sells {ev.merchant_category.replace('_', ' ')}, not {label}"
    return kind

"""A seeded generator of expense claims with labelled anomalies (the expense-anomaly model's data).

Sixty employees file claims over one year at merchants that each sell one category. Normal claims
have category-typical amounts in cents, fall on working days (travel, lodging and meals also at
weekends, as trips do), and mostly stay under the category's per-claim limit. About one claim in
eight carries one anomaly:

============  ==================================================================================
duplicate     the same merchant and amount as a claim of the last few days, filed again
split         a purchase over the limit filed as two to four claims just under it, same merchant
              and day (the second and later parts are labelled: the first has nothing to compare)
weekend       a weekend claim in a category that is not bought on trips (office supplies, software)
round_amount  a suspiciously round amount (50, 100, ... 400.00) where amounts are normally exact
over_limit    an amount over the category's per-claim limit
mismatch      a merchant that does not sell the claimed category
============  ==================================================================================

Each generated claim comes with the employee's claims of the 30 days before it, which is what the
model receives as ``recent_claims``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

NORMAL = "normal"
TYPES = ("duplicate", "split", "weekend", "round_amount", "over_limit", "mismatch")
LABELS = (NORMAL, *TYPES)

LIMITS: dict[str, float] = {
    "meals": 60.0,
    "taxi": 80.0,
    "lodging": 250.0,
    "travel": 800.0,
    "office_supplies": 150.0,
    "software": 300.0,
    "entertainment": 200.0,
}
CATEGORIES = tuple(LIMITS)
TRIP_CATEGORIES = ("meals", "taxi", "lodging", "travel")
# median amount as a share of the limit, and the spread (lognormal sigma)
TYPICAL = {
    "meals": (0.4, 0.4),
    "taxi": (0.35, 0.45),
    "lodging": (0.55, 0.25),
    "travel": (0.3, 0.6),
    "office_supplies": (0.25, 0.6),
    "software": (0.3, 0.5),
    "entertainment": (0.45, 0.35),
}
MERCHANTS: dict[str, str] = {
    "Trattoria Roma": "meals",
    "Cafe Central": "meals",
    "Sushi Kan": "meals",
    "Burger Works": "meals",
    "Le Petit Bistro": "meals",
    "City Cabs": "taxi",
    "Uber": "taxi",
    "FreeNow": "taxi",
    "Hotel Ibis": "lodging",
    "Motel One": "lodging",
    "Hilton Garden Inn": "lodging",
    "NH Hotels": "lodging",
    "Deutsche Bahn": "travel",
    "Lufthansa": "travel",
    "SNCF": "travel",
    "Eurowings": "travel",
    "Staples": "office_supplies",
    "Office Depot": "office_supplies",
    "Viking Direct": "office_supplies",
    "Adobe": "software",
    "JetBrains": "software",
    "Atlassian": "software",
    "The Grand Steakhouse": "entertainment",
    "Opera House Tickets": "entertainment",
    "Wine Bar Nova": "entertainment",
}
START = dt.date(2025, 1, 1)
DAYS = 365
HISTORY_DAYS = 30


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A generated claim and its label."""

    employee_id: str
    merchant: str
    category: str
    amount: float
    date: dt.date
    label: str

    def as_input(self) -> dict[str, Any]:
        return {
            "employee_id": self.employee_id,
            "merchant": self.merchant,
            "category": self.category,
            "amount": self.amount,
            "date": self.date.isoformat(),
        }


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.by_category: dict[str, list[str]] = {}
        for merchant, category in MERCHANTS.items():
            self.by_category.setdefault(category, []).append(merchant)

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def amount(self, category: str) -> float:
        median, sigma = TYPICAL[category]
        value = LIMITS[category] * median * float(np.exp(self.rng.normal(0, sigma)))
        value = min(value, LIMITS[category] * 0.98)
        if self.rng.random() < 0.03:  # some honest claims are whole amounts (a taxi rounded up)
            return float(max(5, round(value)))
        return round(max(value, 2.0), 2)

    def day(self, weekend_share: float) -> dt.date:
        while True:
            d = START + dt.timedelta(days=int(self.rng.integers(DAYS)))
            if d.weekday() < 5 or self.rng.random() < weekend_share:
                return d

    def normal(self, employee: str) -> Claim:
        category = self.pick(CATEGORIES)
        merchant = self.pick(self.by_category[category])
        amount = self.amount(category)
        if category == "taxi" and int(employee[2:]) % 8 == 0 and self.rng.random() < 0.7:
            # a commuter's fixed fare: same merchant and amount again and again, and honest
            merchant, amount = "City Cabs", 18.4 + int(employee[2:]) / 100
        elif category in ("lodging", "entertainment") and self.rng.random() < 0.02:
            amount = float(50 * int(self.rng.integers(1, 4)))  # a deposit or a voucher: round and honest
        return Claim(
            employee_id=employee,
            merchant=merchant,
            category=category,
            amount=amount,
            date=self.day(weekend_share=0.35 if category in TRIP_CATEGORIES else 0.01),
            label=NORMAL,
        )

    def anomaly(self, kind: str, employee: str, earlier: list[Claim]) -> list[Claim]:
        base = self.normal(employee)
        if kind == "duplicate":
            if not earlier:
                return [base]
            original = earlier[int(self.rng.integers(len(earlier)))]
            later = original.date + dt.timedelta(days=int(self.rng.integers(0, 4)))
            return [Claim(**{**original.__dict__, "date": later, "label": kind})]
        if kind == "split":
            category = self.pick(("office_supplies", "software", "entertainment", "meals", "lodging"))
            limit = LIMITS[category]
            merchant = self.pick(self.by_category[category])
            day = self.day(weekend_share=0.0)
            parts = int(self.rng.integers(2, 5))
            claims = []
            for k in range(parts):
                amount = round(limit * float(self.rng.uniform(0.75, 0.99)), 2)
                label = NORMAL if k == 0 else kind
                claims.append(
                    Claim(
                        employee_id=employee, merchant=merchant, category=category, amount=amount, date=day, label=label
                    )
                )
            return claims
        if kind == "weekend":
            category = self.pick(("office_supplies", "software"))
            day = base.date + dt.timedelta(days=(5 - base.date.weekday()) % 7 + int(self.rng.integers(2)))
            merchant = self.pick(self.by_category[category])
            return [
                Claim(
                    employee_id=employee,
                    merchant=merchant,
                    category=category,
                    amount=self.amount(category),
                    date=day,
                    label=kind,
                )
            ]
        if kind == "round_amount":
            category = self.pick(("meals", "taxi", "lodging", "office_supplies", "entertainment", "software"))
            steps = [v for v in (50, 100, 150, 200, 250, 300, 400) if v <= LIMITS[category] * 1.6]
            amount = float(steps[int(self.rng.integers(len(steps)))]) if steps else 50.0
            merchant = self.pick(self.by_category[category])
            return [
                Claim(
                    employee_id=employee,
                    merchant=merchant,
                    category=category,
                    amount=amount,
                    date=base.date if base.date.weekday() < 5 else self.day(False),
                    label=kind,
                )
            ]
        if kind == "over_limit":
            amount = round(LIMITS[base.category] * float(self.rng.uniform(1.05, 2.5)), 2)
            return [Claim(**{**base.__dict__, "amount": amount, "label": kind})]
        # mismatch: a merchant of another category
        other = self.pick([c for c in CATEGORIES if c != base.category])
        merchant = self.pick(self.by_category[other])
        return [Claim(**{**base.__dict__, "merchant": merchant, "label": kind})]


def generate(seed: int = 0, employees: int = 60, claims: int = 7000, anomaly_share: float = 0.13) -> list[Claim]:
    """Claims in date order (same-day claims in filing order), labelled."""
    g = _Generator(seed)
    staff = [f"e-{k:03d}" for k in range(employees)]
    by_employee: dict[str, list[Claim]] = {e: [] for e in staff}
    filed: list[Claim] = []
    while len(filed) < claims:
        employee = g.pick(staff)
        if g.rng.random() < anomaly_share:
            new = g.anomaly(g.pick(TYPES), employee, by_employee[employee][-20:])
        else:
            new = [g.normal(employee)]
        by_employee[employee].extend(new)
        filed.extend(new)
    order = sorted(range(len(filed)), key=lambda i: (filed[i].date, i))
    return [filed[i] for i in order]


def with_history(claims: list[Claim]) -> list[tuple[dict[str, Any], str]]:
    """Each claim as the model's input (the claim and the employee's claims of the 30 days before) and its label."""
    seen: dict[str, list[Claim]] = {}
    out = []
    for claim in claims:
        earlier = seen.setdefault(claim.employee_id, [])
        since = claim.date - dt.timedelta(days=HISTORY_DAYS)
        recent = [{k: v for k, v in c.as_input().items() if k != "employee_id"} for c in earlier if c.date >= since]
        out.append(({"claim": claim.as_input(), "recent_claims": recent}, claim.label))
        earlier.append(claim)
    return out

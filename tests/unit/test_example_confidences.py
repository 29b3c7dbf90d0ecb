"""The expense-claim example (the demo's workflow) shows no confidence that no model computed: the
cost centre is looked up by category and given without one; the only confidences in a claim's
explanation are the ones the document step's extraction gave the receipt's fields."""

from __future__ import annotations

from typing import Any, cast

import pytest

from examples.expense_claims.handlers import COST_CENTRES, check_policy
from officeflow import StepContext

NO_CONTEXT = cast(StepContext, None)
"""check_policy reads nothing of its context."""


def confidences(value: Any, path: str = "") -> dict[str, Any]:
    """Every ``confidence`` in ``value`` by where it is."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "confidence":
                found[path] = item
            found.update(confidences(item, f"{path}/{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(confidences(item, f"{path}/{index}"))
    return found


@pytest.mark.parametrize("category", sorted(COST_CENTRES))
def test_without_a_receipt_nothing_carries_a_confidence(category: str) -> None:
    out = check_policy({"claim": {"amount": 20.0, "category": category}}, NO_CONTEXT)
    assert confidences(out) == {}
    assert out["explanation"]["cost_centre_of_category"] == (COST_CENTRES[category] or None)


@pytest.mark.parametrize("scores", [(0.97, 0.41, 0.88), (0.12, 0.5, 0.63)])
def test_the_only_confidences_are_the_extraction_s(scores: tuple[float, float, float]) -> None:
    vendor, date, total = scores
    receipt = {
        "values": {"vendor": "Hotel Adler", "date": "2026-11-20", "total": 182.4, "currency": "EUR"},
        "fields": {
            "vendor": {"value": "Hotel Adler", "confidence": vendor},
            "date": {"value": "2026-11-20", "confidence": date},
            "total": {"value": 182.4, "confidence": total},
        },
    }
    out = check_policy(
        {"claim": {"amount": 182.4, "category": "travel", "receipt": "f-1"}, "receipt": receipt}, NO_CONTEXT
    )
    assert confidences(out) == {
        "/explanation/receipt/vendor": vendor,
        "/explanation/receipt/date": date,
        "/explanation/receipt/total": total,
    }
    assert out["explanation"]["receipt"]["currency"] is None  # no field read, no confidence made up
    assert out["explanation"]["cost_centre_of_category"] == "CC-SALES"

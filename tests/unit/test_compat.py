"""Backward compatibility of event schema versions: what breaks existing producers, and what not."""

from __future__ import annotations

from typing import Any

import pytest

from officeflow.ingest.compat import breaking_changes

BASE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "amount"],
    "properties": {
        "id": {"type": "string"},
        "amount": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "note": {"type": "string", "maxLength": 200},
        "lines": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "integer"}}}},
    },
}


def change(**patch: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {**BASE, "properties": {**BASE["properties"]}}
    for key, value in patch.items():
        if key.startswith("p_"):
            schema["properties"][key[2:]] = value
        else:
            schema[key] = value
    return schema


@pytest.mark.parametrize(
    "new",
    [
        BASE,
        change(p_vendor={"type": "string"}),  # a new optional property
        change(p_currency={"type": "string", "enum": ["EUR", "USD", "GBP"]}),  # enum widened
        change(p_amount={"type": "number", "minimum": -100}),  # bound loosened
        change(p_note={"type": "string", "maxLength": 1000}),
        change(p_amount={"type": ["number", "string"], "minimum": 0}),  # type widened
        change(required=["id"]),  # a requirement dropped
        change(p_amount={"type": "number", "minimum": 0, "description": "in cents"}),  # annotation only
    ],
)
def test_compatible_changes_pass(new: dict[str, Any]) -> None:
    assert breaking_changes(BASE, new) == []


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (change(required=["id", "amount", "currency"]), "/currency: 'currency' is now required"),
        (change(p_currency={"type": "string", "enum": ["EUR"]}), "enum no longer has 'USD'"),
        (change(p_amount={"type": "integer", "minimum": 0}), "type number is no longer accepted"),
        (change(p_amount={"type": "number", "minimum": 10}), "'minimum' tightened from 0 to 10"),
        (change(p_note={"type": "string", "maxLength": 50}), "'maxLength' tightened from 200 to 50"),
        (change(p_id={"type": "string", "pattern": "^INV-"}), "'pattern' changed"),
        (change(additionalProperties=False), "additional properties are now refused"),
        (
            change(p_lines={"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "string"}}}}),
            "/properties/lines/items/properties/qty: type integer is no longer accepted",
        ),
        (change(p_id={"anyOf": [{"type": "string"}]}), "'anyOf' changed; officeflow cannot prove that compatible"),
    ],
)
def test_breaking_changes_are_named_with_their_place(new: dict[str, Any], reason: str) -> None:
    reasons = breaking_changes(BASE, new)
    assert any(reason in r for r in reasons), reasons


def test_removing_a_property_breaks_only_when_extra_properties_are_refused() -> None:
    without_note = change()
    del without_note["properties"]["note"]
    assert breaking_changes(BASE, without_note) == []
    closed = {**without_note, "additionalProperties": False}
    assert any("'note' was removed" in r for r in breaking_changes(BASE, closed))

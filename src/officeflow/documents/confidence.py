"""Field confidence: a logistic model over the evidence, fitted on the evaluation set.

A field's features are the rule that found it, the mean OCR confidence of its words, its margin
over the runner-up candidate, how the page was read (PDF text, OCR, e-invoice) and the checks
that concern it (+1 passed, -1 failed). ``calibration.json`` holds one weight vector per field,
fitted by ``python -m officeflow.documents.evaluate --fit`` on generated documents of seeds that
the report does not use, so a confidence of 0.9 means about nine in ten such fields are right
(the report measures it). A check's effect on a field is the difference it makes to the
field's confidence: the confidence with the check minus without it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

from officeflow.documents.model import Evidence

CALIBRATION_FILE = "calibration.json"


def rule_family(rule: str) -> str:
    """The rule without its details: ``label:strong`` stays, ``memory:anchor`` becomes ``memory``."""
    return rule.split(":", maxsplit=1)[0] if rule.startswith(("memory", "einvoice")) else rule


def features(field: str, evidence: Evidence, source: str) -> dict[str, float]:
    """The features of one field's evidence, by name."""
    out: dict[str, float] = {
        "bias": 1.0,
        f"rule={rule_family(evidence.rule)}": 1.0,
        "ocr": evidence.ocr,
        "margin": evidence.margin,
        f"source={source.split(':', maxsplit=1)[0]}": 1.0,
    }
    if field in {"vendor", "invoice_number", "po_number"}:
        out["ocr_low"] = max(0.0, 0.95 - evidence.ocr)
    for name, sign in evidence.checks:
        out[f"check={name}"] = float(sign)
    return out


@dataclass(frozen=True)
class Calibration:
    """Fitted weights per field; a field without weights gets the probability 0.5 (knows nothing)."""

    weights: dict[str, dict[str, float]]

    @classmethod
    def load(cls) -> Calibration:
        """The weights shipped with officeflow."""
        try:
            text = resources.files("officeflow.documents").joinpath(CALIBRATION_FILE).read_text("utf-8")
        except FileNotFoundError:
            return cls({})
        data: dict[str, Any] = json.loads(text)
        return cls({k: {f: float(w) for f, w in v.items()} for k, v in data.get("weights", {}).items()})

    def probability(self, field: str, values: dict[str, float]) -> float:
        weights = self.weights.get(field, {})
        z = sum(weights.get(name, 0.0) * value for name, value in values.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, field: str, evidence: Evidence, source: str) -> float:
        return self.probability(field, features(field, evidence, source))

    def effect(self, field: str, evidence: Evidence, source: str, check: str) -> float:
        """How much the check moved the field's confidence (with it minus without it)."""
        values = features(field, evidence, source)
        with_check = self.probability(field, values)
        values.pop(f"check={check}", None)
        return with_check - self.probability(field, values)

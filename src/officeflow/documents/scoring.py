"""Whether an extracted value is the expected one: the rule both evaluations score by.

Amounts match to the cent, dates as ISO strings, identifiers without spaces and case, and a
vendor's name folded to letters and digits, with or without its legal form ("Muster GmbH"
and "Muster" are the same vendor; so are "ABC SDN BHD" and "ABC").
"""

from __future__ import annotations

import re
from typing import Any

from officeflow.documents.lexicon import fold

LEGAL = re.compile(
    r"\b(gmbh.*|ag|kg|ohg|e k|ug.*|sarl|sas|sa|eurl|fils|ltd|limited|llc|inc|plc|co|sdn bhd|bhd|berhad|"
    r"pte ltd|pty ltd|srl|s r l|spa|s p a|bv|b v|nv|sl|slu|s l|lda|oy|ab|as)$"
)


def norm(text: str) -> str:
    """Lower case letters and digits, one space between runs."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def same(name: str, predicted: Any, truth: Any) -> bool:
    """Whether a predicted value is the true one (a vendor may lack its legal form)."""
    if predicted is None or truth is None:
        return predicted is None and truth is None
    if name in ("total", "net", "tax"):
        return abs(float(predicted) - float(truth)) < 0.005
    if name == "vendor":
        p, t = norm(str(predicted)), norm(str(truth))
        return p == t or (len(p) > 3 and (p == LEGAL.sub("", t).strip() or LEGAL.sub("", p).strip() == t))
    if name in ("invoice_number", "po_number", "iban", "vendor_tax_id"):
        return re.sub(r"\s", "", str(predicted)).upper() == re.sub(r"\s", "", str(truth)).upper()
    return str(predicted) == str(truth)

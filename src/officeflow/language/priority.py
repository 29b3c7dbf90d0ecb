"""Ticket priority as impact x urgency, the way IT service management (ITIL) sets it.

**Impact** is who is hit: ``one`` person (or one person's device); a ``group`` (a team, a
department, a device a team shares); or ``wide`` (a floor, a site, everyone; customers, orders,
production, payroll or money actually hit; an account, machine or data compromised).

**Urgency** is how soon it hurts: ``low`` (a request, a question, something cosmetic, "no
rush"); ``medium`` (degraded, intermittent, a workaround exists, other work goes on; a request
needed within days); ``high`` (work stopped now, a deadline today or within hours, a safety risk).

``MATRIX`` maps the two to the four priorities. A group and one person share a row: what lifts
a team's problem to critical is the business stopping with it, which makes its impact wide.

==============  =======  =======  ========
impact/urgency  low      medium   high
==============  =======  =======  ========
one             low      medium   high
group           low      medium   high
wide            medium   high     critical
==============  =======  =======  ========

The ticket generator labels its tickets with this table, and the ticket-triage model reads a
ticket's impact and urgency and derives its priority through it.
"""

from __future__ import annotations

from collections.abc import Mapping

IMPACTS = ("one", "group", "wide")
URGENCIES = ("low", "medium", "high")
PRIORITIES = ("low", "medium", "high", "critical")

MATRIX: Mapping[tuple[str, str], str] = {
    ("one", "low"): "low",
    ("one", "medium"): "medium",
    ("one", "high"): "high",
    ("group", "low"): "low",
    ("group", "medium"): "medium",
    ("group", "high"): "high",
    ("wide", "low"): "medium",
    ("wide", "medium"): "high",
    ("wide", "high"): "critical",
}


def priority(impact: str, urgency: str) -> str:
    """The priority of a ticket with this impact and urgency (``KeyError`` for unknown values)."""
    return MATRIX[(impact, urgency)]

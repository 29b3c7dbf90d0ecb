"""The errors of stored decision tables, under officeflow's error tree.

::

    NotFound
    └── DecisionTableNotFound       no such table (or version) in the tenant
    Conflict
    └── DecisionTableVersionExists  the version exists with other content (versions are immutable)
"""

from __future__ import annotations

from officeflow.errors import Conflict, NotFound, ProblemType


class DecisionTableNotFound(NotFound):
    """No such decision table."""

    problem = ProblemType("decision-table-not-found", "No such decision table")


class DecisionTableVersionExists(Conflict):
    """This decision table version exists with different content; give the new content a new version."""

    problem = ProblemType("decision-table-version-exists", "The decision table version exists")


__all__ = ["DecisionTableNotFound", "DecisionTableVersionExists"]

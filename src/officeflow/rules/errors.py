"""The errors of decision models, under officeflow's error tree.

::

    DefinitionInvalid
    └── DecisionModelInvalid      a DMN or YAML decision model was refused at load (.problems)
    NonRetryableError
    └── DecisionEvaluationError   an input that cannot be evaluated (not JSON, unknown decision)
"""

from __future__ import annotations

from officeflow.errors import DefinitionInvalid, NonRetryableError, Problem, ProblemType


class DecisionModelInvalid(DefinitionInvalid):
    """The decision model is invalid."""

    problem = ProblemType("invalid-decision-model", "The decision model is invalid")


class DecisionEvaluationError(NonRetryableError):
    """The decision model cannot evaluate this request."""

    http_status = 422
    problem = ProblemType("invalid-decision-request", "The decision model cannot evaluate this request")


def problem(
    message: str,
    *,
    file: str | None,
    line: int | None = None,
    where: str | None = None,
    expected: str | None = None,
) -> Problem:
    """A Problem whose message starts with the element it concerns (``decision 'x', rule 2, ...``)."""
    return Problem(message=f"{where}: {message}" if where else message, file=file, line=line, expected=expected)


__all__ = ["DecisionEvaluationError", "DecisionModelInvalid", "problem"]

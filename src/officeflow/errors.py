"""Every error officeflow raises, in one tree.

::

    OfficeflowError
    ├── ConfigurationError        a setting or an option has a bad value
    ├── DefinitionInvalid         a workflow definition failed validation (carries .problems)
    ├── ExpressionError           a CEL expression failed to compile or to evaluate
    ├── InputInvalid              a run input does not match the definition's JSON Schema (.problems)
    ├── DecisionInvalid           a task decision lacks or breaks something its outcome needs (.problems)
    ├── RequestInvalid            a request's data is not valid (.problems, pointers into the request)
    ├── NotAllowed                this person may not do this (not their task, four-eyes rules)
    ├── NotFound
    │   ├── DefinitionNotFound
    │   ├── RunNotFound
    │   └── TaskNotFound
    ├── Conflict
    │   ├── DefinitionVersionExists   same name and version, different content
    │   ├── IdempotencyConflict       an idempotency key already names a different request
    │   ├── InvalidRunState           the operation does not apply to the run in its state
    │   └── TaskConflict              the task was decided or changed since it was read
    ├── MigrationRefused          a running instance cannot move to the target version (.reasons)
    ├── SchemaOutOfDate           the database schema is older than this code: run `officeflow init`
    ├── StoreUnavailable          the database cannot be reached now (restarting, connection lost);
    │                             retryable: nothing was committed, or it is unknown whether it was
    └── StepError                 raised by step handlers; retried by the step's policy
        └── NonRetryableError     raised by step handlers; never retried

    BaseException
    └── WorkerShutdown            raised inside a worker that is stopping; not an Exception,
                                  so a handler's ``except Exception`` cannot swallow it

The first line of each class docstring is its default message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class OfficeflowError(Exception):
    """An officeflow operation failed."""

    def __init__(self, message: str | None = None) -> None:
        doc = (type(self).__doc__ or "").strip().splitlines()
        super().__init__(message or (doc[0] if doc else type(self).__name__))

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConfigurationError(OfficeflowError):
    """A setting has a bad value."""


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One precise finding: where it is, what is wrong, what was expected."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    step: str | None = None
    pointer: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        elif self.pointer is not None:
            where = f"{self.pointer or '/'}: "
        step = f"step '{self.step}': " if self.step else ""
        expected = f" (expected {self.expected})" if self.expected else ""
        return f"{where}{step}{self.message}{expected}"

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class _WithProblems(OfficeflowError):
    def __init__(self, problems: Sequence[Problem], message: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        head = message or (type(self).__doc__ or "").strip().splitlines()[0]
        detail = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}\n{detail}" if detail else head)


class DefinitionInvalid(_WithProblems):
    """The workflow definition is invalid."""


class InputInvalid(_WithProblems):
    """The run input does not match the workflow's input schema."""


class DecisionInvalid(_WithProblems):
    """The decision is not complete or not valid."""


class RequestInvalid(_WithProblems):
    """The request is not valid."""


class NotAllowed(OfficeflowError):
    """You may not do this."""


class ExpressionError(OfficeflowError):
    """A CEL expression failed."""


class NotFound(OfficeflowError):
    """Not found."""


class DefinitionNotFound(NotFound):
    """No such workflow definition."""


class RunNotFound(NotFound):
    """No such run."""


class TaskNotFound(NotFound):
    """No such task."""


class Conflict(OfficeflowError):
    """The request conflicts with the current state."""


class DefinitionVersionExists(Conflict):
    """This workflow version exists with different content; give the new content a new version."""


class IdempotencyConflict(Conflict):
    """The idempotency key was already used for a different request."""


class InvalidRunState(Conflict):
    """The operation does not apply to the run in its current state."""


class TaskConflict(Conflict):
    """The task was decided or changed since you read it."""


class MigrationRefused(OfficeflowError):
    """The run cannot be migrated to the target version."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("migration refused: " + "; ".join(self.reasons))


class SchemaOutOfDate(OfficeflowError):
    """The database schema is not at this version's revision: run `officeflow init`."""


class StoreUnavailable(OfficeflowError):
    """The database is unavailable (restarting, or the connection was lost); try again shortly.

    Raised by the store for connection-level failures only, never for a refused statement. A
    transaction that raises it was rolled back, or its commit was sent and its answer lost: the
    caller cannot tell, so what it retries must be idempotent (officeflow's own loops are: results
    are fenced by attempt, starts and events by their keys)."""

    retryable = True


class StepError(OfficeflowError):
    """A step failed; the step's retry policy decides whether it runs again."""

    retryable: bool = True


class NonRetryableError(StepError):
    """A step failed in a way that retrying cannot fix."""

    retryable = False


class WorkerShutdown(BaseException):
    """The worker is stopping."""

"""Every error officeflow raises, in one tree.

::

    OfficeflowError                   400 bad-request, exit 1
    ├── ConfigurationError            500 configuration, exit 7: a setting or an option has a bad value
    ├── DefinitionInvalid             422 invalid-definition, exit 5: a definition failed validation (.problems)
    ├── ExpressionError               a CEL expression failed to compile or to evaluate
    ├── InputInvalid                  422 invalid-input, exit 5: a run input breaks the input schema (.problems)
    ├── DecisionInvalid               422 invalid-decision: a task decision lacks or breaks something (.problems)
    ├── RequestInvalid                422 validation, exit 5: a request's data is not valid (.problems)
    ├── NotAllowed                    403 forbidden: this person may not do this (not their task, four-eyes)
    ├── NotFound                      404 not-found, exit 3
    │   ├── DefinitionNotFound
    │   ├── RunNotFound
    │   └── TaskNotFound
    ├── Conflict                      409 conflict, exit 4
    │   ├── DefinitionVersionExists   same name and version, different content
    │   ├── IdempotencyConflict       409 idempotency-conflict: a key already names a different request
    │   ├── InvalidRunState           409 invalid-run-state: the operation does not apply to the run's state
    │   └── TaskConflict              409 task-conflict: the task was decided or changed since it was read
    ├── MigrationRefused              409 migration-refused, exit 6: a run cannot move to the version (.reasons)
    ├── SchemaOutOfDate               the database schema is older than this code: run `officeflow init`
    ├── StoreUnavailable              503 store-unavailable: the database cannot be reached now (restarting,
    │                                 connection lost); retryable: nothing was committed, or it is unknown
    └── StepError                     raised by step handlers; retried by the step's policy
        └── NonRetryableError         raised by step handlers; never retried

    BaseException
    └── WorkerShutdown            raised inside a worker that is stopping; not an Exception,
                                  so a handler's ``except Exception`` cannot swallow it

The first line of each class docstring is its default message.

Each class declares what it is at the edges, as class attributes a subclass inherits or
overrides: ``http_status`` (the HTTP status), ``problem`` (the RFC 9457 problem type: the last
part of its ``type`` URI and its title) and ``exit_code`` (the ``officeflow`` command's exit
status). The API and the CLI look them up on the error's class (one lookup along the MRO), so an
error class defined in another package (an event that breaks its schema, a refused attachment, a
failed login) says how it is answered where it is defined. (``http_status``, not ``status``:
errors of HTTP and LLM steps carry the status their server answered as ``status``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ProblemType:
    """How an error reads as a problem document (RFC 9457): ``slug`` ends its ``type`` URI
    (``https://officeflow.dev/problems/<slug>``), ``title`` is its short, fixed summary."""

    slug: str
    title: str


class OfficeflowError(Exception):
    """An officeflow operation failed."""

    http_status: ClassVar[int] = 400
    """The HTTP status the API and the console answer with."""
    problem: ClassVar[ProblemType] = ProblemType("bad-request", "Bad request")
    exit_code: ClassVar[int] = 1
    """The exit status of the ``officeflow`` command."""
    public_detail: ClassVar[str | None] = None
    """What a client is told instead of the message (for server errors, whose message may name
    settings or paths: it is logged instead); None: the message itself."""
    pointer_prefix: ClassVar[str] = ""
    """Where in a request the pointers of :meth:`findings` point from (``/input``: a run's
    input inside the request body)."""

    def __init__(self, message: str | None = None) -> None:
        doc = (type(self).__doc__ or "").strip().splitlines()
        super().__init__(message or (doc[0] if doc else type(self).__name__))

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def summary(self) -> str:
        """The one-paragraph detail of the error (its message, without the listed findings)."""
        return self.message

    def findings(self) -> list[Problem]:
        """What is wrong, one item each (a problem with its place, or a reason), for answers that
        list them."""
        return []

    def retry_delay(self, now: float) -> float | None:
        """Seconds after which trying again may succeed (``Retry-After``); None: no advice."""
        return None


class ConfigurationError(OfficeflowError):
    """A setting has a bad value."""

    http_status = 500
    problem = ProblemType("configuration", "The server is misconfigured")
    exit_code = 7
    public_detail = "the server is misconfigured; see its log"


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
    element: str | None = None
    """The id of the element it concerns, in a document whose elements have ids (DMN)."""

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

    @property
    def summary(self) -> str:
        return self.message.split("\n")[0]

    def findings(self) -> list[Problem]:
        return list(self.problems)


class DefinitionInvalid(_WithProblems):
    """The workflow definition is invalid."""

    http_status = 422
    problem = ProblemType("invalid-definition", "The workflow definition is invalid")
    exit_code = 5


class InputInvalid(_WithProblems):
    """The run input does not match the workflow's input schema."""

    http_status = 422
    problem = ProblemType("invalid-input", "The input does not match the schema")
    exit_code = 5
    pointer_prefix = "/input"


class DecisionInvalid(_WithProblems):
    """The decision is not complete or not valid."""

    http_status = 422
    problem = ProblemType("invalid-decision", "The decision is not valid")


class RequestInvalid(_WithProblems):
    """The request is not valid."""

    http_status = 422
    problem = ProblemType("validation", "The request is not valid")
    exit_code = 5


class NotAllowed(OfficeflowError):
    """You may not do this."""

    http_status = 403
    problem = ProblemType("forbidden", "Forbidden")


class ExpressionError(OfficeflowError):
    """A CEL expression failed."""


class NotFound(OfficeflowError):
    """Not found."""

    http_status = 404
    problem = ProblemType("not-found", "Not found")
    exit_code = 3


class DefinitionNotFound(NotFound):
    """No such workflow definition."""


class RunNotFound(NotFound):
    """No such run."""


class TaskNotFound(NotFound):
    """No such task."""


class Conflict(OfficeflowError):
    """The request conflicts with the current state."""

    http_status = 409
    problem = ProblemType("conflict", "Conflict")
    exit_code = 4


class DefinitionVersionExists(Conflict):
    """This workflow version exists with different content; give the new content a new version."""


class IdempotencyConflict(Conflict):
    """The idempotency key was already used for a different request."""

    problem = ProblemType("idempotency-conflict", "The idempotency key names another request")


class InvalidRunState(Conflict):
    """The operation does not apply to the run in its current state."""

    problem = ProblemType("invalid-run-state", "The operation does not apply to the run in its state")


class TaskConflict(Conflict):
    """The task was decided or changed since you read it."""

    problem = ProblemType("task-conflict", "The task changed")


class MigrationRefused(OfficeflowError):
    """The run cannot be migrated to the target version."""

    http_status = 409
    problem = ProblemType("migration-refused", "The run cannot be migrated")
    exit_code = 6

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("migration refused: " + "; ".join(self.reasons))

    def findings(self) -> list[Problem]:
        return [Problem(message=reason) for reason in self.reasons]


class SchemaOutOfDate(OfficeflowError):
    """The database schema is not at this version's revision: run `officeflow init`."""


class StoreUnavailable(OfficeflowError):
    """The database is unavailable (restarting, or the connection was lost); try again shortly.

    Raised by the store for connection-level failures only, never for a refused statement. A
    transaction that raises it was rolled back, or its commit was sent and its answer lost: the
    caller cannot tell, so what it retries must be idempotent (officeflow's own loops are: results
    are fenced by attempt, starts and events by their keys)."""

    http_status = 503
    problem = ProblemType("store-unavailable", "The store is unavailable")
    public_detail = (
        "the database is unavailable (restarting, or the connection was lost); "
        "retry after the seconds in Retry-After, with the same Idempotency-Key"
    )
    retryable = True
    RETRY_AFTER: ClassVar[int] = 2
    """Seconds a client is asked to wait while the database is unavailable."""

    def retry_delay(self, now: float) -> float | None:
        return self.RETRY_AFTER


class StepError(OfficeflowError):
    """A step failed; the step's retry policy decides whether it runs again."""

    retryable: bool = True


class NonRetryableError(StepError):
    """A step failed in a way that retrying cannot fix."""

    retryable = False


class WorkerShutdown(BaseException):
    """The worker is stopping."""

"""What ingesting an event gives: the result (runs started, triggers that failed) and the errors
(unknown type or trigger, an event against its schema or not JSON at all, a schema that would
break producers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from officeflow.errors import Conflict, InputInvalid, NotFound, OfficeflowError, Problem, ProblemType


class EventTypeNotFound(NotFound):
    """No such event type."""


class TriggerNotFound(NotFound):
    """No such trigger."""


class EventInvalid(InputInvalid):
    """The event does not match the schema of its type."""

    problem = ProblemType("invalid-event", "The event does not match its schema")
    pointer_prefix = "/data"


class BodyNotJSON(OfficeflowError):
    """The body is not JSON."""

    problem = ProblemType("bad-json", "The body is not JSON")


class SchemaIncompatible(Conflict):
    """The new schema would refuse events that existing producers send."""

    problem = ProblemType("schema-incompatible", "The new schema would break existing producers")

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("the new version would break existing producers: " + "; ".join(reasons))

    def findings(self) -> list[Problem]:
        return [Problem(message=reason) for reason in self.reasons]


@dataclass(frozen=True)
class Started:
    trigger: str
    run_id: str
    new: bool


@dataclass(frozen=True)
class TriggerFailure:
    trigger: str
    message: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IngestResult:
    event_id: str
    type: str
    version: int
    duplicate: bool
    runs: list[Started]
    failures: list[TriggerFailure]

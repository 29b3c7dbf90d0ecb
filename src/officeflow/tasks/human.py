"""The ``human`` step: a task for a person, decided in the inbox or through the API.

```yaml
manager_approval:
  kind: human
  subject: "'Expense of ' + string(input.amount) + ' EUR from ' + input.employee_id"
  assign: {via: manager}             # the requester's manager; or {user: ..., via: ...}, {group: ...}
  requester: input.employee_id                         # default: the user who started the run
  four_eyes: {approvals: "input.amount > 1000.0 ? 2 : 1", separate_from: [policy_review]}
  form:
    schema: {type: object, properties: {cost_centre: {type: string}}}
    values: steps.extract.output.fields                # pre-filled, editable; edits are corrections
  explain: {fields: steps.extract.output, risk: steps.score.output}
  document: input.receipt_file_id
  outcomes:
    approve: {next: post, requires: [cost_centre], style: primary}
    reject: {next: tell_employee, reasons: [policy, duplicate, missing_receipt, other], style: danger}
  sla:
    due: 48h
    remind: [24h]
    escalate:
      - {after: 48h, action: reassign, to: {group: finance-leads}}
      - {after: 96h, action: timeout, next: auto_reject}
  notify: {email: true, webhook: "https://hooks.example.com/tasks", secret: tasks-webhook}
  feedback: {step: score, field: /risk, outcomes: {approve: good, reject: bad}}   # optional
```

A person's change of a pre-filled value that a ``model`` step's output gave, and a decision whose
outcome means another label than the model's (``feedback.outcomes``), are kept as labelled
examples of that model version (officeflow.tasks.feedback).

The step's output is ``{"outcome", "values", "reason", "decided_by", "approvals", "corrections"}``;
the outcome picks the next step. This module holds the step's configuration; the kind's
behaviour is :class:`officeflow.tasks.kind.Human`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from officeflow.expressions import Expr, Value
from officeflow.steps.base import (
    Duration,
    Edge,
    ExprField,
    StepConfig,
    StepId,
    ValueField,
)

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
OUTCOME = r"^[a-z][a-z0-9_]{0,49}$"
TIMED_OUT = "timed_out"
"""The outcome of a task that an escalation timed out."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssignSpec(_Spec):
    """Who gets the task: one user (CEL giving a username, optionally walked up the directory
    with ``via``), someone found ``via`` the directory from the requester (``{via: manager}``),
    or a group whose members claim it (or take turns with ``round_robin``)."""

    user: ExprField | None = None
    via: Literal["manager", "department_head"] | None = None
    group: str | None = Field(None, pattern=NAME)
    round_robin: bool = False

    @model_validator(mode="after")
    def _one(self) -> AssignSpec:
        if self.user is not None and self.group is not None:
            raise ValueError("assign takes one of user or group, not both")
        if self.user is None and self.group is None and self.via is None:
            raise ValueError("assign needs a user, a group, or via (to walk from the requester)")
        if self.via is not None and self.group is not None:
            raise ValueError("via walks the directory from a person, not from a group")
        if self.round_robin and self.group is None:
            raise ValueError("round_robin needs a group")
        return self


class OutcomeSpec(_Spec):
    label: str | None = Field(None, max_length=60)
    next: StepId | None = None
    requires: tuple[str, ...] = ()
    """Form fields that must have a value for this outcome."""
    reasons: tuple[str, ...] = ()
    """Reason codes to choose from; when given, choosing one is required."""
    reason_text: Literal["optional", "required"] = "optional"
    style: Literal["primary", "danger", "default"] = "default"
    approves: bool | None = None
    """Counts towards N-of-M approvals (default: true for an outcome named ``approve``)."""


class FormSpec(_Spec):
    form_schema: dict[str, Any] = Field(alias="schema")
    values: ValueField | None = None


class EscalationSpec(_Spec):
    after: Duration
    action: Literal["reassign", "notify", "timeout"]
    to: AssignSpec | None = None
    next: StepId | None = None

    @model_validator(mode="after")
    def _fields(self) -> EscalationSpec:
        if self.action in ("reassign", "notify") and self.to is None:
            raise ValueError(f"a {self.action} escalation needs to: (a user or a group)")
        if self.action != "timeout" and self.next is not None:
            raise ValueError("only a timeout escalation takes next")
        return self


class SlaSpec(_Spec):
    due: Duration | None = None
    remind: tuple[Duration, ...] = ()
    escalate: tuple[EscalationSpec, ...] = ()

    @model_validator(mode="after")
    def _order(self) -> SlaSpec:
        afters = [e.after for e in self.escalate]
        if afters != sorted(afters):
            raise ValueError("escalations must be listed in the order they happen (by after)")
        timeouts = [i for i, e in enumerate(self.escalate) if e.action == "timeout"]
        if timeouts and timeouts != [len(self.escalate) - 1]:
            raise ValueError("a timeout escalation ends the task: it can only be the last one")
        return self


class FourEyesSpec(_Spec):
    not_requester: bool = True
    approvals: int | ExprField = 1
    """How many different people must approve (N of the group's M); a number or CEL."""
    separate_from: tuple[StepId, ...] = ()
    """Steps of the same run whose deciders may not decide this one (separation of duties)."""


class NotifySpec(_Spec):
    email: bool = True
    webhook: str | None = Field(None, pattern=r"^https?://", max_length=2000)
    secret: str | None = Field(None, pattern=NAME)
    """Name of the stored secret that signs webhook deliveries (Standard Webhooks)."""

    @model_validator(mode="after")
    def _secret(self) -> NotifySpec:
        if self.webhook is not None and self.secret is None:
            raise ValueError("a webhook needs secret: the name of the stored secret that signs deliveries")
        return self


class FeedbackSpec(_Spec):
    """How a decision on this task labels the output of a ``model`` step of the run."""

    step: StepId | None = None
    """The model step whose output the task reviews (default: every model step of the run)."""
    field: str = Field("/label", pattern=r"^(/[^/]*)+$", max_length=500)
    """The form field (a JSON pointer) that holds the model's label."""
    outcomes: dict[str, str | int | bool] = {}
    """The label each outcome means; a decision meaning another label than the model's is an override."""


class HumanConfig(StepConfig):
    kind: Literal["human"]
    subject: ValueField | None = None
    assign: AssignSpec
    requester: ExprField | None = None
    four_eyes: FourEyesSpec = FourEyesSpec()
    outcomes: dict[str, OutcomeSpec] = Field(min_length=1)
    form: FormSpec | None = None
    explain: ValueField | None = None
    document: ValueField | None = None
    priority: int | ExprField = 0
    sla: SlaSpec | None = None
    notify: NotifySpec | None = None
    feedback: FeedbackSpec | None = None
    next: StepId | None = None

    def edges(self) -> list[Edge]:
        out = [Edge(self.next, ("next",))] if self.next else []
        for name, outcome in self.outcomes.items():
            if outcome.next:
                out.append(Edge(outcome.next, ("outcomes", name, "next")))
        if self.sla is not None:
            for i, escalation in enumerate(self.sla.escalate):
                if escalation.next:
                    out.append(Edge(escalation.next, ("sla", "escalate", i, "next")))
        return out

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        if self.subject is not None:
            yield ("subject",), self.subject
        if self.assign.user is not None:
            yield ("assign", "user"), self.assign.user
        if self.requester is not None:
            yield ("requester",), self.requester
        if not isinstance(self.four_eyes.approvals, int):
            yield ("four_eyes", "approvals"), self.four_eyes.approvals
        if self.form is not None and self.form.values is not None:
            yield ("form", "values"), self.form.values
        if self.explain is not None:
            yield ("explain",), self.explain
        if self.document is not None:
            yield ("document",), self.document
        if not isinstance(self.priority, int):
            yield ("priority",), self.priority
        if self.sla is not None:
            for i, escalation in enumerate(self.sla.escalate):
                if escalation.to is not None and escalation.to.user is not None:
                    yield ("sla", "escalate", i, "to", "user"), escalation.to.user

    def approving(self, outcome: str) -> bool:
        """Whether ``outcome`` counts towards N-of-M approvals (False for an unknown outcome)."""
        spec = self.outcomes.get(outcome)
        if spec is None:
            return False
        return spec.approves if spec.approves is not None else outcome == "approve"

    def timeout_next(self) -> str | None:
        if self.sla is None:
            return None
        for escalation in self.sla.escalate:
            if escalation.action == "timeout":
                return escalation.next or self.next
        return None

"""The ``human`` step kind: what a ``human`` step does in a run (its configuration is
:mod:`officeflow.tasks.human`).

Entered, it evaluates what the task shows and opens the task (assignment, four-eyes rules, SLA
timer), and the run waits for it. Its SLA timer is a job kind of its own (``task_sla``); when the
run ends its open tasks are cancelled; a migration may move a waiting task onto a step of
another version only if that step still offers every outcome of the task. People decide tasks
through :class:`officeflow.tasks.service.Tasks`, which acts on the run through
``Engine.act_on_position``. It all goes through the step-kind port (officeflow.steps.port).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from officeflow.steps.base import ControlKind, step_kind
from officeflow.steps.port import Position, RunEnd, RunPort, StepPort
from officeflow.store.records import Job
from officeflow.tasks import lifecycle
from officeflow.tasks.human import OUTCOME, TIMED_OUT, HumanConfig


@step_kind("human")
class Human(ControlKind):
    """Opens a task for a person and waits for the decision; see the module docstring."""

    config = HumanConfig
    job_kinds: ClassVar[tuple[str, ...]] = (lifecycle.SLA_JOB,)

    def check(self, step: HumanConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        import jsonschema

        for name in step.outcomes:
            if not re.fullmatch(OUTCOME, name) or name == TIMED_OUT:
                yield (
                    ("outcomes", name),
                    f"outcome name '{name}' is not allowed",
                    f"matching {OUTCOME}, not {TIMED_OUT}",
                )
        properties: Mapping[str, Any] = {}
        if step.form is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(step.form.form_schema)
            except jsonschema.SchemaError as exc:
                yield ("form", "schema"), f"not a valid JSON Schema: {exc.message}", "a JSON Schema (2020-12)"
            properties = step.form.form_schema.get("properties") or {}
        for name, outcome in step.outcomes.items():
            for i, required in enumerate(outcome.requires):
                if required not in properties:
                    yield (
                        ("outcomes", name, "requires", i),
                        f"'{required}' is not a field of the form",
                        "one of: " + (", ".join(properties) or "(the form has no fields)"),
                    )
            if len(set(outcome.reasons)) != len(outcome.reasons):
                yield ("outcomes", name, "reasons"), "reason codes repeat", "unique codes"
        multi = not isinstance(step.four_eyes.approvals, int) or step.four_eyes.approvals > 1
        if multi and step.assign.group is None:
            yield (
                ("four_eyes", "approvals"),
                "several approvals need several people: assign the task to a group",
                "assign: {group: ...}",
            )
        if isinstance(step.four_eyes.approvals, int) and not 1 <= step.four_eyes.approvals <= 20:
            yield ("four_eyes", "approvals"), "approvals must be between 1 and 20", "1..20"
        if multi and not any(step.approving(o) for o in step.outcomes):
            yield ("outcomes",), "N-of-M approvals need an approving outcome", "an outcome named approve"

    def enter(self, step: HumanConfig, port: StepPort) -> None:
        variables = port.variables()

        def value(v: Any) -> Any:
            return v.evaluate(variables) if v is not None else None

        approvals = step.four_eyes.approvals
        priority = step.priority
        opening = lifecycle.Opening(
            subject=None if step.subject is None else str(value(step.subject)),
            assignee=None if step.assign.user is None else value(step.assign.user),
            requester=value(step.requester),
            approvals=approvals if isinstance(approvals, int) else value(approvals),
            priority=priority if isinstance(priority, int) else value(priority),
            data=value(step.form.values) if step.form is not None else None,
            explanation=value(step.explain),
            document=value(step.document),
            escalation_users=tuple(
                value(e.to.user) if e.to is not None and e.to.user is not None else None
                for e in (step.sla.escalate if step.sla is not None else ())
            ),
        )
        lifecycle.open_task(port, step, opening)

    def job_fired(self, step: HumanConfig, job: Job, port: StepPort) -> None:
        lifecycle.sla_fired(port, step, job)

    def run_ended(self, port: RunPort, reason: RunEnd) -> None:
        lifecycle.cancel_tasks(port, "the run ended")

    def skipped(self, step: HumanConfig, port: StepPort) -> None:
        lifecycle.drop_sla(port)
        lifecycle.cancel_tasks(port, "the step was skipped by an operator", port.step_id)

    def migration_problems(self, old_step: HumanConfig, new_step: HumanConfig, position: Position) -> list[str]:
        if position.wait is None:
            return []  # the task's SLA timer moves with the task
        vanished = [name for name in old_step.outcomes if name not in new_step.outcomes]
        if not vanished:
            return []
        return [
            f"{position.what} '{position.step_id}' offers the outcome(s) {', '.join(vanished)}, which "
            f"'{position.new_step_id}' in version {position.new_version} does not have "
            f"(it has {', '.join(new_step.outcomes)}): keep them in version {position.new_version}, "
            "or migrate once the task is decided"
        ]

    def migrate(
        self, old_step: HumanConfig, new_step: HumanConfig, position: Position, port: StepPort | None
    ) -> list[tuple[str, str, str]]:
        if port is not None and position.wait is not None:
            port.tx.move_task(
                position.run_id,
                position.step_id,
                position.iteration,
                position.new_step_id,
                position.new_scope,
                position.new_version,
            )
        return []

    def successor(self, step: HumanConfig, output: Any) -> str | None:
        outcome = output.get("outcome") if isinstance(output, dict) else None
        if outcome == TIMED_OUT:
            return step.timeout_next()
        spec = step.outcomes.get(outcome) if isinstance(outcome, str) else None
        if spec is not None and spec.next is not None:
            return spec.next
        return step.next

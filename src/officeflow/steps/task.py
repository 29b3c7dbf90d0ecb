"""``task``: call a registered Python handler."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from officeflow.errors import NonRetryableError
from officeflow.steps.base import ActivityConfig, ActivityKind, StepContext, step_kind


class TaskConfig(ActivityConfig):
    kind: Literal["task"]
    handler: str


@step_kind("task")
class Task(ActivityKind):
    """Runs the handler named by ``handler`` with the step's input."""

    config = TaskConfig

    def check(self, step: TaskConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        handlers = self.env.handlers
        if handlers and step.handler not in handlers:
            known = ", ".join(sorted(handlers)) or "none"
            yield ("handler",), f"handler '{step.handler}' is not registered", f"one of: {known}"

    def is_async(self, step: TaskConfig) -> bool:
        spec = self.env.handlers.get(step.handler)
        return bool(spec and spec.is_async)

    def execute(self, step: TaskConfig, input: Any, ctx: StepContext) -> Any:
        spec = self.env.handlers.get(step.handler)
        if spec is None:
            raise NonRetryableError(f"handler '{step.handler}' is not registered in this worker")
        return spec.fn(input, ctx)

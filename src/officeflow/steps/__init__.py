"""Step kinds: the extension point and the built-in kinds."""

from officeflow.steps.base import (
    ActivityConfig,
    ActivityKind,
    ControlKind,
    HandlerSpec,
    StepConfig,
    StepContext,
    StepKind,
    handler,
    step_kind,
)
from officeflow.steps.control import End, Parallel, Subflow, Switch, Timer, Wait
from officeflow.steps.http import Http
from officeflow.steps.human import Human
from officeflow.steps.task import Task

BUILTIN_KINDS: tuple[type[StepKind], ...] = (Task, Http, Human, Switch, Parallel, Wait, Timer, Subflow, End)

__all__ = [
    "BUILTIN_KINDS",
    "ActivityConfig",
    "ActivityKind",
    "ControlKind",
    "HandlerSpec",
    "StepConfig",
    "StepContext",
    "StepKind",
    "handler",
    "step_kind",
]

"""Step kinds: the extension point, the port a kind acts through, and the core kinds."""

from officeflow.steps.base import (
    ActivityConfig,
    ActivityKind,
    ControlKind,
    Directive,
    HandlerSpec,
    StepConfig,
    StepContext,
    StepKind,
    handler,
    step_kind,
)
from officeflow.steps.core import CORE_KINDS
from officeflow.steps.port import Position, RunEnd, RunPort, StepPort

__all__ = [
    "CORE_KINDS",
    "ActivityConfig",
    "ActivityKind",
    "ControlKind",
    "Directive",
    "HandlerSpec",
    "Position",
    "RunEnd",
    "RunPort",
    "StepConfig",
    "StepContext",
    "StepKind",
    "StepPort",
    "handler",
    "step_kind",
]

"""A loaded, validated workflow definition."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from officeflow.definitions.graph import Graph, Scope
from officeflow.expressions import Value
from officeflow.retry import DEFAULT_POLICY, RetryPolicy
from officeflow.steps.base import (
    ActivityConfig,
    Duration,
    RetrySpec,
    StepConfig,
    StepId,
    ValueField,
)

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"


class Defaults(BaseModel):
    """``defaults:``: what steps get when they do not say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry: RetrySpec | None = None
    timeout: Duration | None = None
    queue: str | None = None


class Header(BaseModel):
    """The top level of a definition, steps aside."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    version: int = Field(ge=1, le=2**31 - 1)
    title: str | None = None
    description: str | None = None
    input: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    output: ValueField | None = None
    start: StepId | None = None
    defaults: Defaults = Defaults()
    steps: dict[str, Any] = Field(min_length=1)


@dataclass(frozen=True, kw_only=True, eq=False)
class Definition:
    """A workflow definition that passed validation."""

    name: str
    version: int
    title: str | None
    description: str | None
    input_schema: dict[str, Any]
    output: Value | None
    start: str
    defaults: Defaults
    steps: Mapping[str, StepConfig]
    graph: Graph
    data: dict[str, Any]
    """The definition as plain data (what is stored and digested)."""
    source: str
    digest: str
    file: str | None = None
    _validator: Any = field(default=None, repr=False)

    def scope_of(self, step_id: str) -> Scope:
        return self.graph.scopes.get(step_id, ())

    def retry_policy(self, step: StepConfig, handler_retry: RetrySpec | None = None) -> RetryPolicy:
        spec = getattr(step, "retry", None) or handler_retry or self.defaults.retry
        return spec.policy() if spec is not None else DEFAULT_POLICY

    def timeout(self, step: StepConfig, handler_timeout: float | None = None) -> float | None:
        own = getattr(step, "timeout", None)
        return own if own is not None else (handler_timeout or self.defaults.timeout)

    def queue(self, step: StepConfig) -> str:
        own = step.queue if isinstance(step, ActivityConfig) else None
        return own or self.defaults.queue or "default"

    @functools.cached_property
    def kinds(self) -> frozenset[str]:
        """The step kinds this definition uses."""
        return frozenset(step.kind for step in self.steps.values())

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

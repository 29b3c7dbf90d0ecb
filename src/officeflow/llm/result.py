"""What one llm run returns: the output, what awaits a person, what tools did, what it cost.

:class:`LlmResult` is what the step adapter turns into the step's output, its history record and,
when :attr:`LlmResult.needs_person` is true, a human task: the proposed decisions and the pending
irreversible tool calls are exactly what that person approves or rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from officeflow.errors import Problem
from officeflow.llm.client import CallMetrics, Usage
from officeflow.llm.detect import Finding
from officeflow.llm.tools import ToolCall


class ToolStatus(StrEnum):
    """What became of one tool call the model proposed."""

    RAN = "ran"
    """A reversible tool ran; its result went back to the model."""
    FAILED = "failed"
    """A reversible tool ran and raised; the error went back to the model."""
    PENDING_APPROVAL = "pending_approval"
    """An irreversible tool: not run; a person must approve it (listed in ``pending_tool_calls``)."""
    INVALID_ARGUMENTS = "invalid_arguments"
    """The arguments were not JSON or broke the tool's schema: not run."""
    UNKNOWN_TOOL = "unknown_tool"
    """The model named a tool the step does not offer: not run."""
    NOT_RUN = "not_run"
    """Proposed on a turn that allowed no tool calls (the last turn, the repair): not run."""


@dataclass(frozen=True, kw_only=True)
class ToolCallRecord:
    """One proposed call and what the loop did with it."""

    call: ToolCall
    status: ToolStatus
    turn: int
    irreversible: bool = False
    result: Any = None
    error: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ran(self) -> bool:
        return self.status in (ToolStatus.RAN, ToolStatus.FAILED)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {**self.call.as_json(), "status": self.status.value, "turn": self.turn}
        if self.irreversible:
            data["irreversible"] = True
        if self.status is ToolStatus.RAN:
            data["result"] = self.result
        if self.error:
            data["error"] = self.error
        if self.problems:
            data["problems"] = [p.as_dict() for p in self.problems]
        return data


@dataclass(frozen=True, kw_only=True)
class LlmResult:
    """The outcome of :func:`officeflow.llm.session.run_llm` (also attached to its failures)."""

    model: str
    output: Any
    """The validated answer without its decision fields (unless ``may_decide``); the text when the
    step has no output schema; None when the run failed."""
    answer: Any
    """The answer as the model gave it (validated when the run succeeded), decision fields included."""
    proposals: Mapping[str, Any] = field(default_factory=dict)
    """Decision fields and the values the model proposes: a person decides them."""
    decisions: Mapping[str, Any] = field(default_factory=dict)
    """Decision fields the definition lets the model decide (``may_decide: true``); else empty."""
    pending_tool_calls: tuple[ToolCall, ...] = ()
    """Irreversible tool calls that did not run: each needs a person's approval."""
    tool_calls: tuple[ToolCallRecord, ...] = ()
    findings: tuple[Finding, ...] = ()
    usage: Usage = field(default_factory=Usage)
    calls: tuple[CallMetrics, ...] = ()
    latency_s: float = 0.0
    """Seconds the whole run took, tool calls included."""
    repaired: bool = False
    """True when the first answer broke the schema and the repair request produced the output."""
    transcript: tuple[Mapping[str, Any], ...] = ()
    """Every message sent and received, in order (the run's history record)."""

    @property
    def needs_person(self) -> bool:
        """True when something waits for a person: proposed decisions or pending irreversible calls."""
        return bool(self.proposals or self.pending_tool_calls)

    @property
    def blocked_tool_calls(self) -> tuple[ToolCallRecord, ...]:
        """Proposed calls that did not run, for whatever reason."""
        return tuple(r for r in self.tool_calls if not r.ran)

    def as_json(self) -> dict[str, Any]:
        """Everything as JSON (the step's output and history record), transcript included."""
        return {
            "model": self.model,
            "output": self.output,
            "answer": self.answer,
            "proposals": dict(self.proposals),
            "decisions": dict(self.decisions),
            "needs_person": self.needs_person,
            "pending_tool_calls": [c.as_json() for c in self.pending_tool_calls],
            "tool_calls": [r.as_json() for r in self.tool_calls],
            "findings": [f.as_json() for f in self.findings],
            "usage": self.usage.as_json(),
            "calls": [c.as_json() for c in self.calls],
            "latency_s": round(self.latency_s, 4),
            "repaired": self.repaired,
            "transcript": [dict(m) for m in self.transcript],
        }

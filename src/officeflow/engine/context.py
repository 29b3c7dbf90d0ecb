"""What expressions and handlers see of a run: its input and the latest output of each step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from officeflow.jsonutil import loads
from officeflow.store.records import RunHead


class RunContext:
    """Input and step outputs of one run, as the engine knows them inside a transaction or a
    worker. Only the worker's main thread mutates it; handlers get snapshots."""

    __slots__ = (
        "_vars",
        "input",
        "iterations",
        "outputs",
        "parent_run_id",
        "run_id",
        "tenant",
        "version",
        "workflow",
    )

    def __init__(self, head: RunHead, input: Any) -> None:
        self.run_id = head.id
        self.tenant = head.tenant
        self.workflow = head.workflow
        self.version = head.version
        self.parent_run_id = head.parent_run_id
        self.input = input
        self.outputs: dict[str, Any] = {}
        self.iterations: dict[str, int] = {}
        self._vars: dict[str, Any] | None = None

    @classmethod
    def from_history(
        cls,
        head: RunHead,
        input: Any,
        rows: Iterable[tuple[str, str | None, int | None, str | None, str | None]],
    ) -> RunContext:
        """Rebuild from (type, step_id, iteration, output, data) rows in history order."""
        ctx = cls(head, input)
        for type_, step_id, iteration, output, data in rows:
            if type_ == "run_migrated":
                ctx.rename((loads(data) or {}).get("map", {}))
            elif step_id is not None and iteration is not None:
                ctx.record(step_id, iteration, loads(output) if output is not None else None)
        return ctx

    def record(self, step_id: str, iteration: int, output: Any) -> None:
        if iteration >= self.iterations.get(step_id, -1):
            self.iterations[step_id] = iteration
            self.outputs[step_id] = output
            self._vars = None

    def rename(self, mapping: dict[str, str]) -> None:
        """Apply a migration's step-id map to what is known so far."""
        for old, new in mapping.items():
            if old in self.outputs and old != new:
                self.outputs[new] = self.outputs.pop(old)
                self.iterations[new] = self.iterations.pop(old)
        self._vars = None

    def merge(self, other: RunContext) -> None:
        for step_id, iteration in other.iterations.items():
            self.record(step_id, iteration, other.outputs[step_id])

    def next_iteration(self, step_id: str) -> int:
        return self.iterations.get(step_id, -1) + 1

    def enter(self, step_id: str, iteration: int) -> None:
        """Note that ``step_id`` was entered at ``iteration`` (so that a loop gets a new one)."""
        if iteration > self.iterations.get(step_id, -1):
            self.iterations[step_id] = iteration
            self.outputs.setdefault(step_id, None)
            self._vars = None

    def variables(self) -> dict[str, Any]:
        if self._vars is None:
            self._vars = {
                "input": self.input,
                "steps": {sid: {"output": out, "iteration": self.iterations[sid]} for sid, out in self.outputs.items()},
                "run": {
                    "id": self.run_id,
                    "workflow": self.workflow,
                    "version": self.version,
                    "tenant": self.tenant,
                    "parent": self.parent_run_id or "",
                },
            }
        return self._vars

    def snapshot(self) -> dict[str, Any]:
        return dict(self.outputs)

"""The ``llm`` step kind: :func:`officeflow.llm.session.run_llm` as a step of a workflow.

A worker runs the step (an activity, with the step's retry policy and timeout). Its configuration
is :class:`officeflow.llm.stepconfig.LlmStepConfig`; what it does:

1. **First entry**: the step's ``data`` (default: the run's input) goes to the model as fenced
   data; reversible tools run inline through their handlers; the answer is validated (one
   repair). The output records the model, digests of the prompt and of the data, token counts,
   latency, tool calls and findings (the run's history keeps it). Then:

   - nothing for a person (no decision fields, or ``decides: true``, and no irreversible call):
     the step goes on to ``next``;
   - otherwise its status is ``awaiting_review`` and it goes to the ``review`` human step, whose
     form and explanation panel read ``steps.<id>.output.proposals`` and ``.explanation``.

2. **Entered again after the review** (the review's approving outcome leads back to the step):
   no model call; if the review's outcome is one of ``approve``, each pending irreversible call
   runs through its handler once (claimed in ``of_llm_tool_runs`` before it runs, its result
   recorded after; a retry after a crash mid-call stops with a dead letter instead of calling
   again), and the person's form values become the decision. Any other outcome: nothing runs.

The office binds the kind to its store, settings and clock (:meth:`Llm.bind`, :func:`services`);
unbound, it validates definitions and runs nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from officeflow.clock import Clock, SystemClock
from officeflow.errors import NonRetryableError
from officeflow.jsonutil import dumps
from officeflow.llm.budget import TokenBudget
from officeflow.llm.client import ChatClient
from officeflow.llm.errors import LlmSettingsInvalid
from officeflow.llm.result import LlmResult
from officeflow.llm.session import run_llm
from officeflow.llm.settings import LlmSettings
from officeflow.llm.stepconfig import LlmStepConfig
from officeflow.llm.storebudget import StoreTokenBudget
from officeflow.llm.tools import Tool, ToolCall
from officeflow.steps.base import ActivityKind, StepContext, step_kind
from officeflow.store.base import Store
from officeflow.store.tx_llm import TOOL_DONE, TOOL_STARTED

AWAITING_REVIEW = "awaiting_review"
ANSWERED = "answered"
DECIDED = "decided"
APPROVED = "approved"
REJECTED = "rejected"


class LlmNotConfigured(NonRetryableError):
    """The llm step cannot run in this process: it has no LLM services."""


class ToolMayHaveRun(NonRetryableError):
    """An approved irreversible call started earlier and never finished: it may have run."""


@dataclass(frozen=True, kw_only=True)
class LlmServices:
    """What the kind needs from the office."""

    settings: LlmSettings
    store: Store
    clock: Clock
    budget: TokenBudget


def digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(dumps(value).encode()).hexdigest()


@step_kind("llm")
class Llm(ActivityKind):
    """See the module docstring."""

    config = LlmStepConfig
    services: LlmServices | None = None
    """Set by the office (:meth:`bind`); without them the kind validates definitions but runs nothing."""

    def bind(self, services: LlmServices) -> None:
        self.services = services

    def check(self, step: LlmStepConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        return step.problems(self.env.handlers)

    def is_async(self, step: LlmStepConfig) -> bool:
        return True

    def successor(self, step: LlmStepConfig, output: Any) -> str | None:
        if isinstance(output, Mapping) and output.get("status") == AWAITING_REVIEW:
            return step.review
        return step.next

    async def execute(self, step: LlmStepConfig, input: Any, ctx: StepContext) -> Any:
        services = self.services
        if services is None:
            raise LlmNotConfigured(
                "llm steps run in an office (officeflow.Office), which gives them the LLM settings and the store"
            )
        previous = ctx.steps.get(ctx.step_id)
        if ctx.iteration > 0 and isinstance(previous, Mapping) and previous.get("status") == AWAITING_REVIEW:
            return await self._after_review(step, previous, ctx, services)
        return await self._ask(step, input, ctx, services)

    # First entry: ask the model

    async def _ask(self, step: LlmStepConfig, input: Any, ctx: StepContext, services: LlmServices) -> Any:
        spec = step.spec()
        inputs = dict(input) if isinstance(input, Mapping) else {"input": input}
        try:
            endpoint = services.settings.endpoint(lambda name: self.env.secrets(ctx.tenant, name))
        except LlmSettingsInvalid as exc:
            raise LlmNotConfigured(exc.message) from None  # the same next time: not worth a retry
        runner = _HandlerRunner(self, ctx)
        async with ChatClient(endpoint, budget=services.budget) as client:
            result = await run_llm(
                spec,
                inputs=inputs,
                client=client,
                tenant=ctx.tenant,
                tool_runner=runner if any(not t.irreversible for t in step.tools) else None,
            )
        return step_output(step, result, inputs)

    # Entered again: the review decided

    async def _after_review(
        self, step: LlmStepConfig, previous: Mapping[str, Any], ctx: StepContext, services: LlmServices
    ) -> Any:
        review = ctx.steps.get(step.review or "")
        if not isinstance(review, Mapping) or "outcome" not in review:
            raise NonRetryableError(
                f"llm step '{ctx.step_id}' was entered again but its review step '{step.review}' has not decided"
            )
        outcome = review.get("outcome")
        approved = outcome in step.approve
        decided_by = review.get("decided_by")
        runs: list[dict[str, Any]] = []
        for index, raw in enumerate(previous.get("pending_tool_calls") or []):
            # the endpoint's call ids need not be unique across turns: the position makes them so
            call = ToolCall(id=f"{index}-{raw['id']}", name=str(raw["name"]), arguments=raw.get("arguments"))
            if not approved:
                runs.append({**call.as_json(), "status": REJECTED})
                continue
            runs.append(await self._run_approved(step, call, ctx, services, decided_by))
        proposals = previous.get("proposals") or {}
        given = review.get("values")
        values: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        decision = {name: values.get(name, value) for name, value in proposals.items()} if approved else None
        return {
            "status": APPROVED if approved else REJECTED,
            "output": previous.get("output"),
            "proposals": proposals,
            "decision": decision,
            "decided_by": decided_by,
            "outcome": outcome,
            "tool_calls": runs,
            "llm": previous.get("llm"),
        }

    async def _run_approved(
        self, step: LlmStepConfig, call: ToolCall, ctx: StepContext, services: LlmServices, decided_by: Any
    ) -> dict[str, Any]:
        use = step.tool(call.name)
        handler = self.env.handlers.get(call.name)
        if use is None or not use.irreversible or handler is None:
            raise NonRetryableError(
                f"the approved call {call.id} names '{call.name}', which is not an irreversible tool of step "
                f"'{ctx.step_id}' with a handler in this worker"
            )
        where = (ctx.run_id, ctx.step_id, ctx.iteration, call.id)
        now = services.clock.now()

        def claim() -> Any:
            with services.store.transaction() as tx:
                return tx.claim_llm_tool_run(
                    run_id=ctx.run_id,
                    step_id=ctx.step_id,
                    iteration=ctx.iteration,
                    call_id=call.id,
                    tenant=ctx.tenant,
                    tool=call.name,
                    arguments=call.arguments,
                    approved_by=None if decided_by is None else str(decided_by),
                    now=now,
                )

        existing = await asyncio.to_thread(claim)
        if existing is not None:
            if existing.status == TOOL_DONE:
                return {**call.as_json(), "status": "ran", "result": existing.result, "approved_by": decided_by}
            assert existing.status == TOOL_STARTED
            raise ToolMayHaveRun(
                f"the approved call {call.id} to '{call.name}' started and never finished (the worker stopped or "
                f"the step timed out): it may have run. Check with the idempotency key "
                f"'{_tool_key(ctx, call)}', then retry the step to record it as not run, or skip it"
            )
        error: str | None = None
        try:
            result = await _call_handler(handler, call, _tool_context(ctx, call))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            await asyncio.to_thread(_finish, services, where, None, error)
            raise
        await asyncio.to_thread(_finish, services, where, result, None)
        return {**call.as_json(), "status": "ran", "result": result, "approved_by": decided_by}


def _finish(services: LlmServices, where: tuple[str, str, int, str], result: Any, error: str | None) -> None:
    with services.store.transaction() as tx:
        tx.finish_llm_tool_run(*where, result=result, error=error, now=services.clock.now())


def _tool_key(ctx: StepContext, call: ToolCall) -> str:
    return f"{ctx.idempotency_key}:{call.id}"


def _tool_context(ctx: StepContext, call: ToolCall) -> StepContext:
    return dataclasses.replace(ctx, idempotency_key=_tool_key(ctx, call), log=ctx.log.bind(tool=call.name))


async def _call_handler(handler: Any, call: ToolCall, ctx: StepContext) -> Any:
    if handler.is_async:
        return await handler.fn(call.arguments, ctx)
    return await asyncio.to_thread(handler.fn, call.arguments, ctx)


class _HandlerRunner:
    """Runs a reversible tool through the handler it names (a :class:`officeflow.llm.tools.ToolRunner`)."""

    def __init__(self, kind: Llm, ctx: StepContext) -> None:
        self.kind = kind
        self.ctx = ctx

    async def __call__(self, call: ToolCall, tool: Tool) -> Any:
        assert not tool.irreversible  # the loop never runs one
        handler = self.kind.env.handlers.get(tool.name)
        if handler is None:
            raise LookupError(f"handler '{tool.name}' is not registered in this worker")
        return await _call_handler(handler, call, _tool_context(self.ctx, call))


def step_output(step: LlmStepConfig, result: LlmResult, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The step's output: the answer, what waits for a person, and the record of the call."""
    pending = [c.as_json() for c in result.pending_tool_calls]
    findings = [f.as_json() for f in result.findings]
    if result.needs_person:
        status = AWAITING_REVIEW
    elif result.decisions:
        status = DECIDED
    else:
        status = ANSWERED
    record = {
        "model": result.model,
        "prompt_digest": digest(step.prompt),
        "data_digest": digest(dict(inputs)),
        "usage": result.usage.as_json(),
        "latency_s": round(result.latency_s, 4),
        "calls": [c.as_json() for c in result.calls],
        "tool_calls": [r.as_json() for r in result.tool_calls],
        "findings": findings,
        "repaired": result.repaired,
    }
    explanation: dict[str, Any] = {"model": result.model, "proposed": dict(result.proposals)}
    if pending:
        explanation["tool_calls_awaiting_approval"] = pending
    if findings:
        explanation["warnings"] = [f"{f['kind']} in {f['source']}: {f['excerpt']}" for f in findings]
    explanation["answer"] = result.output
    return {
        "status": status,
        "output": result.output,
        "proposals": dict(result.proposals),
        "decisions": dict(result.decisions),
        "pending_tool_calls": pending,
        "explanation": explanation,
        "llm": record,
    }


def services(
    *, store: Store, settings: LlmSettings, clock: Clock | None = None, budget: TokenBudget | None = None
) -> LlmServices:
    """What the office lends the kind: its store and clock, the settings, the tenants' budget in the store."""
    clock = clock or SystemClock()
    if budget is None:
        budget = StoreTokenBudget(
            store, default_limit=settings.tenant_tokens, period=settings.token_period, clock=clock
        )
    return LlmServices(settings=settings, store=store, clock=clock, budget=budget)

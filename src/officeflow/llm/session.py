"""One llm run: fenced data in, the tool loop, a validated answer out, decisions set apart.

The algorithm of :func:`run_llm`:

1. Clean and scan every untrusted input (:mod:`officeflow.llm.guard`, :mod:`officeflow.llm.detect`);
   build the system message (author's instructions + fixed rules) and the user message (the
   inputs, fenced with this run's random token). Data never enters the system message.
2. Turn by turn, up to ``max_turns`` model calls (the last one offers the tools with
   ``tool_choice: "none"``, so it must answer): each tool call the model proposes is mapped back to
   the step's tool (unknown names are refused), its arguments parsed and validated against the
   tool's schema, and then:

   - an **irreversible** tool is **never run**: the call is recorded as pending approval, the
     model is told it waits for a person, and the result lists it in ``pending_tool_calls``;
   - a reversible tool runs through the caller's :class:`ToolRunner`; its result (or error) goes
     back to the model fenced as data, and is scanned for findings.

   No tool call is ever taken from the answer's text: only the endpoint's ``tool_calls`` count.
3. The final answer is checked against the output schema; if it breaks it, the problems are sent
   back once (tools offered with ``tool_choice: "none"``, structured output requested); a second
   failure raises :class:`OutputInvalid`.
4. Decision fields become proposals unless the spec says ``may_decide`` (:mod:`officeflow.llm.output`).

Budgets: each call is charged to the tenant's :class:`TokenBudget` by the client; the step's
``max_total_tokens`` caps the run (a call gets ``max_tokens`` no larger than what is left, and no
call starts once it is spent). Every failure after the first call carries the partial
:class:`LlmResult` (``.result``) so the adapter can record what happened.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from officeflow.errors import ConfigurationError, Problem
from officeflow.llm import detect, guard
from officeflow.llm.client import CallMetrics, ChatClient, Completion, Usage, WireToolCall
from officeflow.llm.errors import LlmRejected, LlmUnavailable, OutputInvalid, TokenBudgetExceeded, TurnLimitReached
from officeflow.llm.output import AnswerChecker, decision_fields, repair_request, split_decisions
from officeflow.llm.result import LlmResult, ToolCallRecord, ToolStatus
from officeflow.llm.spec import LlmSpec
from officeflow.llm.tools import Tool, Toolbox, ToolCall, ToolRunner, wire_name

ERROR_EXCERPT = 500
"""Characters of a tool's error message sent back to the model and recorded."""
PENDING_NOTE = (
    "Not run: this tool is irreversible. The call is recorded as a proposal that waits for a person's approval."
)


async def run_llm(
    spec: LlmSpec,
    *,
    inputs: Mapping[str, Any],
    client: ChatClient,
    tenant: str,
    tool_runner: ToolRunner | None = None,
    fence: guard.Fence | None = None,
) -> LlmResult:
    """Run ``spec`` over the untrusted ``inputs`` (see the module docstring)."""
    toolbox = Toolbox(spec.toolset())
    if tool_runner is None and any(not t.irreversible for t in toolbox.tools):
        raise ConfigurationError("the step offers reversible tools but no tool runner was given")
    run = _Run(spec, toolbox, client=client, tenant=tenant, fence=fence or guard.Fence())
    run.start(inputs)
    return await run.go(tool_runner)


class _Run:
    """The state of one run while the loop goes (messages, records, usage)."""

    def __init__(self, spec: LlmSpec, toolbox: Toolbox, *, client: ChatClient, tenant: str, fence: guard.Fence) -> None:
        self.spec = spec
        self.toolbox = toolbox
        self.client = client
        self.tenant = tenant
        self.fence = fence
        self.model = spec.model or client.endpoint.model
        self.decision_fields = decision_fields(spec.output_schema, spec.decision_fields)
        self.checker = AnswerChecker(spec.output_schema) if spec.output_schema is not None else None
        self.tool_names = [n for t in toolbox.tools for n in {t.name, wire_name(t.name)}]
        self.messages: list[dict[str, Any]] = []
        self.records: list[ToolCallRecord] = []
        self.pending: list[ToolCall] = []
        self.findings: list[detect.Finding] = []
        self.calls: list[CallMetrics] = []
        self.usage = Usage()
        self.started = time.perf_counter()
        self.answer: Any = None
        self.repaired = False

    def start(self, inputs: Mapping[str, Any]) -> None:
        blocks = []
        for name, value in inputs.items():
            cleaned = guard.clean(guard.as_text(value))
            self.findings += detect.scan(
                cleaned.text, source=f"input:{name}", tool_names=self.tool_names, cleaned=cleaned
            )
            blocks.append((str(name), cleaned.text))
        system = guard.system_prompt(
            self.spec.system,
            self.fence,
            decision_fields=self.decision_fields,
            may_decide=self.spec.may_decide,
            irreversible_tools=[t.name for t in self.toolbox.tools if t.irreversible],
            output_schema=self.spec.output_schema,
        )
        self.messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": guard.data_message(blocks, self.fence)},
        ]

    async def go(self, runner: ToolRunner | None) -> LlmResult:
        try:
            for turn in range(1, self.spec.max_turns + 1):
                last = turn == self.spec.max_turns
                completion = await self._call(tool_choice="none" if last else "auto")
                if completion.tool_calls and not last:
                    for wire in completion.tool_calls:
                        await self._tool_call(wire, turn, runner)
                    continue
                self._not_run(completion.tool_calls, turn)
                if completion.content is None and completion.tool_calls:
                    raise TurnLimitReached(result=self.result(failed=True))
                return await self._finish(completion, turn)
            raise TurnLimitReached(result=self.result(failed=True))  # max_turns >= 1: not reached
        except (TokenBudgetExceeded, LlmUnavailable, LlmRejected) as exc:
            exc.result = self.result(failed=True)
            raise

    async def _call(self, *, tool_choice: str, with_schema: bool = True) -> Completion:
        max_tokens = self.spec.max_tokens
        if self.spec.max_total_tokens is not None:
            left = self.spec.max_total_tokens - self.usage.total_tokens
            if left <= 0:
                raise TokenBudgetExceeded(scope="step", needed=1, remaining=0)
            max_tokens = min(max_tokens, left)
        completion = await self.client.complete(
            tenant=self.tenant,
            messages=self.messages,
            max_tokens=max_tokens,
            model=self.spec.model,
            tools=self.toolbox.wire() if self.toolbox else None,
            tool_choice=tool_choice if self.toolbox else None,
            output_schema=self.spec.output_schema if with_schema else None,
            temperature=self.spec.temperature,
        )
        self.calls.append(completion.metrics)
        self.usage += completion.metrics.usage
        self.messages.append(completion.message)
        return completion

    async def _tool_call(self, wire: WireToolCall, turn: int, runner: ToolRunner | None) -> None:
        tool = self.toolbox.resolve(wire.name)
        arguments, parse_problem = _arguments(wire.arguments)
        call = ToolCall(id=wire.id, name=tool.name if tool else wire.name, arguments=arguments)
        if tool is None:
            self._record(call, ToolStatus.UNKNOWN_TOOL, turn, error=f"no tool named {wire.name!r} is offered")
            self._reply(wire, f"Not run: there is no tool named {wire.name!r}.")
            return
        problems = [parse_problem] if parse_problem else self.toolbox.check_arguments(tool, arguments)
        if problems:
            self._record(call, ToolStatus.INVALID_ARGUMENTS, turn, tool=tool, problems=problems)
            self._reply(wire, "Not run: the arguments are not valid:\n" + "\n".join(f"- {p}" for p in problems))
            return
        if tool.irreversible:
            self._record(call, ToolStatus.PENDING_APPROVAL, turn, tool=tool)
            if all((c.name, c.arguments) != (call.name, call.arguments) for c in self.pending):
                self.pending.append(call)
            self._reply(wire, PENDING_NOTE)
            return
        assert runner is not None  # run_llm refuses reversible tools without a runner
        await self._run_tool(runner, tool, call, wire, turn)

    async def _run_tool(self, runner: ToolRunner, tool: Tool, call: ToolCall, wire: WireToolCall, turn: int) -> None:
        try:
            value = await runner(call, tool)
            text = guard.as_text(value)
        except Exception as exc:  # a handler's failure is the model's information, not the run's end
            error = f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT]
            self._record(call, ToolStatus.FAILED, turn, tool=tool, error=error)
            # the message may quote what the handler read (a vendor name from the document): fenced too
            self._reply(
                wire, "The tool failed:\n" + self.fence.wrap(f"tool:{tool.name}:error", guard.clean(error).text)
            )
            return
        cleaned = guard.clean(text)
        source = f"tool:{tool.name}"
        self.findings += detect.scan(cleaned.text, source=source, tool_names=self.tool_names, cleaned=cleaned)
        self._record(call, ToolStatus.RAN, turn, tool=tool, result=value)
        self._reply(wire, self.fence.wrap(source, cleaned.text))

    async def _finish(self, completion: Completion, turn: int) -> LlmResult:
        content = completion.content
        if content:
            self.findings += detect.scan(content, source="output", only=detect.OUTPUT_KINDS)
        if self.checker is None:
            self.answer = content or ""
            return self.result()
        value, problems = self.checker.check(content)
        if problems:
            self.messages.append({"role": "user", "content": repair_request(problems)})
            self.repaired = True
            repaired = await self._call(tool_choice="none")
            self._not_run(repaired.tool_calls, turn + 1)
            if repaired.content:
                self.findings += detect.scan(repaired.content, source="output", only=detect.OUTPUT_KINDS)
            value, problems = self.checker.check(repaired.content)
            if problems:
                self.answer = value if value is not None else repaired.content
                raise OutputInvalid(problems, result=self.result(failed=True))
        self.answer = value
        return self.result()

    def _not_run(self, calls: tuple[WireToolCall, ...], turn: int) -> None:
        for wire in calls:
            tool = self.toolbox.resolve(wire.name)
            arguments, _ = _arguments(wire.arguments)
            call = ToolCall(id=wire.id, name=tool.name if tool else wire.name, arguments=arguments)
            self._record(
                call, ToolStatus.NOT_RUN, turn, tool=tool, error="proposed on a turn that allows no tool calls"
            )

    def _record(
        self, call: ToolCall, status: ToolStatus, turn: int, *, tool: Tool | None = None, **detail: Any
    ) -> None:
        problems = tuple(detail.pop("problems", ()))
        self.records.append(
            ToolCallRecord(
                call=call,
                status=status,
                turn=turn,
                irreversible=bool(tool and tool.irreversible),
                problems=problems,
                **detail,
            )
        )

    def _reply(self, wire: WireToolCall, content: str) -> None:
        self.messages.append({"role": "tool", "tool_call_id": wire.id, "content": content})

    def result(self, *, failed: bool = False) -> LlmResult:
        split = split_decisions(None if failed else self.answer, self.decision_fields, may_decide=self.spec.may_decide)
        return LlmResult(
            model=self.model,
            output=split.output,
            answer=self.answer,
            proposals=split.proposals,
            decisions=split.decisions,
            pending_tool_calls=tuple(self.pending),
            tool_calls=tuple(self.records),
            findings=tuple(self.findings),
            usage=self.usage,
            calls=tuple(self.calls),
            latency_s=time.perf_counter() - self.started,
            repaired=self.repaired,
            transcript=tuple(dict(m) for m in self.messages),
        )


def _arguments(text: str) -> tuple[Any, Problem | None]:
    """The arguments' JSON, or the raw text and the problem with it."""
    try:
        return orjson.loads(text or "{}"), None
    except orjson.JSONDecodeError as exc:
        return text, Problem(message=f"the arguments are not JSON: {exc}", pointer="", expected="a JSON object")

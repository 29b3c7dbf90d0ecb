"""An OpenAI-compatible chat-completions client: timeouts, retries, token budget, metrics per call.

Plain ``httpx`` (async), one ``POST {base_url}/chat/completions`` per call:

- **Timeouts**: an overall timeout per attempt and a shorter connect timeout (:class:`Endpoint`).
- **Retries** with exponential backoff and jitter (:class:`officeflow.retry.RetryPolicy`) on
  connection errors, timeouts, 408/409/425/429 and 5xx; a ``Retry-After`` the server sends is
  honoured up to the policy's ``max_delay``. Exhausted retries raise :class:`LlmUnavailable` (a
  ``StepError``: the step's own policy may run the step again); any other 4xx raises
  :class:`LlmRejected` (not retried). The API key never appears in an error.
- **Budget**: the call reserves its ``max_tokens`` with the tenant's :class:`TokenBudget` first and
  settles the tokens the endpoint reports after (see :mod:`officeflow.llm.budget`).
- **Metrics**: every :class:`Completion` carries :class:`CallMetrics` (latency of the successful
  attempt and in all, attempts, prompt and completion tokens, finish reason).

**Structured output** is asked for in one of two dialects (``Endpoint.structured_output``):
``json_schema``, OpenAI's ``{"type": "json_schema", "json_schema": {...}}``, or ``json_object``,
``{"type": "json_object", "schema": {...}}`` as llama-cpp-python's server takes it (there the
schema becomes a grammar, so the answer is valid JSON of that shape unless it runs out of tokens).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson

from officeflow.llm.budget import TokenBudget
from officeflow.llm.errors import LlmRejected, LlmUnavailable
from officeflow.retry import GiveUp, RetryPolicy

RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
ERROR_EXCERPT = 300
"""Characters of an error response's body quoted in the error."""
DEFAULT_RETRY = RetryPolicy(max_attempts=3, initial_delay=0.5, multiplier=2.0, max_delay=20.0, jitter=0.2)

StructuredOutput = Literal["json_schema", "json_object"]


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Where the model is and how to talk to it (from configuration, not from definitions)."""

    base_url: str
    """The API root, e.g. ``https://api.openai.com/v1`` or ``http://127.0.0.1:8090/v1``."""
    model: str
    """The default model; a step may name another."""
    api_key: str | None = field(default=None, repr=False)
    """The key itself, read from the secret the settings name; None sends no Authorization."""
    structured_output: StructuredOutput = "json_schema"
    timeout: float = 120.0
    """Seconds one attempt may take in all."""
    connect_timeout: float = 10.0
    retry: RetryPolicy = DEFAULT_RETRY


@dataclass(frozen=True, kw_only=True)
class Usage:
    """Tokens one call (or a whole run) used, as the endpoint reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    def as_json(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, kw_only=True)
class CallMetrics:
    """What one chat-completions call cost."""

    model: str
    latency_s: float
    """Seconds of the attempt that answered."""
    elapsed_s: float
    """Seconds from the first attempt to the answer, waits between retries included."""
    attempts: int
    usage: Usage
    usage_reported: bool
    """False when the endpoint sent no usage: the call was charged its ``max_tokens`` instead."""
    finish_reason: str | None

    @property
    def completion_tokens_per_s(self) -> float | None:
        return self.usage.completion_tokens / self.latency_s if self.latency_s > 0 else None

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "latency_s": round(self.latency_s, 4),
            "elapsed_s": round(self.elapsed_s, 4),
            "attempts": self.attempts,
            "usage": self.usage.as_json(),
            "usage_reported": self.usage_reported,
            "finish_reason": self.finish_reason,
        }


@dataclass(frozen=True, kw_only=True)
class WireToolCall:
    """A tool call as the endpoint sent it: the wire function name and the arguments' JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, kw_only=True)
class Completion:
    """The assistant's message of one call, and its metrics."""

    content: str | None
    tool_calls: tuple[WireToolCall, ...]
    message: dict[str, Any]
    """The assistant message as it goes back into the conversation."""
    metrics: CallMetrics


Sleep = Callable[[float], Awaitable[None]]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context every client shares: loading the CA certificates costs 0.1 to 0.5 s, a client
    per step would pay it each time."""
    return httpx.create_ssl_context()


class ChatClient:
    """Calls one :class:`Endpoint`; share one per process (it pools connections), close it at the end."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        budget: TokenBudget | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.budget = budget
        self._sleep = sleep
        self._rand = rand
        headers = {"Accept": "application/json"}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url.rstrip("/") + "/",
            verify=tls_context(),
            headers=headers,
            timeout=httpx.Timeout(endpoint.timeout, connect=endpoint.connect_timeout),
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def response_format(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """The ``response_format`` that asks this endpoint for JSON matching ``schema``."""
        if self.endpoint.structured_output == "json_object":
            return {"type": "json_object", "schema": dict(schema)}
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": dict(schema), "strict": False}}

    async def complete(
        self,
        *,
        tenant: str,
        messages: Sequence[Mapping[str, Any]],
        max_tokens: int,
        model: str | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | None = None,
        output_schema: Mapping[str, Any] | None = None,
        temperature: float = 0.0,
    ) -> Completion:
        """One chat completion (retried as the module docstring says), charged to ``tenant``."""
        name = model or self.endpoint.model
        body: dict[str, Any] = {
            "model": name,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if tools:
            body["tools"] = list(tools)
            body["tool_choice"] = tool_choice or "auto"
        if output_schema is not None:
            body["response_format"] = self.response_format(output_schema)
        reservation = await self.budget.reserve(tenant, max_tokens) if self.budget else None
        used = 0
        try:
            data, latency, elapsed, attempts = await self._post(orjson.dumps(body))
            completion = _completion(
                data, name=name, latency=latency, elapsed=elapsed, attempts=attempts, charged=max_tokens
            )
            used = completion.metrics.usage.total_tokens
            return completion
        finally:
            if self.budget and reservation:
                await self.budget.settle(reservation, used)

    async def _post(self, body: bytes) -> tuple[Any, float, float, int]:
        policy = self.endpoint.retry
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            began = time.perf_counter()
            try:
                response = await self._http.post(
                    "chat/completions", content=body, headers={"Content-Type": "application/json"}
                )
            except httpx.TransportError as exc:
                failure = LlmUnavailable(f"LLM endpoint unreachable: {type(exc).__name__}", attempts=attempt)
                retry_after = None
            else:
                latency = time.perf_counter() - began
                if response.is_success:
                    try:
                        return response.json(), latency, time.perf_counter() - started, attempt
                    except ValueError:
                        failure = LlmUnavailable(
                            "LLM endpoint answered with a body that is not JSON",
                            status=response.status_code,
                            attempts=attempt,
                        )
                        retry_after = None
                else:
                    status = response.status_code
                    excerpt = response.text[:ERROR_EXCERPT]
                    if status not in RETRYABLE_STATUSES and status < 500:
                        raise LlmRejected(f"LLM endpoint refused the request: HTTP {status}: {excerpt}", status=status)
                    failure = LlmUnavailable(
                        f"LLM endpoint failed: HTTP {status}: {excerpt}", status=status, attempts=attempt
                    )
                    retry_after = _retry_after(response.headers.get("retry-after"))
            decision = policy.decide(attempt=attempt, error_types=["LlmUnavailable"], rand=self._rand())
            if isinstance(decision, GiveUp):
                raise failure
            delay = decision.delay if retry_after is None else min(max(decision.delay, retry_after), policy.max_delay)
            await self._sleep(delay)


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _completion(data: Any, *, name: str, latency: float, elapsed: float, attempts: int, charged: int) -> Completion:
    """The first choice of a chat-completions response, or :class:`LlmUnavailable` when malformed."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
        raw_calls = message.get("tool_calls") or []
        calls = tuple(
            WireToolCall(
                id=str(call.get("id") or f"call_{index}"),
                name=str(call["function"]["name"]),
                arguments=str(call["function"].get("arguments") or ""),
            )
            for index, call in enumerate(raw_calls)
        )
        content = message.get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LlmUnavailable("LLM endpoint answered without a choice with a message") from None
    usage_data = data.get("usage") if isinstance(data, Mapping) else None
    if isinstance(usage_data, Mapping) and isinstance(usage_data.get("prompt_tokens"), int):
        usage = Usage(
            prompt_tokens=usage_data["prompt_tokens"], completion_tokens=int(usage_data.get("completion_tokens") or 0)
        )
        reported = True
    else:
        usage = Usage(completion_tokens=charged)
        reported = False
    content = content if isinstance(content, str) else None
    # "" rather than null: llama-cpp-python's server refuses a null content, and its chat template a missing one
    assistant: dict[str, Any] = {"role": "assistant", "content": content or ""}
    if calls:
        assistant["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    metrics = CallMetrics(
        model=str(data.get("model") or name),
        latency_s=latency,
        elapsed_s=elapsed,
        attempts=attempts,
        usage=usage,
        usage_reported=reported,
        finish_reason=choice.get("finish_reason"),
    )
    return Completion(content=content, tool_calls=calls, message=assistant, metrics=metrics)

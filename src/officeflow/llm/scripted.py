"""A scripted OpenAI-compatible endpoint on localhost, for tests of what the loop does with any answer.

:class:`ScriptedModel` is a real HTTP server (``http.server`` on a free loopback port, in a
thread) that answers ``POST /v1/chat/completions`` from a script: a list of :class:`Reply` taken
in order, or a function of the request body. It records every request body, so a test can check
what the model was sent (fenced data, tool results, the repair request). It can play an endpoint
that fails (5xx, 429 with ``Retry-After``, a slow answer) or a fully compromised model that asks
for irreversible tools and returns decisions, which is how the guardrails' structure is tested
without trusting any real model to misbehave on cue.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from officeflow.llm.client import Endpoint


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: Any = None
    """JSON to send (a dict or list), or raw text."""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to trip the client's timeout)."""


def answer(
    content: str | None = None,
    *,
    tool_calls: Sequence[tuple[str, Any]] = (),
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    usage: bool = True,
) -> Reply:
    """A chat completion with ``content`` and/or tool calls ``(function name, arguments)``; arguments
    that are not a string are sent as their JSON text."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{index}",
                "type": "function",
                "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
            for index, (name, args) in enumerate(tool_calls)
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
    }
    if usage:
        body["usage"] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
    return Reply(body=body)


def failure(status: int, *, retry_after: str | None = None, message: str = "scripted failure") -> Reply:
    """An error answer (``Retry-After`` when given)."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(status=status, body={"error": {"message": message}}, headers=headers)


Script = Callable[[dict[str, Any]], Reply]


class ScriptedModel:
    """The server as a context manager (see the module docstring)."""

    def __init__(self, script: Iterable[Reply] | Script) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        if callable(script):
            self._script: Script = script
        else:
            replies = list(script)

            def from_list(_: dict[str, Any]) -> Reply:
                if not replies:
                    return failure(500, message="the script has no more replies")
                return replies.pop(0)

            self._script = from_list
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-model", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def endpoint(self, **overrides: Any) -> Endpoint:
        fields: dict[str, Any] = {"base_url": self.base_url, "model": "scripted"}
        return Endpoint(**{**fields, **overrides})

    def __enter__(self) -> ScriptedModel:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            return self._script(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(failure(404, message=f"no route {self.path}"))
                    return
                body["_authorization"] = self.headers.get("Authorization")
                self._send(model._reply(body))

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

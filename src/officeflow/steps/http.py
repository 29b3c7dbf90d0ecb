"""``http``: call an external HTTP API from a workflow (reference: docs/http-step.md).

**Async.** The kind runs on the worker's event loop (``is_async`` is True). An HTTP call spends
nearly all its time waiting on the network: on the loop, many calls in flight share one thread
instead of holding one pool thread each. A step that overruns its timeout is *cancelled* by the
worker (the task is cancelled, the connection closed) rather than abandoned on a busy thread that
still counts against the worker's concurrency. The few blocking parts run in threads: reading the
secret from the store, and DNS resolution (``Guard.resolve_async``).

**The request is the step's input.** The config derives its ``input`` from ``url``, ``headers``,
``query`` and ``body``, so the worker evaluates them like any step input (with every variable:
``input``, ``steps.<id>.output``/``.iteration``, ``run``) and records the evaluated request in
history as the step's input. The credential named by ``auth`` is added afterwards, in
:meth:`Http.execute`, so it is never part of that record.

**The credential stays out of every record.** It is read from the secret store at execution time,
sent only to the origin the URL names (dropped on a redirect to another origin), and redacted
from the response (body, headers) and from error messages, whose exception chain is cut (``from
None``) so that no library message that could quote a header reaches the recorded traceback.

**Destinations are checked** by :class:`officeflow.security.ssrf.Guard` on every hop, redirects
included, and the connection goes to the address that was checked.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import re
import time
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import httpx
import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from officeflow.errors import NonRetryableError, OfficeflowError, StepError
from officeflow.expressions import Expr, Value, compile_value
from officeflow.jsonutil import NotJSON, dumps
from officeflow.security.secrets import NAME as SECRET_NAME
from officeflow.security.ssrf import Guard
from officeflow.steps.base import (
    ActivityConfig,
    ActivityKind,
    KindEnvironment,
    StepContext,
    ValueField,
    step_kind,
)

DEFAULT_TIMEOUT = 30.0
"""Seconds a call may take in all (resolution, connection, redirects, body) without a step timeout."""
CONNECT_TIMEOUT = 10.0
"""Seconds to open one connection (within the overall timeout)."""
MAX_REDIRECTS = 5
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""Upper bound of ``max_response_bytes``: the response is stored in the run's history."""
ERROR_EXCERPT = 200
"""Characters of a refused response's body quoted in the error."""
SAFE_HEADERS = ("content-type", "etag", "location", "retry-after")
"""Response headers recorded in the output."""
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"})
"""Headers the transport sets; a definition may not."""
REDACTED = "[redacted]"

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class HttpFailed(StepError):
    """The HTTP call failed in a way that may pass on a retry (network, timeout, 5xx, 429...)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        """Seconds the server asked to wait (``Retry-After``), when it said."""


class HttpRejected(NonRetryableError):
    """The server refused the request (a 4xx, or a status the step does not expect); the same
    request would be refused again."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HttpAuth(BaseModel):
    """``auth:``: which stored secret to send, and how. The value itself never appears here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: str = Field(pattern=SECRET_NAME.pattern)
    scheme: Literal["bearer", "basic", "header"] = "bearer"
    header: str | None = None
    """The header that carries the secret (``scheme: header`` only), e.g. X-Api-Key."""

    @model_validator(mode="after")
    def _header_fits_scheme(self) -> HttpAuth:
        if self.scheme == "header" and not self.header:
            raise ValueError("auth scheme 'header' needs the header that carries the secret (header: X-Api-Key)")
        if self.scheme != "header" and self.header:
            raise ValueError(
                f"auth scheme '{self.scheme}' sends the Authorization header; 'header' is for scheme: header"
            )
        if self.header and (not _TOKEN.match(self.header) or self.header.lower() in RESERVED_HEADERS):
            raise ValueError(f"{self.header!r} cannot carry the secret: it is not a header name a step may set")
        return self

    @property
    def header_name(self) -> str:
        return self.header if self.scheme == "header" and self.header else "Authorization"


class HttpConfig(ActivityConfig):
    kind: Literal["http"]
    method: Annotated[Method, BeforeValidator(_upper)] = "GET"
    url: ValueField
    headers: dict[str, ValueField] = Field(default_factory=dict)
    query: dict[str, ValueField] | None = None
    body: ValueField | None = None
    auth: HttpAuth | None = None
    expect: list[Annotated[int, Field(ge=100, le=599)]] | None = Field(None, min_length=1)
    """Acceptable statuses (default: any 2xx)."""
    max_response_bytes: int = Field(DEFAULT_MAX_RESPONSE_BYTES, ge=1, le=MAX_RESPONSE_BYTES)

    @field_validator("url", mode="wrap")
    @classmethod
    def _url_hint(cls, raw: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(raw)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            if isinstance(raw, str) and "${" not in raw and _SCHEME.match(raw):
                message += f"; a fixed URL is CEL text: quote it, url: \"'{raw}'\""
            raise ValueError(message) from None

    @model_validator(mode="before")
    @classmethod
    def _no_input(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "input" in data:
            raise ValueError("an http step takes no 'input': its request is url, headers, query and body")
        return data

    @model_validator(mode="after")
    def _request_is_input(self) -> HttpConfig:
        raw: dict[str, Any] = {"url": self.url.raw, "headers": {k: v.raw for k, v in self.headers.items()}}
        if self.query is not None:
            raw["query"] = {k: v.raw for k, v in self.query.items()}
        if self.body is not None:
            raw["body"] = self.body.raw
        # The worker evaluates a step's `input` and records it: see the module docstring.
        object.__setattr__(self, "input", compile_value(raw))
        return self

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        yield ("url",), self.url
        for name, value in self.headers.items():
            yield ("headers", name), value
        for name, value in (self.query or {}).items():
            yield ("query", name), value
        if self.body is not None:
            yield ("body",), self.body

    def expects(self, status: int) -> bool:
        return status in self.expect if self.expect is not None else 200 <= status < 300


@step_kind("http")
class Http(ActivityKind):
    """Sends the request the step describes and records the response as the step's output."""

    config = HttpConfig

    def __init__(self, env: KindEnvironment) -> None:
        super().__init__(env)
        self.guard = Guard(env.http_allow)

    def check(self, step: HttpConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        names: dict[str, str] = {}
        for name in step.headers:
            lower = name.lower()
            if not _TOKEN.match(name):
                yield ("headers", name), f"{name!r} is not a valid header name", "letters, digits and !#$%&'*+-.^_`|~"
            elif lower in RESERVED_HEADERS:
                yield ("headers", name), f"header '{name}' is set by the transport, not by the step", None
            elif lower in names:
                yield ("headers", name), f"header '{name}' is given twice (as '{names[lower]}')", None
            names[lower] = name
        auth = step.auth
        if auth is not None and auth.header_name.lower() in names:
            yield (
                ("headers", names[auth.header_name.lower()]),
                f"header '{auth.header_name}' is set by auth; the definition may not set it too",
                None,
            )
        scheme = _static_scheme(step.url)
        if scheme is not None and scheme.lower() not in ("http", "https"):
            yield ("url",), f"scheme '{scheme}' cannot be called", "an http:// or https:// URL"

    def is_async(self, step: HttpConfig) -> bool:
        return True

    async def execute(self, step: HttpConfig, input: Any, ctx: StepContext) -> dict[str, Any]:
        request = _Request.build(step, input, ctx)
        self.guard.check_url(request.url)  # refused before a secret is read or a socket opened
        if step.auth is not None:
            await request.authorize(step.auth, self.env, ctx.tenant)
        budget = _budget(ctx.deadline, self.env.now())
        started = time.monotonic()
        try:
            async with asyncio.timeout(budget):
                response, body, truncated = await self._exchange(step, request, budget)
        except TimeoutError:
            raise request.fail(HttpFailed, f"no complete response within {budget:g}s") from None
        except OfficeflowError:
            raise  # the guard's refusals and our own errors: their messages hold no credential
        except httpx.TimeoutException:
            raise request.fail(HttpFailed, f"no complete response within {budget:g}s") from None
        except (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.DecodingError) as exc:
            raise request.fail(HttpRejected, f"{type(exc).__name__}: {exc}") from None
        except httpx.TransportError as exc:
            raise request.fail(HttpFailed, f"{type(exc).__name__}: {exc or 'connection failed'}") from None
        except Exception as exc:
            raise request.fail(HttpRejected, f"{type(exc).__name__}: {exc}") from None
        return {
            "status": response.status_code,
            "headers": {n: request.redact(response.headers[n]) for n in SAFE_HEADERS if n in response.headers},
            "body": request.redact(_decode(response, body, truncated)),
            "truncated": truncated,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
            "url": _shown(response.url),
        }

    async def _exchange(self, step: HttpConfig, request: _Request, budget: float) -> tuple[httpx.Response, bytes, bool]:
        """Send, following redirects (each hop checked by the guard's transport); returns the
        final response and its body, capped."""
        timeout = httpx.Timeout(budget, connect=min(CONNECT_TIMEOUT, budget))
        method, url, content, headers = request.method, request.url, request.content, dict(request.headers)
        async with self.guard.client(timeout=timeout) as client:
            for hop in range(MAX_REDIRECTS + 1):
                outgoing = client.build_request(method, url, content=content, headers=headers)
                response = await client.send(outgoing, stream=True)
                try:
                    status = response.status_code
                    location = response.headers.get("location")
                    if status in REDIRECT_STATUSES and location and not step.expects(status):
                        if hop == MAX_REDIRECTS:
                            raise request.fail(HttpRejected, f"more than {MAX_REDIRECTS} redirects", status=status)
                        next_url = response.url.join(location)
                        if status == 303 or (status in (301, 302) and method == "POST"):
                            method, content = "GET", None
                            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                        if _origin(next_url) != _origin(request.url):
                            headers = {k: v for k, v in headers.items() if k.lower() != request.auth_header}
                        url = next_url
                        continue
                    if step.expects(status):
                        body, truncated = await _read_capped(response, step.max_response_bytes)
                        return response, body, truncated
                    excerpt, _ = await _read_capped(response, 8 * 1024)
                    raise _status_error(request, response, excerpt)
                finally:
                    await response.aclose()
        raise AssertionError("unreachable")  # pragma: no cover


class _Request:
    """One call being made: what is sent, and the values to redact from what comes back."""

    def __init__(self, method: str, url: httpx.URL, headers: dict[str, str], content: bytes | None) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content
        self.auth_header = ""
        self.needles: list[str] = []

    @classmethod
    def build(cls, step: HttpConfig, input: Any, ctx: StepContext) -> _Request:
        if not isinstance(input, Mapping):  # pragma: no cover - the config always derives it
            raise NonRetryableError("the http step's request did not evaluate to a mapping")
        raw_url = input.get("url")
        if not isinstance(raw_url, str):
            raise NonRetryableError(f"url gave {type(raw_url).__name__} {raw_url!r}; a URL is text")
        try:
            url = httpx.URL(raw_url)
            if input.get("query"):
                url = url.copy_merge_params(_query(input["query"]))
        except httpx.InvalidURL as exc:
            raise NonRetryableError(f"url {raw_url!r} is not a valid URL: {exc}") from None
        headers = {"User-Agent": "officeflow", "Accept": "application/json, */*;q=0.5"}
        given = _headers(input.get("headers") or {})
        lower = {k.lower() for k in given}
        if "idempotency-key" not in lower:
            headers["Idempotency-Key"] = ctx.idempotency_key
        headers = {k: v for k, v in headers.items() if k.lower() not in lower} | given
        content = None
        if "body" in input:
            try:
                content = dumps(input["body"]).encode()
            except NotJSON as exc:
                raise NonRetryableError(f"body: {exc.message}") from None
            if "content-type" not in lower:
                headers["Content-Type"] = "application/json"
        return cls(step.method, url, headers, content)

    async def authorize(self, auth: HttpAuth, env: KindEnvironment, tenant: str) -> None:
        try:
            secret = (await asyncio.to_thread(env.secrets, tenant, auth.secret)).strip()
        except OfficeflowError as exc:  # no such secret, or it cannot be decrypted
            raise NonRetryableError(f"auth: {exc.message}") from None
        if not secret or not secret.isprintable() or (auth.scheme != "basic" and not secret.isascii()):
            raise NonRetryableError(
                f"auth: secret '{auth.secret}' cannot go in an HTTP header "
                "(it is empty, or holds line breaks, control or non-ASCII characters)"
            )
        needles = {secret}
        if auth.scheme == "bearer":
            value = f"Bearer {secret}"
        elif auth.scheme == "basic":
            token = base64.b64encode(secret.encode()).decode()
            value = f"Basic {token}"
            needles |= {token, secret.partition(":")[2]}  # encoded, and the password alone
        else:
            value = secret
        self.auth_header = auth.header_name.lower()
        self.headers = {k: v for k, v in self.headers.items() if k.lower() != self.auth_header}
        self.headers[auth.header_name] = value
        self.needles = sorted((n for n in needles if n), key=len, reverse=True)

    def redact(self, value: Any) -> Any:
        """``value`` with every occurrence of the credential replaced (strings, keys, members)."""
        if not self.needles:
            return value
        if isinstance(value, str):
            for needle in self.needles:
                value = value.replace(needle, REDACTED)
            return value
        if isinstance(value, dict):
            return {self.redact(k): self.redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        return value

    def fail(self, cls: type[HttpFailed] | type[HttpRejected], detail: str, **kw: Any) -> StepError:
        return cls(self.redact(f"{self.method} {_shown(self.url)}: {detail}"), **kw)


def _status_error(request: _Request, response: httpx.Response, body: bytes) -> StepError:
    status = response.status_code
    detail = f"HTTP {status} {response.reason_phrase}".rstrip()
    text = " ".join(_text(response, body).split())
    if text:
        more = "..." if len(text) > ERROR_EXCERPT else ""
        detail += f": {text[:ERROR_EXCERPT]}{more}"
    if status >= 500 or status in RETRYABLE_4XX:
        retry_after = _retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            detail += f" (Retry-After: {retry_after:g}s)"
        return request.fail(HttpFailed, detail, status=status, retry_after=retry_after)
    if 200 <= status < 400:
        detail += " (not an expected status)"
    return request.fail(HttpRejected, detail, status=status)


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the (decoded) body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _decode(response: httpx.Response, body: bytes, truncated: bool) -> Any:
    """Parsed JSON when the response says JSON and is complete; else text; None when empty."""
    if not body:
        return None
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not truncated and (media == "application/json" or media.endswith("+json")):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return _text(response, body)


def _text(response: httpx.Response, body: bytes) -> str:
    try:
        return body.decode(response.charset_encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", "replace")


def _headers(given: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in given.items():
        if not _TOKEN.match(name) or name.lower() in RESERVED_HEADERS:
            raise NonRetryableError(f"header {name!r} may not be set by a step")
        if value is None:
            continue
        text = _scalar_text(value, f"header '{name}'")
        if "\r" in text or "\n" in text:
            raise NonRetryableError(f"header '{name}' holds a line break")
        out[name] = text
    return out


def _query(given: Mapping[str, Any]) -> list[tuple[str, str | int | float | bool | None]]:
    params: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in given.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                params.append((name, _scalar_text(item, f"query '{name}'")))
    return params


def _scalar_text(value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise NonRetryableError(f"{what} gave {type(value).__name__}; expected text, a number or a boolean")


def _budget(deadline: float | None, now: float) -> float:
    """Seconds the call may take: what is left of the step timeout, a little less, so that this
    step's own timeout error (naming the call) comes before the worker's."""
    if deadline is None:
        return DEFAULT_TIMEOUT
    left = deadline - now
    return max(0.01, left - min(0.25, left * 0.05))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _shown(url: httpx.URL) -> str:
    """The URL as recorded: without userinfo, query or fragment (a redirect's query may carry a
    signature or a token)."""
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def _static_scheme(url: Value) -> str | None:
    """The URL's scheme when the definition fixes it (a template's leading text, or a constant)."""
    text = url.raw
    if not isinstance(text, str):
        return None
    if "${" not in text:  # CEL: a constant when it reads no variable
        if any(expr.variables for _, expr in url.expressions()):
            return None
        try:
            text = url.evaluate({})
        except OfficeflowError:
            return None
    match = _SCHEME.match(text) if isinstance(text, str) else None
    return match.group(1) if match else None


__all__ = ["Http", "HttpAuth", "HttpConfig", "HttpFailed", "HttpRejected"]

"""The gate every request passes (pure ASGI, before routing):

1. body size limit: ``Content-Length`` or the streamed body beyond ``max_body`` gets 413
   (``max_upload`` and 64 KiB for requests that carry files: ``POST /v1/files`` and the
   console's request forms); a page (not ``/v1``) gets the console's HTML error page;
   a JSON body nested deeper than 64 levels gets 422 (officeflow.safeyaml), after the checks
   of the caller below, before any route parses it;
2. who is calling: the bearer token or session cookie, resolved to a principal (or none);
   an unsafe request (POST, PUT, PATCH, DELETE) authenticated by the session cookie must carry
   the session's CSRF token (``X-CSRF-Token`` header or ``csrf_token`` form field), else 403
   (see officeflow.edge.csrf); callers with an ``Authorization`` header are not affected;
3. rate limits per key and per tenant: 429 with ``Retry-After``;
4. ``Idempotency-Key`` on POST: the same key and body replays the stored response
   (``Idempotent-Replayed: true``); the same key with another body is 422; while the first
   request with the key is still running, 409. The first answer is stored before it is sent, so
   a resend after it always replays it. Responses of 5xx are not stored (retry is allowed).
   Keys are forgotten ``IDEMPOTENCY_TTL`` (24 h) after the first request
   (officeflow.edge.idempotency).

The gate guards the console's pages too (the application is built in officeflow.asgi): the
pages it refuses are rendered by the callables it is given, so it needs no part of the console.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import anyio
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from officeflow import safeyaml
from officeflow.api import fastpath
from officeflow.api.outage import WhenBack
from officeflow.edge import csrf
from officeflow.edge.idempotency import IN_PROGRESS_LIMIT, IdempotencyKeys
from officeflow.edge.idempotency import TTL as IDEMPOTENCY_TTL
from officeflow.edge.problems import BASE, MEDIA_TYPE
from officeflow.edge.ratelimit import LocalBuckets, RateLimiter, Verdict, retry_after_header
from officeflow.errors import Problem, StoreUnavailable
from officeflow.office import Office
from officeflow.security.permissions import Principal
from officeflow.store.tx_security import SessionRow

__all__ = ["IDEMPOTENCY_KEY", "IDEMPOTENCY_TTL", "Gate"]
IDEMPOTENCY_KEY = r"^[!-~](?:[ -~]{0,253}[!-~])?$"
"""An Idempotency-Key: 1 to 255 visible ASCII characters (spaces inside)."""
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY)
MiB = 1024 * 1024
UPLOAD_OVERHEAD = 64 * 1024
"""What a request carrying a file may add to it (multipart boundaries and headers, form fields)."""
MAX_KEY = 255


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        office: Office,
        max_body: int,
        max_upload: int,
        limiter: RateLimiter | None,
        refused_page: Callable[[str], bytes] | None = None,
        error_page: Callable[[int, str, str], bytes] | None = None,
    ) -> None:
        self.app = app
        self.office = office
        self.accounts = office.accounts
        self.idempotency = IdempotencyKeys(office.store, office.now)
        self.max_body = max_body
        self.max_upload = max_upload
        self.limiter = limiter
        self.refused_page = refused_page
        """HTML for a page request refused by the CSRF check (else a problem document)."""
        self.when_back = WhenBack(give_up_after=IN_PROGRESS_LIMIT)
        """How requests with an Idempotency-Key ended, to record once the database is back."""
        self.error_page = error_page
        """HTML for another page request the gate refuses (code, title, detail)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        body = await self._body(scope, receive, send, headers, path)
        if body is None:
            return
        caller = await self._caller(scope, headers)
        if not await self._admitted(scope, send, headers, body, caller, path):
            return
        if _is_json(headers.get("content-type")):
            too_deep = safeyaml.json_problem(body)
            if too_deep is not None:
                await _refused_document(send, too_deep, path)
                return
        await self._dispatch(scope, receive, send, headers, body, caller.principal, path)

    async def _body(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], path: str
    ) -> bytes | None:
        """The request's body, read whole within its limit; None once the request is refused (or the
        client went away)."""
        limit = self.max_upload + UPLOAD_OVERHEAD if _takes_uploads(scope["method"], path) else self.max_body
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            await _problem(send, 400, "bad-request", "Bad request", "NUL characters are not allowed in the URL", path)
            return None
        length = headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _problem(send, 400, "bad-request", "Bad request", "Content-Length is not a number", path)
                return None
            if declared > limit:
                await self._too_large(send, limit, path)
                return None
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._too_large(send, limit, path)
                return None
        return body

    async def _caller(self, scope: Scope, headers: dict[str, str]) -> _Caller:
        """Who is calling (bearer token or session cookie), also left in the request's state."""
        state: dict[str, Any] = scope.setdefault("state", {})
        token, via_cookie = _token(headers)
        principal = None
        session = None
        if token and via_cookie:
            found = await anyio.to_thread.run_sync(self.accounts.session, token) if token.startswith("ofs_") else None
            if found is not None:
                session, principal = found
            state["token_refused"] = principal is None
        elif token:
            principal = self.accounts.cached_principal(token)
            if principal is None:
                principal = await anyio.to_thread.run_sync(self.accounts.principal, token)
            state["token_refused"] = principal is None
        state["principal"] = principal
        state["session"] = session
        return _Caller(principal, session, via_cookie)

    async def _admitted(
        self, scope: Scope, send: Send, headers: dict[str, str], body: bytes, caller: _Caller, path: str
    ) -> bool:
        """Whether a known caller passes the CSRF check and the rate limits (else it is answered)."""
        principal = caller.principal
        if principal is None:
            return True
        if csrf.needs_check(scope["method"], path, via_cookie=caller.via_cookie):
            presented = await csrf.presented(headers, body)
            if not csrf.matches(caller.session.csrf_token if caller.session is not None else None, presented):
                await self._csrf_refused(send, path)
                return False
        if self.limiter is None:
            return True
        verdict = await _rate_verdict(self.limiter, principal)
        if not verdict.allowed:
            await _problem(
                send,
                429,
                "rate-limited",
                "Too many requests",
                f"rate limit reached; retry in {retry_after_header(verdict.retry_after)} s",
                path,
                {"retry-after": retry_after_header(verdict.retry_after)},
            )
            return False
        return True

    async def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        body: bytes,
        principal: Principal | None,
        path: str,
    ) -> None:
        """Pass the admitted request on, its body given again to the route: through the idempotency
        keys (a POST with an Idempotency-Key), the events fast path, or the application."""
        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        key = headers.get("idempotency-key")
        if scope["method"] == "POST" and key is not None and principal is not None:
            await self._idempotent(scope, replay_receive, send, key, body, principal, path)
            return
        if (
            principal is not None
            and fastpath.applies(scope)
            and await fastpath.publish(self.office.events, scope, headers, body, principal, send)
        ):
            return
        await self.app(scope, replay_receive, send)

    async def _csrf_refused(self, send: Send, path: str) -> None:
        if self.refused_page is not None and not csrf.is_api_path(path):
            await _html(send, 403, self.refused_page(path))
            return
        await _problem(
            send,
            403,
            "csrf",
            "CSRF token missing or wrong",
            "a POST, PUT, PATCH or DELETE authenticated by the session cookie must carry the session's "
            "CSRF token in the X-CSRF-Token header (the csrf_token from POST /v1/auth/login), or authenticate "
            "with an Authorization header",
            path,
        )

    async def _too_large(self, send: Send, limit: int, path: str) -> None:
        if self.error_page is not None and not csrf.is_api_path(path):
            detail = (
                f"What you sent is {_size(limit)} or more, over the limit of {_size(limit - UPLOAD_OVERHEAD)} "
                "for files. Nothing was saved: go back and attach a smaller file."
                if limit > self.max_body
                else f"What you sent is over the limit of {_size(limit)}. Nothing was saved: go back and shorten it."
            )
            await _html(send, 413, self.error_page(413, "Too large", detail))
            return
        await _problem(
            send,
            413,
            "payload-too-large",
            "Payload too large",
            f"the request body is larger than the limit of {limit} bytes",
            path,
        )

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, key: str, body: bytes, principal: Principal, path: str
    ) -> None:
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            await _problem(
                send,
                400,
                "bad-idempotency-key",
                "Bad Idempotency-Key",
                f"an Idempotency-Key is 1 to {MAX_KEY} visible ASCII characters (spaces inside)",
                path,
            )
            return
        query = scope.get("query_string", b"")
        digest = hashlib.sha256(b"\n".join([scope["method"].encode(), path.encode(), query, body])).hexdigest()
        keys = self.idempotency
        existing = await anyio.to_thread.run_sync(
            lambda: keys.claim(principal.tenant, principal.id, key, scope["method"], path, digest)
        )
        if existing is not None:
            status, response = existing.status, existing.response
            if existing.request_hash != digest:
                await _problem(
                    send,
                    422,
                    "idempotency-key-reused",
                    "Idempotency-Key reused",
                    "this Idempotency-Key was used for a different request (method, path or body)",
                    path,
                )
                return
            if status is None:
                await _problem(
                    send,
                    409,
                    "idempotency-in-progress",
                    "Request in progress",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    path,
                    {"retry-after": "1"},
                )
                return
            saved = orjson.loads(response or "{}")
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in saved.get("headers", [])]
            headers.append((b"idempotent-replayed", b"true"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": saved.get("body", "").encode("latin-1")})
            return
        # The answer is held back until it is stored: a client that resends the moment it has the
        # answer must find it stored (a replay), not the key still in progress (409).
        held: list[Message] = []
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.lower() in (b"content-type", b"location")
                ]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            held.append(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            status = int(captured["status"])
            if status >= 500:

                def record() -> None:
                    keys.release(principal.tenant, principal.id, key)

            else:
                saved = orjson.dumps(
                    {"headers": captured["headers"], "body": bytes(captured["body"]).decode("latin-1")}
                ).decode()

                def record() -> None:
                    keys.complete(principal.tenant, principal.id, key, status, saved)

            try:
                await anyio.to_thread.run_sync(record)
            except StoreUnavailable:
                # The client gets 503; the outcome is recorded once the database is back, and a
                # retry with the key meanwhile gets 409 with Retry-After.
                self.when_back.add(record)
                raise
        for message in held:
            await send(message)


class _Caller(NamedTuple):
    principal: Principal | None
    session: SessionRow | None
    via_cookie: bool
    """Whether the token came from the session cookie (not a header)."""


async def _rate_verdict(limiter: RateLimiter, principal: Principal) -> Verdict:
    """The rate limits' verdict on the caller; the shared buckets are asked (in a thread) only once
    the local share is spent."""
    if isinstance(limiter.buckets, LocalBuckets):
        return limiter.check(principal.tenant, principal.id)
    if limiter.check_local(principal.tenant, principal.id):
        return Verdict(True)
    return await anyio.to_thread.run_sync(limiter.check, principal.tenant, principal.id)


def _token(headers: dict[str, str]) -> tuple[str | None, bool]:
    """The caller's token, and whether it came from the session cookie (not a header)."""
    value = headers.get("authorization")
    if value:
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip(), False
    cookie = headers.get("cookie", "")
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == csrf.SESSION_COOKIE and value:
            return value, True
    return None, False


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads the body as JSON (no content type, or application/json or +json)."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _refused_document(send: Send, problem: Problem, path: str) -> None:
    error: dict[str, Any] = {"pointer": problem.pointer or "/", "in": "body", "detail": problem.message}
    if problem.line:
        error.update(line=problem.line, column=problem.column)
    if problem.expected:
        error["expected"] = problem.expected
    body = orjson.dumps(
        {
            "type": BASE + "validation",
            "title": "The request is not valid",
            "status": 422,
            "detail": f"the JSON body is {problem.message}",
            "instance": path,
            "errors": [error],
        }
    )
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _takes_uploads(method: str, path: str) -> bool:
    """Requests that carry files: ``POST /v1/files`` and the console's request forms."""
    return path == "/v1/files" or (method == "POST" and path.startswith("/start/"))


def _size(count: int) -> str:
    return f"{count / MiB:.0f} MiB" if count >= MiB else f"{count / 1024:.0f} KiB"


async def _html(send: Send, status: int, page: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(page)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": page})


async def _problem(
    send: Send, status: int, slug: str, title: str, detail: str, path: str, extra_headers: dict[str, str] | None = None
) -> None:
    body = orjson.dumps({"type": BASE + slug, "title": title, "status": status, "detail": detail, "instance": path})
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    for name, value in (extra_headers or {}).items():
        headers.append((name.encode(), value.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

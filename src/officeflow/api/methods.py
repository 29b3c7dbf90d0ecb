"""405 Method Not Allowed with an ``Allow`` header that lists every method the URL takes.

Starlette answers a method no route of the path takes with the methods of the *first* route
that matched the path only (``GET /v1/runs`` and ``POST /v1/runs`` are two routes), so ``Allow``
told half the truth. This handler asks every route of the application (RFC 9110: ``Allow`` lists
the methods the target resource supports; ``HEAD`` goes with ``GET``).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from officeflow.api.problems import problem_response

ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the application takes at this request's path."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        match, _ = route.matches({**scope, "method": next(iter(route_methods))})
        if match == Match.FULL:
            methods |= set(route_methods)
    return sorted(methods, key=lambda m: ORDER.index(m) if m in ORDER else len(ORDER))


def method_not_allowed(request: Request, exc: Exception) -> Response:
    allow = allowed_methods(request)
    detail = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
    headers = {"Allow": ", ".join(allow)}
    if isinstance(exc, HTTPException) and exc.headers:
        headers = {**exc.headers, **headers}
    return problem_response(
        405, "method-not-allowed", "Method not allowed", detail, instance=request.url.path, headers=headers
    )

"""Problem pages: errors on page routes answer as friendly HTML (never a traceback); API routes
keep their problem documents. One wrapper around each of the app's exception handlers decides by
the path."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from officeflow.edge.csrf import is_api_path
from officeflow.edge.problems import ApiProblem
from officeflow.errors import MigrationRefused, NotFound, OfficeflowError, StoreUnavailable
from officeflow.web.session import LoginRequired, login_url

if TYPE_CHECKING:
    from officeflow.web.app import Console

log = structlog.get_logger("officeflow.web")

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "You do not have access to this",
    404: "Not found",
    405: "Not allowed here",
    409: "That cannot be done now",
    413: "Too large",
    422: "Please check the form",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Please try again in a moment",
}
DETAILS = {
    404: "The page or object you asked for does not exist, or is not visible to you.",
    405: "This address does not take that kind of request.",
    500: "The request failed on the server. It has been logged; please try again or tell your administrator.",
    503: "The database is not answering right now (it may be restarting). Please try again in a moment; "
    "if you sent a form, check whether it went through before sending it again.",
}


class PageError(Exception):
    """Raise in a page route to answer with a problem page."""

    def __init__(self, status: int, detail: str | None = None, *, title: str | None = None) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail or DETAILS.get(status, "")


def describe(exc: BaseException) -> tuple[int, str, str, list[str]]:
    """(status, title, detail, items) for a page about ``exc``."""
    if isinstance(exc, PageError):
        return exc.status, exc.title, exc.detail, []
    if isinstance(exc, ApiProblem):
        return exc.status, TITLES.get(exc.status, exc.title), exc.detail, []
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        detail = DETAILS.get(status) or (exc.detail if isinstance(exc.detail, str) else "")
        return status, TITLES.get(status, "Error"), detail, []
    if isinstance(exc, RequestValidationError):
        items = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "form"
            items.append(f"{where}: {err.get('msg', 'invalid')}")
        return 422, TITLES[422], "Some fields are missing or not valid.", items
    if isinstance(exc, StoreUnavailable):
        return 503, TITLES[503], DETAILS[503], []
    if isinstance(exc, NotFound):
        return 404, TITLES[404], exc.message, []
    if isinstance(exc, OfficeflowError):
        kind = type(exc)  # its class says how it answers (officeflow.errors)
        if kind.http_status >= 500 or kind.http_status == 400:
            return 400, TITLES[400], exc.message, []
        items = list(exc.reasons) if isinstance(exc, MigrationRefused) else []
        return kind.http_status, kind.problem.title, exc.summary, items
    return 500, TITLES[500], DETAILS[500], []


def install(app: FastAPI, console: Console) -> None:
    """Route errors of page requests to problem pages; API requests keep their handlers."""

    def either(api_handler: Callable[..., Any]) -> Callable[[Request, Exception], Any]:
        async def handle(request: Request, exc: Exception) -> Response:
            if is_api_path(request.url.path):
                result = api_handler(request, exc)
                if inspect.isawaitable(result):
                    result = await result
                response: Response = result
                return response
            return problem(request, exc)

        return handle

    def problem(request: Request, exc: Exception) -> Response:
        status, title, detail, items = describe(exc)
        if isinstance(exc, StoreUnavailable):  # the store has logged the outage
            response = console.problem_page(request, status, title, detail, items)
            response.headers["Retry-After"] = str(StoreUnavailable.RETRY_AFTER)
            return response
        if status >= 500:
            log.exception("page failed", path=request.url.path, method=request.method, exc_info=exc)
        return console.problem_page(request, status, title, detail, items)

    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = either(handler)
    for cls in (PageError, RequestValidationError, StarletteHTTPException, Exception):
        app.exception_handlers.setdefault(cls, either(problem))

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_url(exc.next_url, expired=exc.expired), status_code=303)

    app.exception_handlers[LoginRequired] = login_required

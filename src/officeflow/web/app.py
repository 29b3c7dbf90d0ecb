"""The console in the application officeflow.asgi builds: ``install(app, office, settings)`` adds
the page routes, the two static files and the problem pages, and returns the :class:`Console`
the routes render through and read the office from (officeflow.web.context)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from officeflow.office import Office
from officeflow.settings import Settings
from officeflow.web import (
    audit,
    dead_letters,
    decision_tables,
    definitions,
    errors,
    inbox,
    label_sets,
    login,
    models,
    requests,
    run_actions,
    run_page,
    runs,
    static,
)
from officeflow.web.context import console_of
from officeflow.web.nav import NAV, NavItem
from officeflow.web.render import Renderer
from officeflow.web.session import Viewer, current_viewer, viewer

PAGE_MODULES = (
    login,
    inbox,
    requests,
    runs,
    run_page,
    run_actions,
    definitions,
    decision_tables,
    models,
    label_sets,
    dead_letters,
    audit,
    static,
)
"""Each has a ``router``; a new page module is added here (and its nav entry in nav.NAV)."""

root = APIRouter(include_in_schema=False)


@root.get("/")
def home(request: Request) -> Response:
    """The first console page the viewer may use (the inbox once it exists, else runs)."""
    who = viewer(request)
    for item in console_of(request).nav_for(who, section=""):
        return RedirectResponse(item["href"], status_code=303)
    return RedirectResponse("/runs", status_code=303)


class Console:
    def __init__(self, app: FastAPI, office: Office, settings: Settings) -> None:
        self.app = app
        self.office = office
        self.settings = settings
        self.renderer = Renderer()
        self._served: set[str] | None = None

    def served(self) -> set[str]:
        """Paths the app answers with GET (known once every router is in)."""
        if self._served is None:
            self._served = {
                r.path for r in self.app.router.routes if isinstance(r, Route) and "GET" in (r.methods or ())
            }
        return self._served

    def nav_for(self, who: Viewer | None, section: str) -> list[dict[str, Any]]:
        if who is None:
            return []
        served = self.served()
        return [
            {"label": item.label, "href": item.href, "current": item.section == section}
            for item in NAV
            if item.href in served and _may(who, item)
        ]

    def page(
        self,
        request: Request,
        template: str,
        *,
        who: Viewer | None,
        section: str = "",
        status: int = 200,
        **context: Any,
    ) -> Response:
        context.update(
            request=request,
            viewer=who,
            nav=self.nav_for(who, section),
            csrf_token=who.csrf_token if who else "",
            section=section,
        )
        return self.renderer.page(template, context, status=status)

    def problem_page(self, request: Request, status: int, title: str, detail: str, items: list[str]) -> Response:
        who = current_viewer(request)
        return self.page(
            request, "error.html", who=who, status=status, code=status, title=title, detail=detail, items=items
        )

    def refused_page(self, path: str) -> bytes:
        """The page for a form that failed the CSRF check (rendered by the request gate)."""
        return self.error_page(
            403,
            "This form has expired",
            "The form did not carry this session's security token, so nothing was changed. "
            "Go back, reload the page and try again.",
        )

    def error_page(self, code: int, title: str, detail: str) -> bytes:
        """An error page for a request the gate refuses before any route (no viewer, no menu)."""
        return self.renderer.html(
            "error.html",
            {
                "request": None,
                "viewer": None,
                "nav": [],
                "csrf_token": "",
                "section": "",
                "code": code,
                "title": title,
                "detail": detail,
                "items": [],
            },
        ).encode()


def _may(who: Viewer, item: NavItem) -> bool:
    try:
        return who.can_any(item.permission)
    except (KeyError, ValueError):
        return False


def install(app: FastAPI, office: Office, settings: Settings) -> Console:
    console = Console(app, office, settings)
    app.state.console = console
    for module in (*PAGE_MODULES,):
        app.router.routes.extend(module.router.routes)
    app.router.routes.extend(root.routes)
    errors.install(app, console)
    return console

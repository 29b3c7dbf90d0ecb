"""What a route reads from the application: the office it serves and the settings."""

from __future__ import annotations

from fastapi import Request

from officeflow.office import Office
from officeflow.settings import Settings


def office(request: Request) -> Office:
    """The office the application serves (officeflow.asgi puts it in ``app.state``)."""
    found: Office = request.app.state.office
    return found


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found

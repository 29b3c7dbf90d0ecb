"""What a page reads from the application: the console (its renderer and navigation) and the
office it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from officeflow.office import Office

if TYPE_CHECKING:
    from officeflow.web.app import Console


def console_of(request: Request) -> Console:
    """The console ``officeflow.web.app.install`` put in ``app.state``."""
    found: Console = request.app.state.console
    return found


def office_of(request: Request) -> Office:
    """The office the console shows."""
    return console_of(request).office

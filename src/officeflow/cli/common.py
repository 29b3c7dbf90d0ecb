"""What every command shares: settings, the office (built on first use), output and input helpers."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from officeflow import safeyaml
from officeflow.appimport import import_app
from officeflow.clock import iso
from officeflow.engine import Engine
from officeflow.office import Office
from officeflow.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._office: Office | None = None

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    @property
    def actor(self) -> str:
        return self.settings.actor or f"cli:{_user()}"

    def modules(self) -> list[object]:
        return [import_app(name) for name in self.settings.apps]

    def office(self, *, check_schema: bool = True) -> Office:
        """The office the settings name (built on first use, closed when the command ends)."""
        if self._office is None:
            self._office = Office.from_settings(self.settings, check_schema=check_schema)
        return self._office

    def engine(self, *, check_schema: bool = True) -> Engine:
        return self.office(check_schema=check_schema).engine

    def close(self) -> None:
        if self._office is not None:
            self._office.close()
            self._office = None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


pass_ctx = click.make_pass_decorator(Context)


def option(*names: str, env: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option whose value falls back to the environment variable ``OFFICEFLOW_<env>``."""
    kwargs.setdefault("show_envvar", True)
    return click.option(*names, envvar=f"OFFICEFLOW_{env}", **kwargs)


def format_option() -> Callable[[F], F]:
    return option(
        "--format",
        "fmt",
        env="FORMAT",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="table for people, json for scripts",
    )


def parse_json(text: str | None, what: str) -> Any:
    """JSON from the text itself, from ``@file``, or from standard input with ``-``."""
    if text is None:
        return None
    source = what
    if text == "-":
        text = sys.stdin.read()
        source = f"{what} (standard input)"
    elif text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot read {path}: {exc.strerror}") from None
        source = f"{what} ({path})"
    try:
        return safeyaml.load_json(text, source)
    except safeyaml.DocumentRefused as exc:
        raise click.BadParameter(exc.reason()) from None


def emit_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode())


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    out.print(t)


def when(ts: float | None) -> str:
    return (iso(ts) or "").replace("T", " ").replace("Z", "")

"""What every command shares: settings, the engine (opened on first use), output and input helpers."""

from __future__ import annotations

import getpass
import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from officeflow import safeyaml
from officeflow.clock import iso
from officeflow.engine import Engine
from officeflow.errors import ConfigurationError
from officeflow.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    @property
    def actor(self) -> str:
        return self.settings.actor or f"cli:{_user()}"

    def modules(self) -> list[object]:
        return [import_app(name) for name in self.settings.apps]

    def engine(self, *, check_schema: bool = True) -> Engine:
        if self._engine is None:
            from officeflow.store import open_store

            store = open_store(
                self.settings.database_url,
                pool_size=self.settings.pool_size,
                sqlite_synchronous=self.settings.sqlite_synchronous,
            )
            try:
                self._engine = Engine(
                    store,
                    handlers=self.modules(),
                    check_schema=check_schema,
                    secret_key=self.settings.secret_key.get_secret_value() if self.settings.secret_key else None,
                    retired_keys=(
                        self.settings.secret_keys_retired.get_secret_value()
                        if self.settings.secret_keys_retired
                        else None
                    ),
                    http_allow=self.settings.http_allowlist,
                )
            except BaseException:
                store.close()
                raise
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def import_app(name: str) -> object:
    """Import ``package.module`` or a ``path/to/file.py``."""
    try:
        if name.endswith(".py") or "/" in name:
            path = Path(name).resolve()
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"not a Python file: {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
            return module
        if "" not in sys.path:
            sys.path.insert(0, "")
        return importlib.import_module(name)
    except Exception as exc:
        raise ConfigurationError(f"cannot import app {name!r}: {type(exc).__name__}: {exc}") from None


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

"""The ``officeflow`` command."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.markup import escape

from officeflow.cli.admin import api_keys, keys, secrets, users
from officeflow.cli.audit import audit
from officeflow.cli.common import Context, err, option, out, pass_ctx
from officeflow.cli.definitions import definitions
from officeflow.cli.documents import documents
from officeflow.cli.events import event_types, events, triggers
from officeflow.cli.ingest import ingest
from officeflow.cli.llm import llm
from officeflow.cli.models import models
from officeflow.cli.rules import rules
from officeflow.cli.runs import dead_letters, runs, start
from officeflow.cli.serve import serve
from officeflow.cli.worker import worker
from officeflow.errors import ConfigurationError, OfficeflowError
from officeflow.settings import load_settings


class Main(click.Group):
    """Turns officeflow errors into one clear message and an exit code (each error class says
    which: ``exit_code`` in officeflow.errors), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OfficeflowError as exc:
            err.print(f"[red]error[/]: {escape(exc.message)}", markup=True)
            sys.exit(type(exc).exit_code)
        except TimeoutError as exc:
            err.print(f"[red]error[/]: {escape(str(exc))}")
            sys.exit(8)
        finally:
            obj = ctx.find_object(Context)
            if obj is not None:
                obj.close()


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@option(
    "--database-url",
    "database_url",
    env="DATABASE_URL",
    help="sqlite:///file.db or postgresql://… [default: sqlite:///officeflow.db]",
)
@option("--app", "app", env="APP", help="modules with your @handler functions, comma-separated")
@option("--tenant", "tenant", env="TENANT", help="tenant to act in [default: default]")
@option("--actor", "actor", env="ACTOR", help="who you act as, recorded in history [default: cli:<user>]")
@option(
    "--log-level",
    "log_level",
    env="LOG_LEVEL",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="[default: info]",
)
@option(
    "--log-format", "log_format", env="LOG_FORMAT", type=click.Choice(["console", "json"]), help="[default: console]"
)
@click.version_option(package_name="officeflow")
@click.pass_context
def main(ctx: click.Context, /, **options: Any) -> None:
    """officeflow: durable, audited, AI-assisted office workflows."""
    from officeflow.logs import configure

    try:
        settings = load_settings(**options)
    except ConfigurationError as exc:
        err.print(f"[red]error[/]: {escape(exc.message)}")
        sys.exit(ConfigurationError.exit_code)
    configure(settings.log_level, settings.log_format)
    ctx.obj = Context(settings)


@main.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the database schema, or bring it up to date (safe to run again)."""
    from rich.progress import Progress

    from officeflow.store import migrate, open_store
    from officeflow.store.migrate import redact

    store = open_store(ctx.settings.database_url)
    try:
        with Progress(console=out, transient=True) as progress:
            progress.add_task("migrating", total=None)
            before = migrate.current_revision(store)
            migrate.upgrade(store)
        head = migrate.head_revision()
        if before == head:
            out.print(f"{redact(store.url)}: schema up to date (revision {head})")
        else:
            out.print(f"{redact(store.url)}: schema at revision {head} (was {before or 'empty'})")
    finally:
        store.close()


main.add_command(definitions)
main.add_command(start)
main.add_command(runs)
main.add_command(worker)
main.add_command(dead_letters)
main.add_command(rules)
main.add_command(documents)
main.add_command(models)
main.add_command(llm)
for command in (serve, ingest, users, api_keys, keys, secrets, audit, events, event_types, triggers):
    main.add_command(command)

__all__ = ["main"]

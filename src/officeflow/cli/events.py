"""``officeflow events``, ``event-types`` and ``triggers``: ingestion from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import Progress

from officeflow.cli.common import Context, emit_json, format_option, option, out, parse_json, pass_ctx, table, when
from officeflow.errors import ConfigurationError
from officeflow.ingest.publish import Publication
from officeflow.safeyaml import load_yaml


def _time(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z)") from None


@click.group()
def events() -> None:
    """Stored events: publish, list, replay, and the rejected ones."""


@events.command("publish")
@click.argument("event_type")
@option("--data", "data", env="DATA", required=True, help="JSON, @file or -")
@option("--event-id", "event_id", env="EVENT_ID", help="a repeat with the same id starts nothing new")
@pass_ctx
def publish(ctx: Context, event_type: str, data: str, event_id: str | None) -> None:
    """Publish one event (checked against its type's schema; its triggers start their runs)."""
    item = Publication(
        tenant=ctx.tenant,
        type=event_type,
        data=parse_json(data, "--data"),
        event_id=event_id,
        source="cli",
        actor=ctx.actor,
    )
    result = ctx.office().events.publish(item)
    state = "duplicate of an earlier delivery" if result.duplicate else "accepted"
    out.print(f"event {result.event_id} {state}; runs: {', '.join(s.run_id for s in result.runs) or 'none'}")
    for failure in result.failures:
        out.print(f"[red]trigger {failure.trigger}[/]: {escape(failure.message)}")


@events.command("list")
@option("--type", "event_type", env="EVENT_TYPE", help="only events of this type")
@option("--since", "since", env="SINCE", callback=_time, help="received at or after this ISO time")
@option("--until", "until", env="UNTIL", callback=_time, help="received before this ISO time")
@option(
    "--before",
    "before",
    env="BEFORE",
    type=click.IntRange(1),
    help="only events stored before this sequence number (the next page: the last seq shown)",
)
@option("--limit", "limit", env="LIMIT", type=click.IntRange(1, 10_000), default=50, show_default=True)
@format_option()
@pass_ctx
def list_events(
    ctx: Context,
    event_type: str | None,
    since: float | None,
    until: float | None,
    before: int | None,
    limit: int,
    fmt: str,
) -> None:
    """Stored events, newest first (with --format json, each with its data)."""
    rows = ctx.office().events.events(
        ctx.tenant, type=event_type, since=since, until=until, before_seq=before, limit=limit
    )
    if fmt == "json":
        emit_json(
            [
                {
                    "seq": r.seq,
                    "id": r.id,
                    "type": r.type,
                    "version": r.version,
                    "source": r.source,
                    "subject": r.subject,
                    "data": r.payload,
                    "meta": r.meta,
                    "received_at": r.received_at,
                }
                for r in rows
            ]
        )
        return
    table(
        None,
        ["seq", "received", "id", "type", "source", "subject"],
        [(r.seq, when(r.received_at), r.id, f"{r.type} v{r.version}", r.source, r.subject) for r in rows],
    )


@events.command("replay")
@option("--type", "event_type", env="EVENT_TYPE", required=True, help="the event type to replay")
@option("--since", "since", env="SINCE", callback=_time, help="ISO time, inclusive")
@option("--until", "until", env="UNTIL", callback=_time, help="ISO time, exclusive")
@option("--trigger", "triggers", env="TRIGGER", multiple=True, help="only these triggers (repeatable)")
@pass_ctx
def replay(ctx: Context, event_type: str, since: float | None, until: float | None, triggers: tuple[str, ...]) -> None:
    """Deliver stored events to their triggers again; runs that exist already are not started twice."""
    office = ctx.office()
    with Progress(console=out) as progress:
        task = progress.add_task(f"replaying {event_type}", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count, started = office.events.replay(
            ctx.tenant, event_type, since=since, until=until, triggers=triggers or None, actor=ctx.actor, progress=step
        )
    out.print(f"replayed {count} event(s); started {started} new run(s)")


@events.command("rejects")
@option("--type", "event_type", env="EVENT_TYPE")
@option("--limit", "limit", env="LIMIT", type=click.IntRange(1, 10_000), default=50, show_default=True)
@format_option()
@pass_ctx
def rejects(ctx: Context, event_type: str | None, limit: int, fmt: str) -> None:
    """Refused events (schema errors, unknown types, failing triggers), newest first."""
    rows = ctx.office().events.rejects(ctx.tenant, type=event_type, limit=limit)
    if fmt == "json":
        emit_json(
            [
                {
                    "id": r.id,
                    "type": r.type,
                    "source": r.source,
                    "reason": r.reason,
                    "payload": r.payload,
                    "received_at": r.received_at,
                }
                for r in rows
            ]
        )
        return
    table(
        None,
        ["received", "type", "source", "reason"],
        [
            (when(r.received_at), r.type, r.source, str(r.reason.get("message") or r.reason.get("problems")))[:4]
            for r in rows
        ],
    )


@click.group("event-types")
def event_types() -> None:
    """Event types and their versioned schemas."""


@event_types.command("register")
@click.argument("name")
@option("--schema", "schema", env="SCHEMA", required=True, help="JSON Schema: JSON, @file.json or -")
@option("--description", "description", env="DESCRIPTION")
@option(
    "--signature-secret",
    "signature_secret",
    env="SIGNATURE_SECRET",
    help="name of a stored secret: events must then be signed (Standard Webhooks)",
)
@pass_ctx
def register(ctx: Context, name: str, schema: str, description: str | None, signature_secret: str | None) -> None:
    """Register a type, or its next version (refused when it would break existing producers)."""
    row = ctx.office().events.register_type(
        ctx.tenant,
        name,
        parse_json(schema, "--schema"),
        description=description,
        signature_secret=signature_secret,
        actor=ctx.actor,
    )
    out.print(f"event type {row.name} version {row.version}")


@event_types.command("list")
@format_option()
@pass_ctx
def list_types(ctx: Context, fmt: str) -> None:
    rows = ctx.office().events.event_types(ctx.tenant)
    if fmt == "json":
        emit_json([{"name": r.name, "version": r.version, "schema": r.schema} for r in rows])
        return
    table(
        None,
        ["type", "version", "signed", "registered"],
        [(r.name, r.version, r.signature_secret is not None, when(r.created_at)) for r in rows],
    )


@click.group()
def triggers() -> None:
    """Triggers: which events start which workflows."""


@triggers.command("apply")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def apply(ctx: Context, path: Path) -> None:
    """Create or replace the triggers listed in a YAML file (a list of trigger mappings)."""
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise ConfigurationError(f"{path}: expected a list of trigger mappings (name, event_type, workflow, ...)")
    office = ctx.office()
    for item in items:
        row = office.events.save_trigger(ctx.tenant, item, actor=ctx.actor)
        out.print(f"trigger {row.name}: {row.event_type} → {row.workflow}")


@triggers.command("list")
@pass_ctx
def list_triggers(ctx: Context) -> None:
    rows = ctx.office().events.triggers(ctx.tenant)
    table(
        None,
        ["trigger", "event type", "workflow", "filter", "enabled"],
        [(t.name, t.event_type, t.workflow, t.filter or "", t.enabled) for t in rows],
    )

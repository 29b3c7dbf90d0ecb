"""``officeflow audit``: verify and export the tamper-evident audit log."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.markup import escape

from officeflow.cli.common import Context, emit_json, format_option, option, out, pass_ctx


@click.group()
def audit() -> None:
    """The tamper-evident audit log (one hash chain per tenant)."""


@audit.command("verify")
@format_option()
@pass_ctx
def verify(ctx: Context, fmt: str) -> None:
    """Seal new entries and walk the chain; exits 1 and names the first altered, inserted or
    deleted entry when the log was tampered with."""
    report = ctx.engine().audit.verify(ctx.tenant)
    if fmt == "json":
        finding = report.finding
        emit_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "head_seq": report.head_seq,
                "unsealed": report.unsealed,
                "finding": None
                if finding is None
                else {
                    "kind": finding.kind,
                    "seq": finding.seq,
                    "entry_id": finding.entry_id,
                    "detail": finding.message,
                },
            }
        )
    elif report.ok:
        out.print(
            f"audit log of tenant '{ctx.tenant}': {report.entries} entries, chain intact (head {report.head_seq})"
        )
    else:
        assert report.finding is not None
        out.print(f"[red]audit log of tenant '{ctx.tenant}' was tampered with[/]: {escape(report.finding.message)}")
    if not report.ok:
        sys.exit(1)


@audit.command("export")
@option(
    "--output",
    "output",
    env="OUTPUT",
    type=click.Path(dir_okay=False, path_type=Path),
    help="file to write (default: standard output)",
)
@pass_ctx
def export(ctx: Context, output: Path | None) -> None:
    """Write every entry as JSON lines, in chain order, then the chain head."""
    stream = output.open("wb") if output else sys.stdout.buffer
    count = 0
    try:
        for line in ctx.engine().audit.export(ctx.tenant):
            stream.write(orjson.dumps(line) + b"\n")
            count += 1
    finally:
        if output:
            stream.close()
    if output:
        out.print(f"wrote {count - 1} entries and the chain head to {output}")

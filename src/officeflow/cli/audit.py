"""``officeflow audit``: verify and export the tamper-evident audit log, and print its head."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.markup import escape

from officeflow.cli.common import Context, emit_json, format_option, option, out, pass_ctx
from officeflow.security.audit import RecordedHead


@click.group()
def audit() -> None:
    """The tamper-evident audit log (one hash chain per tenant)."""


@audit.command("verify")
@option(
    "--head",
    "head_file",
    env="HEAD",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a head written down earlier (`officeflow audit head`, or an export): the chain must still hold it",
)
@format_option()
@pass_ctx
def verify(ctx: Context, head_file: Path | None, fmt: str) -> None:
    """Seal new entries and walk the chain; exits 1 and names every altered, copied, moved,
    inserted or deleted entry when the log was tampered with. A log deleted or replaced as a
    whole (head and all) is found only against a head written down before (--head)."""
    recorded = None
    if head_file is not None:
        try:
            recorded = RecordedHead.parse(head_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"{head_file}: {exc}", param_hint="--head") from None
    report = ctx.office().audit.verify(ctx.tenant, recorded)
    findings = [{"kind": f.kind, "seq": f.seq, "entry_id": f.entry_id, "detail": f.message} for f in report.findings]
    if fmt == "json":
        emit_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "head_seq": report.head_seq,
                "unsealed": report.unsealed,
                "finding": findings[0] if findings else None,
                "findings": findings,
            }
        )
    elif report.ok:
        against = f", holds the head recorded at entry {recorded.seq}" if recorded else ""
        out.print(
            f"audit log of tenant '{ctx.tenant}': {report.entries} entries, chain intact "
            f"(head {report.head_seq}){against}"
        )
    else:
        out.print(f"[red]audit log of tenant '{ctx.tenant}' was tampered with[/]: {len(findings)} problem(s)")
        for finding in report.findings:
            out.print(f"  {finding.kind}: {escape(finding.message)}")
    if not report.ok:
        sys.exit(1)


@audit.command("head")
@pass_ctx
def head(ctx: Context) -> None:
    """Print the chain head (after sealing what waits) as JSON: keep it outside the database
    (another system, a ticket, paper) and check it later with `audit verify --head`."""
    emit_json({"head": ctx.office().audit.head(ctx.tenant)})


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
        for line in ctx.office().audit.export(ctx.tenant):
            stream.write(orjson.dumps(line) + b"\n")
            count += 1
    finally:
        if output:
            stream.close()
    if output:
        out.print(f"wrote {count - 1} entries and the chain head to {output}")

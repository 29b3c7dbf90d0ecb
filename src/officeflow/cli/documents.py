"""``officeflow documents``: read receipts and invoices, teach a per-vendor memory file, and
list or forget what the tenant's vendor memory in the database learned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from officeflow.cli.common import Context, emit_json, option, out, parse_json, pass_ctx, table, when
from officeflow.clock import iso


@click.group()
def documents() -> None:
    """Receipts and invoices: PDF, PNG, JPEG, TIFF, Factur-X/ZUGFeRD, UBL and CII."""


def _memory(path: Path | None) -> Any:
    from officeflow.documents import VendorMemory

    if path is None or not path.exists():
        return VendorMemory() if path is not None else None
    try:
        return VendorMemory.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"{path} is not a vendor memory: {exc}", param_hint="--memory") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint="FILE") from None


kind_option = option(
    "--kind",
    "kind",
    env="DOCUMENTS_KIND",
    type=click.Choice(["auto", "receipt", "invoice"]),
    default="auto",
    show_default=True,
    help="what the document is; auto guesses from its words and shape",
)
engine_option = option(
    "--engine",
    "engine",
    env="DOCUMENTS_ENGINE",
    type=click.Choice(["auto", "tesseract", "rapidocr"]),
    default="auto",
    show_default=True,
    help="OCR engine for scans and photos; auto picks per page by the reading's quality",
)
memory_option = option(
    "--memory",
    "memory_path",
    env="DOCUMENTS_MEMORY",
    type=click.Path(dir_okay=False, path_type=Path),
    help="a vendor memory JSON file (see `documents learn`)",
)


@documents.command("extract")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@kind_option
@engine_option
@memory_option
@option("--json", "as_json", env="DOCUMENTS_JSON", is_flag=True, help="print the extraction as one JSON object")
@option(
    "--words",
    "words",
    env="DOCUMENTS_WORDS",
    is_flag=True,
    help="with --json: each page's words with boxes and confidences",
)
def extract_command(file: Path, kind: str, engine: str, memory_path: Path | None, as_json: bool, words: bool) -> None:
    """Read FILE in a resource-limited process and print its fields, line items and checks.

    Exits 1 with the reason when the file is refused (hostile, beyond a limit) or unreadable."""
    from officeflow.documents import extract, to_dict

    extraction = extract(_read(file), filename=file.name, kind=kind, engine=engine, vendor_memory=_memory(memory_path))
    if as_json:
        data = to_dict(extraction)
        if words:
            data["pages"] = extraction.as_dict(words=True)["pages"]
        emit_json(data)
        return
    out.print(
        f"{escape(file.name)}: {extraction.kind}, read as {extraction.source}, "
        f"{len(extraction.pages)} page(s), locale {extraction.locale or '-'}"
    )
    rows = []
    for name, found in extraction.fields.items():
        rows.append(
            (
                name,
                "" if found is None else found.value,
                "" if found is None else f"{found.confidence:.2f}",
                "" if found is None else found.evidence.rule,
            )
        )
    table(None, ["field", "value", "confidence", "rule"], rows)
    if extraction.line_items:
        table(
            f"line items (confidence {extraction.line_items_confidence:.2f})",
            ["description", "quantity", "unit price", "amount"],
            [(i.description, i.quantity, i.unit_price, i.amount) for i in extraction.line_items],
        )
    for check in extraction.checks:
        mark = "[green]pass[/]" if check.passed else "[red]fail[/]"
        out.print(f"{mark} {check.name}: {escape(check.reason)}")


@documents.command("learn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option(
    "--corrections",
    "corrections",
    env="DOCUMENTS_CORRECTIONS",
    required=True,
    help='the right values as JSON, e.g. \'{"invoice_number": "A-17"}\'; @file or - for stdin',
)
@kind_option
@engine_option
@option(
    "--memory",
    "memory_path",
    env="DOCUMENTS_MEMORY",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the vendor memory JSON file to update (created when missing)",
)
def learn_command(file: Path, corrections: str, kind: str, engine: str, memory_path: Path) -> None:
    """Teach the vendor memory where FILE's vendor prints the corrected fields."""
    from officeflow.documents import extract

    values = parse_json(corrections, "--corrections")
    if not isinstance(values, dict):
        raise click.BadParameter("expected a JSON object of field -> value", param_hint="--corrections")
    memory = _memory(memory_path)
    extraction = extract(_read(file), filename=file.name, kind=kind, engine=engine)
    profile = memory.learn(extraction, values)
    memory_path.write_text(memory.to_json(), encoding="utf-8")
    out.print(
        f"learned {', '.join(sorted(profile.fields)) or 'the name'} for vendor "
        f"{escape(profile.key if profile.keys else '?')} ({memory_path})"
    )


@documents.group("vendors")
def vendors() -> None:
    """The tenant's vendor memory in the database: what clerks' corrections taught document steps."""


def _service(ctx: Context) -> Any:
    service = ctx.office().documents
    if service is None:  # pragma: no cover - an office built from settings always has one
        raise click.ClickException("this office has no document service")
    return service


@vendors.command("list")
@option("--json", "as_json", env="DOCUMENTS_JSON", is_flag=True, help="print one JSON array")
@pass_ctx
def vendors_list_command(ctx: Context, as_json: bool) -> None:
    """List the vendors the tenant's memory knows: the fields learned, corrections, last change."""
    service, found, after = _service(ctx), [], None
    while True:
        page = service.vendors(ctx.tenant, after=after, limit=500)
        found += page
        if len(page) < 500:
            break
        after = page[-1].vendor_key
    if as_json:
        emit_json([{**v.as_dict(), "updated_at": iso(v.updated_at)} for v in found])
        return
    if not found:
        out.print(f"the vendor memory of tenant '{escape(ctx.tenant)}' is empty")
        return
    table(
        None,
        ["vendor key", "vendor", "fields learned", "corrections", "updated (UTC)", "by"],
        [(v.vendor_key, v.vendor, ", ".join(v.fields), v.corrections, when(v.updated_at), v.updated_by) for v in found],
    )


@vendors.command("forget")
@click.argument("vendor")
@pass_ctx
def vendors_forget_command(ctx: Context, vendor: str) -> None:
    """Forget what the memory learned of VENDOR (any of its keys, as `vendors list` shows them).
    Audited; exits 3 when the memory does not know the vendor."""
    forgotten = _service(ctx).forget_vendor(ctx.tenant, vendor, actor=ctx.actor)
    out.print(
        f"forgot vendor {escape(forgotten.vendor_key)} ({escape(forgotten.vendor or '-')}): "
        f"{', '.join(forgotten.fields) or 'no fields'}, {forgotten.corrections} correction(s)"
    )


__all__ = ["documents"]

"""``officeflow definitions``: validate, apply, list and show workflow definitions."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import Progress
from rich.syntax import Syntax

from officeflow.cli.common import Context, emit_json, format_option, option, out, pass_ctx, table, when
from officeflow.errors import DefinitionInvalid, OfficeflowError


@click.group()
def definitions() -> None:
    """Workflow definitions (versioned, immutable)."""


def _files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
        else:
            files.append(path)
    return files


@definitions.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_ctx
def validate(ctx: Context, paths: tuple[Path, ...]) -> None:
    """Check definition files without storing them (handlers are checked when --app is given)."""
    from officeflow.definitions import load_definition
    from officeflow.kinds import BUILTIN_KINDS
    from officeflow.steps.registry import Registry

    registry = Registry(ctx.modules(), kinds=BUILTIN_KINDS)
    problems: list[str] = []
    for file in _files(paths):
        try:
            d = load_definition(file, registry, strict=True)
            out.print(f"[green]ok[/] {file}: {d.name} version {d.version}, {len(d.steps)} steps")
        except DefinitionInvalid as exc:
            problems += [str(p) for p in exc.problems]
    if not registry.handlers_known:
        out.print("[yellow]note[/]: handlers not checked; pass --app (OFFICEFLOW_APP) to check them")
    if problems:
        raise DefinitionInvalid([], f"{len(problems)} problem(s):\n  " + "\n  ".join(problems))


@definitions.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_ctx
def apply(ctx: Context, paths: tuple[Path, ...]) -> None:
    """Validate and store definition files (a file or a folder of them)."""
    office = ctx.office()
    engine = office.engine
    files = _files(paths)
    failures: list[str] = []
    with Progress(transient=True, disable=len(files) < 5, console=out) as progress:
        task = progress.add_task("applying", total=len(files))
        for file in files:
            try:
                loaded = engine.load(file)
                office.decision_tables.check_definition(loaded, ctx.tenant)
                applied = engine.apply(loaded, tenant=ctx.tenant, actor=ctx.actor)
                d = applied.definition
                state = "stored" if applied.created else "unchanged"
                out.print(f"{state}: {d.name} version {d.version} ({file})")
            except DefinitionInvalid as exc:
                failures += [str(p) if p.file else f"{file}: {p}" for p in exc.problems]
            except OfficeflowError as exc:
                failures.append(f"{file}: {exc.message}")
            progress.advance(task)
    if failures:
        raise DefinitionInvalid([], f"{len(failures)} problem(s):\n  " + "\n  ".join(failures))
    if not engine.registry.handlers_known:
        out.print("[yellow]note[/]: handlers not checked; pass --app (OFFICEFLOW_APP) to check them")


@definitions.command("list")
@format_option()
@pass_ctx
def list_(ctx: Context, fmt: str) -> None:
    """Stored definitions, one line per version."""
    records = ctx.engine().definitions(tenant=ctx.tenant)
    if fmt == "json":
        emit_json(
            [
                {
                    "name": r.name,
                    "version": r.version,
                    "title": r.title,
                    "digest": r.digest,
                    "created_at": r.created_at,
                    "created_by": r.created_by,
                }
                for r in records
            ]
        )
        return
    table(
        None,
        ["name", "version", "title", "stored", "by"],
        [(r.name, r.version, r.title, when(r.created_at), r.created_by) for r in records],
    )


@definitions.command("show")
@click.argument("name")
@option("--version", "version", env="VERSION", type=int, help="a version (default: the latest)")
@option(
    "--format",
    "fmt",
    env="FORMAT",
    type=click.Choice(["yaml", "json", "graph"]),
    default="yaml",
    show_default=True,
    help="the source, its JSON form, or its steps and edges",
)
@pass_ctx
def show(ctx: Context, name: str, version: int | None, fmt: str) -> None:
    """Show one definition version."""
    d = ctx.engine().definition(name, version, tenant=ctx.tenant)
    if fmt == "json":
        emit_json(d.data)
    elif fmt == "graph":
        rows = []
        for sid in d.graph.ordered(d.steps):
            step = d.steps[sid]
            targets = [e.target for e in step.edges()] + [f"branch:{e.target}" for e in step.branch_starts()]
            branch = "/".join(f"{p}.{b}" for p, b in d.scope_of(sid)) or "main"
            rows.append((sid, step.kind, branch, ", ".join(targets) or "(end)"))
        table(f"{d.name} version {d.version}", ["step", "kind", "branch", "goes to"], rows)
    else:
        out.print(Syntax(d.source, "yaml" if not d.source.lstrip().startswith("{") else "json"))

"""``officeflow rules``: evaluate, check and export decision models (DMN or the YAML form)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from officeflow.cli.common import Context, emit_json, format_option, option, out, parse_json, pass_ctx, table, when


@click.group()
def rules() -> None:
    """Decision tables and models, in DMN XML or officeflow's YAML form.

    eval, check and export read files and need no database; push, list and show work on the
    tenant's stored tables."""


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@rules.command("eval")
@click.argument("file", type=_FILE)
@option(
    "--decision",
    "decisions",
    env="RULES_DECISION",
    multiple=True,
    help="a decision to evaluate (repeat for several; default: every decision)",
)
@option(
    "--input",
    "input_text",
    env="RULES_INPUT",
    default="{}",
    show_default=True,
    help="the input: a JSON object, @file.json, or - for standard input",
)
@option(
    "--explain", "explain", env="RULES_EXPLAIN", is_flag=True, help="add the rows that matched, under the key $explain"
)
def eval_(file: Path, decisions: tuple[str, ...], input_text: str, explain: bool) -> None:
    """Evaluate a model and print one JSON object: each decision's name and its value.

    Numbers are exact (an integral number is written as an integer); a DMN context is an
    object, a list an array, null null. Errors of the evaluation (a UNIQUE table with two rows
    matching, an input outside its allowed values) are written to standard error; the decision's
    value is then null.
    """
    from officeflow.rules import load_model
    from officeflow.rules.convert import json_text

    model = load_model(file)
    data = parse_json(input_text, "--input")
    if not isinstance(data, dict):
        raise click.BadParameter(f"the input is a JSON {type(data).__name__}; expected an object", param_hint="--input")
    unknown = [d for d in decisions if d not in model.decision_names]
    if unknown:
        known = ", ".join(repr(n) for n in model.decision_names)
        raise click.BadParameter(
            f"no decision {', '.join(map(repr, unknown))} in {file}; it has {known}", param_hint="--decision"
        )
    evaluation = model.evaluate(data, list(decisions) or None)
    result: dict[str, Any] = {name: evaluation.decisions[name].value for name in evaluation.requested}
    if explain:
        result["$explain"] = {
            name: {"matched": [m.as_dict() for m in d.matched], "errors": list(d.errors)}
            for name, d in evaluation.decisions.items()
        }
        if evaluation.input_errors:
            result["$explain"]["$inputs"] = {"errors": list(evaluation.input_errors)}
    click.echo(json_text(result))
    for problem in evaluation.errors:
        click.echo(f"warning: {problem}", err=True)


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=_FILE)
@format_option()
def check(files: tuple[Path, ...], fmt: str) -> None:
    """Load models and run the static checks (overlaps, gaps, unreachable rows, type errors).

    Exits with 1 when a check finds something, 5 when a file is not a valid model.
    """
    from officeflow.rules import check_model, load_model

    found: list[dict[str, Any]] = []
    for file in files:
        model = load_model(file)
        findings = check_model(model)
        found += [{"file": str(file), **f.as_dict()} for f in findings]
        if fmt == "table" and not findings:
            tables = len(model.tables())
            out.print(
                f"[green]ok[/] {file}: {model.name} version {model.version}, "
                f"{len(model.decisions)} decisions, {tables} tables, no findings"
            )
    if fmt == "json":
        emit_json(found)
    elif found:
        table(
            None,
            ["file", "decision", "rules", "check", "finding"],
            [
                (
                    f["file"] + (f":{f['line']}" if f["line"] else ""),
                    f["decision"],
                    ", ".join(map(str, f["rules"])) or "-",
                    f["check"],
                    f["message"],
                )
                for f in found
            ],
        )
    if found:
        sys.exit(1)


@rules.command("export")
@click.argument("file", type=_FILE)
@option(
    "--output",
    "output",
    env="RULES_OUTPUT",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the DMN file here (default: standard output)",
)
def export(file: Path, output: Path | None) -> None:
    """Print a model (a YAML table, or a DMN file) as DMN 1.3 XML with a diagram, for a modeler."""
    from officeflow.rules import load_model, to_dmn

    text = to_dmn(load_model(file))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")


@rules.command("push")
@click.argument("file", type=_FILE)
@option(
    "--version",
    "version",
    env="RULES_VERSION",
    type=click.IntRange(1, 2**31 - 1),
    help="the version to store (default: the model's own; a DMN file without one takes the next)",
)
@option("--title", "title", env="RULES_TITLE", help="a title shown with the table")
@format_option()
@pass_ctx
def push(ctx: Context, file: Path, version: int | None, title: str | None, fmt: str) -> None:
    """Store a decision table version (a .dmn file or the YAML form) in the tenant.

    Pushing the same content again changes nothing; other content under a stored version is
    refused (exit 4). An invalid model exits with 5 and every problem with its place. The static
    checks' findings are printed; the table is stored all the same.
    """
    try:
        source = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{file} is not UTF-8 text: {exc.reason}", param_hint="FILE") from None
    pushed = ctx.office().decision_tables.push(
        source,
        tenant=ctx.tenant,
        actor=ctx.actor,
        format="yaml" if file.suffix.lower() in (".yaml", ".yml") else None,
        version=version,
        title=title,
        file=str(file),
    )
    head = pushed.table
    if fmt == "json":
        emit_json(
            {
                "name": head.name,
                "version": head.version,
                "format": head.format,
                "digest": head.digest,
                "created": pushed.created,
                "findings": [f.as_dict() for f in pushed.findings],
            }
        )
        return
    state = "stored" if pushed.created else "unchanged"
    out.print(f"{state}: decision table {head.name} version {head.version} ({head.format}, {file})")
    for finding in pushed.findings:
        out.print(f"[yellow]finding[/]: {finding}")


@rules.command("list")
@format_option()
@pass_ctx
def list_(ctx: Context, fmt: str) -> None:
    """The tenant's stored decision tables, one line per table."""
    summaries = ctx.office().queries.decision_tables.summaries(ctx.tenant)
    if fmt == "json":
        emit_json(
            [
                {
                    "name": s.name,
                    "latest": s.latest,
                    "versions": s.versions,
                    "format": s.format,
                    "decisions": list(s.decisions),
                    "title": s.title,
                    "updated_at": s.updated_at,
                }
                for s in summaries
            ]
        )
        return
    table(
        None,
        ["name", "latest", "versions", "format", "decisions", "updated"],
        [(s.name, s.latest, s.versions, s.format, ", ".join(s.decisions), when(s.updated_at)) for s in summaries],
    )


@rules.command("show")
@click.argument("name")
@option("--version", "version", env="RULES_VERSION", type=click.IntRange(1, 2**31 - 1), help="default: the latest")
@option(
    "--format",
    "fmt",
    env="FORMAT",
    type=click.Choice(["table", "json", "source"]),
    default="table",
    show_default=True,
    help="its rows with their hit counts, all of it as JSON, or the source as pushed",
)
@pass_ctx
def show(ctx: Context, name: str, version: int | None, fmt: str) -> None:
    """One stored version: its rows with how often rules steps matched each."""
    from officeflow.decision_tables.compiled import compile_record, table_key

    queries = ctx.office().queries.decision_tables
    record = queries.record(ctx.tenant, name, version)
    if fmt == "source":
        click.echo(record.source, nl=not record.source.endswith("\n"))
        return
    hits = queries.hits(ctx.tenant, name, record.version)
    model = compile_record(record)
    if fmt == "json":
        emit_json(
            {
                "name": record.name,
                "version": record.version,
                "format": record.format,
                "digest": record.digest,
                "decisions": list(record.decisions),
                "created_at": record.created_at,
                "created_by": record.created_by,
                "hits": hits.as_dict(),
            }
        )
        return
    out.print(
        f"{record.name} version {record.version} ({record.format}), stored {when(record.created_at)}"
        f" by {record.created_by or 'system'}; evaluated {hits.evaluations} times by rules steps"
    )
    for owner, decision_table in model.tables():
        key = table_key(owner, decision_table)
        inputs = [c.label or c.expression.text.strip() for c in decision_table.inputs]
        outputs = [c.name or c.label or owner for c in decision_table.outputs]
        table(
            f"{owner} ({decision_table.code})",
            ["#", *inputs, *outputs, "hits"],
            [
                (
                    rule.index,
                    *[c.text.strip() or "-" for c in rule.inputs],
                    *[c.text.strip() for c in rule.outputs],
                    hits.of(key, rule.index),
                )
                for rule in decision_table.rules
            ],
        )

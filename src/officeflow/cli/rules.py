"""``officeflow rules``: evaluate, check and export decision models (DMN or the YAML form)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from officeflow.cli.common import emit_json, format_option, option, out, parse_json, table


@click.group()
def rules() -> None:
    """Decision tables and models, in DMN XML or officeflow's YAML form (no database needed)."""


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

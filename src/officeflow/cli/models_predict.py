"""``officeflow models predict`` and ``officeflow models labels``: predictions from any model, and
label sets users train from a handful of examples.

``predict NAME`` prints one JSON object per item, one per line, in input order. NAME is a
built-in model (``ticket-triage``, ``email-intent``, ``credit-risk``...), the folder of a model
artifact (``model.json`` and its files, as ``labels train --out`` writes), or a model registered
in the tenant's registry (its production version, or ``--version``). Every input is parsed and
checked before anything is predicted, so bad input prints each problem (file, line, field, what
was expected), exits 5 and prints no partial results.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from officeflow.cli.common import Context, emit_json, option, out, pass_ctx
from officeflow.errors import NotFound, Problem, RequestInvalid, SchemaOutOfDate, StoreUnavailable

if TYPE_CHECKING:
    from officeflow.models import Model, Prediction

BATCH = 64
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class ModelNotFound(NotFound):
    """No model has that name."""


def read_lines(path: Path) -> list[tuple[int, Any]]:
    """(line number, value) of each non-blank line of a JSON lines file; ``RequestInvalid`` naming every bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestInvalid([Problem(message=f"cannot read the file: {exc}", file=str(path))]) from None
    values: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    message=f"not JSON: {exc.msg}",
                    file=str(path),
                    line=number,
                    column=exc.colno,
                    expected="one JSON object per line",
                )
            )
    if problems:
        raise RequestInvalid(problems, "the input file is not valid")
    if not values:
        raise RequestInvalid([Problem(message="no items", file=str(path), expected="one JSON object per line")])
    return values


def _registered(ctx: Context, name: str, version: str | None) -> Model:
    """A version of the tenant's model ``name`` from the registry: ``version``, else the one in production."""
    from officeflow.modelops.serving import build_model
    from officeflow.models import BUILTINS
    from officeflow.store.tx_models import ModelStage

    try:
        registry = ctx.office().models
    except (SchemaOutOfDate, StoreUnavailable) as exc:
        raise ModelNotFound(
            f"no model named {name!r}: not a built-in model ({', '.join(sorted(BUILTINS))}), not a folder holding a "
            f"model.json, and the model registry cannot be read ({exc.message})"
        ) from None
    registry.ensure_builtin(ctx.tenant, name)
    with ctx.engine().store.read() as tx:
        rows = tx.list_model_versions(ctx.tenant, name)
    if not rows:
        raise ModelNotFound(
            f"no model named {name!r}: not a built-in model ({', '.join(sorted(BUILTINS))}), not a folder holding a "
            f"model.json, not registered in tenant {ctx.tenant!r}"
        )
    if version is None:
        live = [r for r in rows if r.stage is ModelStage.PRODUCTION]
        if not live:
            known = ", ".join(f"{r.version} ({r.stage.value})" for r in rows)
            raise ModelNotFound(f"model {name!r} has no version in production (give --version; its versions: {known})")
        row = live[0]
    else:
        found = [r for r in rows if r.version == version]
        if not found:
            known = ", ".join(r.version for r in rows)
            raise ModelNotFound(f"model {name!r} has no version {version!r} (its versions: {known})")
        row = found[0]
    return build_model(registry.artifact(ctx.tenant, row))


def resolve_model(ctx: Context, name: str, version: str | None = None, registered: bool = False) -> Model:
    """The folder of a model artifact; a built-in model's committed version (unless ``version`` or
    ``registered`` ask for the registry); else a model registered in the tenant."""
    from officeflow.models import BUILTINS, Artifact, load_builtin, load_model

    path = Path(name)
    if (path / "model.json").is_file():
        return load_model(Artifact.read(path))
    if name in BUILTINS and version is None and not registered:
        return load_builtin(name)
    return _registered(ctx, name, version)


def check_items(model: Model, items: Sequence[Any], source: Path | None, lines: Sequence[int]) -> None:
    """Every item checked before any is predicted; problems told at the file's lines."""
    from officeflow.language.builtin import BuiltinTextModel
    from officeflow.language.errors import TextInputInvalid
    from officeflow.models import InputChecker, ModelInputInvalid

    found: list[tuple[int, Problem]] = []
    objects: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            objects.append((index, item))
        else:
            problem = Problem(
                message=f"the item is a JSON {_json_type(item)}", pointer=f"/{index}", expected="an object"
            )
            found.append((index, problem))
    try:
        if isinstance(model, BuiltinTextModel):
            model.classifier.texts([item for _, item in objects])
        else:
            InputChecker(model.metadata.input_schema).check([item for _, item in objects])
    except (TextInputInvalid, ModelInputInvalid) as exc:
        for problem in exc.problems:
            position, _, rest = (problem.pointer or "/").lstrip("/").partition("/")
            index = objects[int(position)][0] if position.isdigit() else 0
            pointer = f"/{index}" + (f"/{rest}" if rest else "")
            found.append((index, Problem(message=problem.message, pointer=pointer, expected=problem.expected)))
    problems = [problem for _, problem in sorted(found, key=lambda pair: pair[0])]
    if problems:
        if source is not None:
            told = [_at_line(p, source, lines) for p in problems]
        else:
            told = [_in_input(p) for p in problems]
        raise RequestInvalid(told, f"the input does not fit model {model.metadata.name}")


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _in_input(problem: Problem) -> Problem:
    """A problem of the one ``--input`` item, its pointer inside that item."""
    pointer = (problem.pointer or "").removeprefix("/0")
    return Problem(message=problem.message, pointer=f"--input{pointer}", expected=problem.expected)


def _at_line(problem: Problem, source: Path, lines: Sequence[int]) -> Problem:
    """A problem at ``/i/field`` of the i-th item, told as the file's line."""
    index, _, field = (problem.pointer or "/").lstrip("/").partition("/")
    line = lines[int(index)] if index.isdigit() and int(index) < len(lines) else None
    message = f"{field}: {problem.message}" if field else problem.message
    return Problem(message=message, file=str(source), line=line, expected=problem.expected)


def result_of(prediction: Prediction, explain: bool) -> dict[str, Any]:
    """What is printed for one item: the model's output object, with the confidence and the
    prediction set when the output does not already carry them per field, and the explanation with
    ``--explain``."""
    output = prediction.output
    result: dict[str, Any] = dict(output) if isinstance(output, Mapping) else {"output": output}
    per_field = any(key.endswith("_confidence") for key in result)
    if not per_field:
        result.setdefault("confidence", prediction.confidence)
        if prediction.prediction_set is not None:
            result.setdefault("prediction_set", list(prediction.prediction_set))
    if explain:
        result["explanation"] = dict(prediction.explanation)
    return result


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def predict_all(model: Model, items: Sequence[Any], sink: TextIO, *, batch: int = BATCH, explain: bool = False) -> None:
    """Predict ``items`` in batches and write one JSON line per item, in order."""
    for part in _batches(items, batch):
        for prediction in model.predict(part):
            sink.write(json.dumps(result_of(prediction, explain), ensure_ascii=False, default=str) + "\n")
        sink.flush()


@click.command("predict")
@click.argument("name")
@option("--input", "input_text", env="PREDICT_INPUT", help="one item as a JSON object")
@option(
    "--input-file",
    "input_file",
    env="PREDICT_INPUT_FILE",
    type=_FILE,
    help="a file of JSON lines, one item per line (blank lines skipped)",
)
@option(
    "--version", "version", env="PREDICT_VERSION", help="a registered model's version (default: the one in production)"
)
@option(
    "--registered",
    env="PREDICT_REGISTERED",
    is_flag=True,
    help="a built-in model: the tenant's production version (default: the committed one)",
)
@option(
    "--batch-size",
    "batch_size",
    env="PREDICT_BATCH_SIZE",
    type=click.IntRange(1, 4096),
    default=BATCH,
    show_default=True,
    help="items per batch",
)
@option(
    "--explain",
    "explain",
    env="PREDICT_EXPLAIN",
    is_flag=True,
    help="add each prediction's explanation (contributions, reasons)",
)
@pass_ctx
def predict(
    ctx: Context,
    name: str,
    input_text: str | None,
    input_file: Path | None,
    version: str | None,
    registered: bool,
    batch_size: int,
    explain: bool,
) -> None:
    """Predict with model NAME and print one JSON object per item, one per line, in order.

    NAME is the folder of a model artifact, a built-in model (ticket-triage, email-intent,
    credit-risk, expense-anomaly, sensor-anomaly: its committed version, or with --registered the
    tenant's production version), or a model registered in the tenant (--version picks a version).
    Ticket triage prints category, priority, their confidences, alternatives and prediction sets.
    """
    if (input_text is None) == (input_file is None):
        raise click.UsageError("give one of --input JSON or --input-file FILE.jsonl")
    if input_text is not None:
        try:
            items: list[Any] = [json.loads(input_text)]
        except json.JSONDecodeError as exc:
            raise RequestInvalid(
                [Problem(message=f"not JSON: {exc.msg}", pointer="", column=exc.colno, expected="a JSON object")],
                "--input is not valid",
            ) from None
        lines: list[int] = []
    else:
        assert input_file is not None
        numbered = read_lines(input_file)
        items, lines = [v for _, v in numbered], [n for n, _ in numbered]
    model = resolve_model(ctx, name, version, registered)
    check_items(model, items, input_file, lines)
    predict_all(model, items, sys.stdout, batch=batch_size, explain=explain)


@click.group("labels")
def labels() -> None:
    """Label sets you define: a handful of examples per label trains a calibrated classifier."""


@labels.command("train")
@click.argument("name")
@option(
    "--examples",
    "examples_file",
    env="LABELS_EXAMPLES",
    type=_FILE,
    required=True,
    help='JSON lines ({"text": ..., "label": ...}) or CSV with text and label columns',
)
@option(
    "--input-kind",
    "input_kind",
    env="LABELS_INPUT_KIND",
    type=click.Choice(["text", "ticket", "email"]),
    default="text",
    show_default=True,
    help="what an item is: {text}, a ticket {text, subject}, an e-mail {subject, body, attachments}",
)
@option("--seed", "seed", env="LABELS_SEED", type=int, default=0, show_default=True, help="seed of the split and head")
@option(
    "--stage",
    env="LABELS_STAGE",
    type=click.Choice(["candidate", "production"]),
    help="the registered version's stage [default: production for a first version, else candidate]",
)
@option(
    "--out",
    "out_dir",
    env="LABELS_OUT",
    type=click.Path(file_okay=False, path_type=Path),
    help="write the artifact to this folder instead of registering it (no database needed)",
)
@option("--json", "as_json", env="LABELS_JSON", is_flag=True, help="print one JSON object")
@pass_ctx
def train(
    ctx: Context,
    name: str,
    examples_file: Path,
    input_kind: str,
    seed: int,
    stage: str | None,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Train label set NAME from examples and register it in the tenant's model registry.

    Every label needs at least 3 examples (5 to 10 work better), and there must be at least two
    labels. A fifth of each label's examples (at least one) is held out to measure the head. The
    version is the next number; a first version goes to production, later ones are candidates
    (promote them with the registry). Corrections people make in the inbox become feedback, and
    "officeflow models retrain NAME" trains the next version on the examples plus that feedback.
    """
    from officeflow.language.errors import ExamplesInvalid
    from officeflow.language.labelsets import majority_share, read_examples, train_label_set

    try:
        examples = read_examples(examples_file)
    except ExamplesInvalid as exc:
        raise RequestInvalid(exc.problems, f"{examples_file}: the examples cannot be read") from None
    if out_dir is not None:
        try:
            artifact = train_label_set(name, examples, seed=seed, input_kind=input_kind)
        except ExamplesInvalid as exc:
            raise RequestInvalid(exc.problems, f"{examples_file}: the examples cannot train {name!r}") from None
        artifact.write(out_dir)
        where = f"written to {out_dir}/"
    else:
        from officeflow.learning.label_sets import train_and_register
        from officeflow.store.tx_models import ModelStage

        office = ctx.office()
        done = train_and_register(
            office.store,
            office.models,
            ctx.tenant,
            name,
            examples,
            actor=ctx.actor,
            seed=seed,
            input_kind=input_kind,
            stage=ModelStage(stage) if stage else None,
            source=str(examples_file),
        )
        artifact = done.artifact
        where = (
            f"registered in tenant {ctx.tenant!r} as version {done.registered.version} ({done.registered.stage.value})"
        )
    meta = artifact.metadata
    summary = {
        "model": meta.name,
        "version": meta.version,
        "labels": list(meta.labels),
        "examples": len(examples),
        "metrics": dict(meta.metrics),
        "majority_share": round(majority_share(examples), 6),
        "training_data_digest": meta.training_data_digest,
        "stored": where,
    }
    if as_json:
        emit_json(summary)
        return
    accuracy = meta.metrics.get("label_accuracy")
    shown = f"{accuracy:.0%}" if accuracy is not None else "not measured"
    out.print(
        f"label set {meta.name} {meta.version}: {len(meta.labels)} labels, {len(examples)} examples; "
        f"accuracy on {int(meta.metrics.get('test_examples', 0))} held-out examples {shown} "
        f"(always the commonest label: {majority_share(examples):.0%}); {where}"
    )

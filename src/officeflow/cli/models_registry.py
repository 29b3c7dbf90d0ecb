"""``officeflow models list``, ``show``, ``register``, ``register-builtins``, ``promote``, ``rollback``
and ``train``: the model registry and its stages (officeflow.modelops), and the built-in models'
training scripts."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import click

from officeflow.cli.common import Context, emit_json, format_option, option, out, parse_json, pass_ctx, table, when
from officeflow.modelops import ModelStage, ModelVersionRow
from officeflow.modelops.uploads import Upload, artifact_of
from officeflow.models import BUILTINS, Artifact, Flavour, ModelMetadata

STAGES = click.Choice([s.value for s in ModelStage])
TRAINABLE = ("credit-risk", "expense-anomaly", "sensor-anomaly")
"""The built-ins whose training script is ``officeflow.models.builtin.<name>.train`` (``train(seed, version)``)."""


def _version_doc(row: ModelVersionRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "version": row.version,
        "flavour": row.flavour,
        "stage": row.stage.value,
        "share": row.share,
        "owner": row.owner,
        "metrics": dict(row.metrics),
        "training_data_digest": row.training_data_digest,
        "artifact_digest": row.artifact_digest,
        "created_at": when(row.created_at),
        "created_by": row.created_by,
        "changed_at": when(row.changed_at),
        "changed_by": row.changed_by,
    }


@click.command("list")
@format_option()
@pass_ctx
def list_command(ctx: Context, fmt: str) -> None:
    """The tenant's models: who decides (production, canary and its share) and the shadows."""
    models = ctx.office().queries.models.models(ctx.tenant)
    if fmt == "json":
        emit_json([m.__dict__ | {"shadows": list(m.shadows)} for m in models])
        return
    table(
        "models",
        ["name", "versions", "production", "canary", "share", "shadows", "owner"],
        [
            (m.name, m.versions, m.production, m.canary, m.canary_share or "", ", ".join(m.shadows), m.owner)
            for m in models
        ],
    )


@click.command("show")
@click.argument("name")
@format_option()
@pass_ctx
def show_command(ctx: Context, name: str, fmt: str) -> None:
    """Model NAME: its versions, its stage history and how many step calls took each path."""
    versions, history, paths = ctx.office().queries.models.model(ctx.tenant, name)
    if fmt == "json":
        emit_json(
            {
                "name": name,
                "versions": [_version_doc(v) for v in versions],
                "history": [_change(h) for h in history],
                "paths": [{"version": p.version, "path": p.path.value, "count": p.count} for p in paths],
            }
        )
        return
    table(
        f"model {name}",
        ["version", "flavour", "stage", "share", "metrics", "changed", "by"],
        [
            (
                v.version,
                v.flavour,
                v.stage.value,
                v.share or "",
                ", ".join(f"{k} {float(x):.3f}" for k, x in list(dict(v.metrics).items())[:4]),
                when(v.changed_at),
                v.changed_by,
            )
            for v in versions
        ],
    )
    table(
        "stage history",
        ["at", "action", "version", "from", "to", "share", "by", "reason"],
        [
            (when(h.at), h.action, h.version, h.from_stage, h.to_stage, h.share or "", h.actor, h.reason)
            for h in history
        ],
    )
    if paths:
        table("paths", ["version", "path", "calls"], [(p.version, p.path.value, p.count) for p in paths])


def _change(h: Any) -> dict[str, Any]:
    return {
        "version": h.version,
        "action": h.action,
        "from_stage": h.from_stage,
        "to_stage": h.to_stage,
        "share": h.share,
        "reason": h.reason,
        "at": when(h.at),
        "actor": h.actor,
    }


@click.command("register")
@click.argument("name")
@option("--version", "version", env="MODELS_VERSION", required=True, help="the new version's name")
@option(
    "--flavour",
    "flavour",
    env="MODELS_FLAVOUR",
    type=click.Choice(["onnx", "skops", "oip", "python"]),
    help="onnx or skops (with --file), oip (with --url, --remote-model), python (with --callable)",
)
@option("--artifact", "artifact_dir", env="MODELS_ARTIFACT", default=None, help="a model directory with model.json")
@option("--file", "file", env="MODELS_FILE", default=None, help="the ONNX or skops file")
@option("--input-schema", "input_schema", env="MODELS_INPUT_SCHEMA", default=None, help="JSON Schema, @file or -")
@option("--features", "features", env="MODELS_FEATURES", default="", help="comma-separated, in column order")
@option("--labels", "labels", env="MODELS_LABELS", default="", help="comma-separated, in class order")
@option(
    "--task", "task", env="MODELS_TASK", type=click.Choice(["classification", "regression"]), default="classification"
)
@option("--trusted-type", "trusted", env="MODELS_TRUSTED_TYPES", multiple=True, help="skops: a type you trust")
@option("--url", "url", env="MODELS_URL", default=None, help="oip: the server's base URL")
@option("--remote-model", "remote_model", env="MODELS_REMOTE_MODEL", default=None, help="oip: the model's name there")
@option("--timeout", "timeout", env="MODELS_TIMEOUT", type=float, default=10.0, show_default=True, help="oip: seconds")
@option("--retries", "retries", env="MODELS_RETRIES", type=int, default=2, show_default=True, help="oip: retries")
@option("--callable", "target", env="MODELS_CALLABLE", default=None, help="python: module:function")
@option(
    "--batch/--no-batch",
    "batch",
    env="MODELS_BATCH",
    default=False,
    show_default=True,
    help="python: share calls between concurrent steps (for a callable whose cost is per call)",
)
@option("--stage", "stage", env="MODELS_STAGE", type=STAGES, default="candidate", show_default=True)
@option("--share", "share", env="MODELS_SHARE", type=float, default=None, help="a canary's share of runs")
@option("--owner", "owner", env="MODELS_OWNER", default="", help="who answers for the model")
@option("--description", "description", env="MODELS_DESCRIPTION", default="")
@pass_ctx
def register_command(
    ctx: Context,
    name: str,
    version: str,
    flavour: str | None,
    artifact_dir: str | None,
    file: str | None,
    input_schema: str | None,
    features: str,
    labels: str,
    task: str,
    trusted: tuple[str, ...],
    url: str | None,
    remote_model: str | None,
    timeout: float,
    retries: int,
    target: str | None,
    batch: bool,
    stage: str,
    share: float | None,
    owner: str,
    description: str,
) -> None:
    """Register a version of model NAME: a model directory (--artifact), an ONNX or skops file, a
    remote model over the Open Inference Protocol, or a Python callable (module:function)."""
    if artifact_dir is not None:
        found = Artifact.read(Path(artifact_dir))
        meta = found.metadata
        artifact = Artifact(
            metadata=ModelMetadata.from_dict({**meta.as_dict(), "name": name, "version": version}),
            config=found.config,
            files=found.files,
        )
    elif flavour == "python":
        if target is None:
            raise click.UsageError("--flavour python needs --callable module:function")
        meta = ModelMetadata(
            name=name,
            version=version,
            flavour=Flavour.PYTHON,
            input_schema=parse_json(input_schema, "--input-schema") or {"type": "object"},
            output_schema={},
            owner=owner or ctx.actor,
            description=description,
            labels=tuple(x for x in labels.split(",") if x),
        )
        artifact = Artifact(metadata=meta, config={"callable": target, "batch": batch})
    elif flavour is None:
        raise click.UsageError("give --artifact DIR or --flavour")
    else:
        upload = Upload(
            name=name,
            version=version,
            flavour=flavour,
            input_schema=parse_json(input_schema, "--input-schema") or {},
            features=[x for x in features.split(",") if x],
            labels=[x for x in labels.split(",") if x],
            task=task,
            content=Path(file).read_bytes() if file else None,
            trusted_types=trusted,
            endpoint={"base_url": url, "model": remote_model, "timeout": timeout, "retries": retries}
            if flavour == "oip"
            else None,
            owner=owner or ctx.actor,
            description=description,
        )
        artifact = artifact_of(upload, http_allow=ctx.settings.http_allowlist)
    row = ctx.office().models.register(ctx.tenant, artifact, actor=ctx.actor, stage=ModelStage(stage), share=share)
    out.print(f"registered {row.name} {row.version} ({row.flavour}) as {row.stage.value}")


@click.command("register-builtins")
@pass_ctx
def register_builtins_command(ctx: Context) -> None:
    """Register the built-in models the tenant does not have yet, in production (a step or a
    request naming a built-in registers it on first use as well)."""
    rows = ctx.office().models.register_builtins(ctx.tenant, actor=ctx.actor)
    for row in rows:
        out.print(f"registered {row.name} {row.version} in production")
    if not rows:
        out.print("every built-in model is registered already")


@click.command("promote")
@click.argument("name")
@click.argument("version")
@option("--stage", "stage", env="MODELS_STAGE", type=STAGES, default="production", show_default=True)
@option("--share", "share", env="MODELS_SHARE", type=float, default=None, help="a canary's share of runs (0-1)")
@option("--reason", "reason", env="MODELS_REASON", default=None, help="why (kept in the history and the audit log)")
@pass_ctx
def promote_command(ctx: Context, name: str, version: str, stage: str, share: float | None, reason: str | None) -> None:
    """Put VERSION of model NAME at a stage: production (the version it replaces is retired), a
    canary with --share, shadow, candidate or retired."""
    changes = ctx.office().models.promote(
        ctx.tenant, name, version, ModelStage(stage), share, actor=ctx.actor, reason=reason
    )
    for c in changes:
        extra = f" ({c.share:g} of runs)" if c.after is ModelStage.CANARY else ""
        out.print(f"{name} {c.version}: {c.before.value} -> {c.after.value}{extra}")
    if not changes:
        out.print(f"{name} {version} is {stage} already")


@click.command("rollback")
@click.argument("name")
@option("--reason", "reason", env="MODELS_REASON", default=None, help="why (kept in the history and the audit log)")
@pass_ctx
def rollback_command(ctx: Context, name: str, reason: str | None) -> None:
    """Withdraw model NAME's canary; without one, retire production and bring back the version it
    replaced."""
    for c in ctx.office().models.rollback(ctx.tenant, name, actor=ctx.actor, reason=reason):
        out.print(f"{name} {c.version}: {c.before.value} -> {c.after.value}")


@click.command("train")
@click.argument("name", type=click.Choice(TRAINABLE))
@option("--seed", "seed", env="MODELS_SEED", type=int, default=0, show_default=True, help="chooses the split")
@option("--json", "as_json", env="MODELS_JSON", is_flag=True, help="print the held-out metrics as one JSON object")
@option("--register", "register_as", env="MODELS_REGISTER", default=None, help="register the result as this version")
def train_command(name: str, seed: int, as_json: bool, register_as: str | None) -> None:
    """Train built-in model NAME on a split chosen by --seed and print its metrics on the held-out
    part (credit-risk: AUC, Brier score, KS), as its training script does
    (python -m officeflow.models.builtin.<name>.train)."""
    module = importlib.import_module(BUILTINS[name].trainer_class.partition(":")[0])
    trainer = getattr(module, "train", None)
    assert trainer is not None, f"{name}'s training module has no train()"
    result = trainer(seed, register_as or "1")
    if as_json:
        click.echo(json.dumps(result.summary()))
    else:
        for key, value in result.metrics.items():
            out.print(f"{key:28} {float(value):.4f}")
    if register_as is not None:
        ctx = click.get_current_context().find_object(Context)
        assert ctx is not None
        row = ctx.office().models.register(ctx.tenant, result.artifact, actor=ctx.actor)
        if not as_json:
            out.print(f"registered {row.name} {row.version} as a candidate")

"""``officeflow start`` and ``officeflow runs``: start runs, inspect them, act on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson
from rich.markup import escape
from rich.progress import Progress

from officeflow.cli.common import Context, emit_json, format_option, option, out, parse_json, pass_ctx, table, when
from officeflow.errors import InputInvalid, MigrationRefused, OfficeflowError
from officeflow.safeyaml import DocumentRefused, NotJSON, load_json
from officeflow.store.records import Run, RunStatus


def run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "workflow": run.workflow,
        "version": run.version,
        "status": str(run.status),
        "input": run.input,
        "output": run.output,
        "error": run.error,
        "idempotency_key": run.idempotency_key,
        "parent_run_id": run.parent_run_id,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "completed_at": run.completed_at,
        "created_by": run.created_by,
    }


@click.command()
@click.argument("workflow")
@option("--input", "input_text", env="INPUT", help="run input: JSON, @file.json, or - for standard input")
@option(
    "--input-file",
    "input_file",
    env="INPUT_FILE",
    type=click.Path(exists=True, path_type=Path),
    help="start one run per line of a JSON-lines file (with a progress bar)",
)
@option("--version", "version", env="VERSION", type=int, help="definition version (default: the latest)")
@option(
    "--idempotency-key", "key", env="IDEMPOTENCY_KEY", help="a second start with the same key returns the first run"
)
@option("--wait/--no-wait", "wait", env="WAIT", default=False, help="wait until the run ends")
@option("--timeout", "timeout", env="TIMEOUT", type=float, default=None, help="seconds to --wait at most")
@format_option()
@pass_ctx
def start(
    ctx: Context,
    workflow: str,
    input_text: str | None,
    input_file: Path | None,
    version: int | None,
    key: str | None,
    wait: bool,
    timeout: float | None,
    fmt: str,
) -> None:
    """Start a run of WORKFLOW."""
    engine = ctx.engine()
    if input_file is not None:
        _start_many(ctx, workflow, input_file, version)
        return
    run = engine.start(
        workflow,
        parse_json(input_text, "--input"),
        version=version,
        tenant=ctx.tenant,
        idempotency_key=key,
        actor=ctx.actor,
    )
    if wait:
        run = engine.wait_for(run.id, tenant=ctx.tenant, timeout=timeout)
    if fmt == "json":
        emit_json(run_dict(run))
    else:
        out.print(f"{run.id} {run.status} ({run.workflow} version {run.version})")
        if run.output is not None:
            out.print(orjson.dumps(run.output).decode())
    if run.status == RunStatus.FAILED:
        raise SystemExit(1)


def _start_many(ctx: Context, workflow: str, path: Path, version: int | None) -> None:
    engine = ctx.engine()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    problems: list[str] = []
    started = 0
    with Progress(console=out) as progress:
        task = progress.add_task(f"starting {workflow}", total=len(lines))
        for number, line in enumerate(lines, 1):
            try:
                payload = load_json(line, f"{path}:{number}")
                engine.start(workflow, payload, version=version, tenant=ctx.tenant, actor=ctx.actor)
                started += 1
            except NotJSON as exc:
                problems.append(f"{path}:{number}: not JSON: {exc.problems[0].message.removeprefix('not JSON: ')}")
            except DocumentRefused as exc:
                problems.append(f"{path}:{number}: {exc.problems[0].message}")
            except InputInvalid as exc:
                problems.append(f"{path}:{number}: " + "; ".join(str(p) for p in exc.problems))
            progress.advance(task)
    out.print(f"started {started} of {len(lines)} runs")
    for problem in problems:
        out.print(f"[red]{problem}[/]")
    if problems:
        raise SystemExit(1)


@click.group()
def runs() -> None:
    """Inspect runs and act on them."""


@runs.command("list")
@option(
    "--status",
    "statuses",
    env="STATUS",
    multiple=True,
    type=click.Choice([s.value for s in RunStatus]),
    help="only runs in this status (repeatable)",
)
@option("--workflow", "workflow", env="WORKFLOW", help="only runs of this workflow")
@option("--limit", "limit", env="LIMIT", type=click.IntRange(1, 10_000), default=50, show_default=True)
@format_option()
@pass_ctx
def list_runs(ctx: Context, statuses: tuple[str, ...], workflow: str | None, limit: int, fmt: str) -> None:
    """Recent runs, newest first."""
    found = ctx.engine().list_runs(tenant=ctx.tenant, statuses=statuses, workflow=workflow, limit=limit)
    if fmt == "json":
        emit_json([run_dict(r) for r in found])
        return
    table(
        None,
        ["run", "workflow", "v", "status", "started", "ended"],
        [(r.id, r.workflow, r.version, r.status, when(r.created_at), when(r.completed_at)) for r in found],
    )


@runs.command("show")
@click.argument("run_id")
@format_option()
@pass_ctx
def show(ctx: Context, run_id: str, fmt: str) -> None:
    """A run with its positions and its whole history."""
    engine = ctx.engine()
    run = engine.get_run(run_id, tenant=ctx.tenant)
    history = engine.history(run_id, tenant=ctx.tenant)
    positions = engine.positions(run_id, tenant=ctx.tenant)
    if fmt == "json":
        emit_json(
            {
                **run_dict(run),
                "jobs": [
                    {
                        "step_id": j.step_id,
                        "iteration": j.iteration,
                        "kind": str(j.kind),
                        "status": str(j.status),
                        "attempt": j.attempt,
                        "available_at": j.available_at,
                        "error": j.error,
                    }
                    for j in positions.jobs
                ],
                "waits": [
                    {
                        "step_id": w.step_id,
                        "kind": w.kind,
                        "signal": w.signal,
                        "child_run_id": w.child_run_id,
                        "deadline": w.deadline,
                    }
                    for w in positions.waits
                ],
                "history": [
                    {
                        "id": h.id,
                        "at": h.at,
                        "type": h.type,
                        "step_id": h.step_id,
                        "iteration": h.iteration,
                        "attempt": h.attempt,
                        "actor": h.actor,
                        "output": h.output,
                        "data": h.data,
                    }
                    for h in history
                ],
            }
        )
        return
    out.print(f"[bold]{run.id}[/] {run.workflow} version {run.version}: [bold]{run.status}[/]")
    out.print(f"input: {orjson.dumps(run.input).decode()}")
    if run.output is not None:
        out.print(f"output: {orjson.dumps(run.output).decode()}")
    if run.error:
        out.print(f"[red]error[/]: {escape(str(run.error.get('message')))} (step {run.error.get('step_id')})")
    for job in positions.jobs:
        out.print(f"  at {job.step_id} [{job.kind}, {job.status}, attempt {job.attempt}] due {when(job.available_at)}")
    for wait in positions.waits:
        what = f"signal '{wait.signal}'" if wait.signal else f"child run {wait.child_run_id}"
        out.print(
            f"  waiting at {wait.step_id} for {what}" + (f" until {when(wait.deadline)}" if wait.deadline else "")
        )
    rows = []
    for h in history:
        detail = h.output if h.output is not None else (h.data or "")
        text = orjson.dumps(detail).decode() if detail != "" else ""
        rows.append(
            (when(h.at), h.type, h.step_id or "", "" if h.iteration is None else h.iteration, h.actor or "", text[:160])
        )
    table("history", ["at", "event", "step", "it", "actor", "detail"], rows)


def _done(message: str) -> None:
    out.print(message)


@runs.command("retry")
@click.argument("run_id")
@option("--from-step", "from_step", env="FROM_STEP", help="re-run from this step (in the failed step's branch)")
@pass_ctx
def retry(ctx: Context, run_id: str, from_step: str | None) -> None:
    """Retry a failed run at its failed step, or from an earlier step."""
    n = ctx.engine().retry(run_id, from_step=from_step, tenant=ctx.tenant, actor=ctx.actor)
    _done(f"{run_id}: retrying {n} step(s)" + (f" from '{from_step}'" if from_step else ""))


@runs.command("skip")
@click.argument("run_id")
@click.argument("step_id")
@option("--output", "output", env="OUTPUT", help="the step's output instead: JSON, @file or -")
@pass_ctx
def skip(ctx: Context, run_id: str, step_id: str, output: str | None) -> None:
    """Complete a failed, waiting or sleeping step with a supplied output."""
    ctx.engine().skip(run_id, step_id, parse_json(output, "--output"), tenant=ctx.tenant, actor=ctx.actor)
    _done(f"{run_id}: skipped '{step_id}'")


@runs.command("cancel")
@click.argument("run_id")
@option("--reason", "reason", env="REASON", help="recorded in the history")
@pass_ctx
def cancel(ctx: Context, run_id: str, reason: str | None) -> None:
    """Cancel a run (and its child runs)."""
    cancelled = ctx.engine().cancel(run_id, reason=reason, tenant=ctx.tenant, actor=ctx.actor)
    _done(f"cancelled {len(cancelled)} run(s): {', '.join(cancelled)}")


@runs.command("pause")
@click.argument("run_id")
@pass_ctx
def pause(ctx: Context, run_id: str) -> None:
    """Pause a run: nothing more is claimed until it is resumed."""
    ctx.engine().pause(run_id, tenant=ctx.tenant, actor=ctx.actor)
    _done(f"{run_id}: paused")


@runs.command("resume")
@click.argument("run_id")
@pass_ctx
def resume(ctx: Context, run_id: str) -> None:
    """Resume a paused run."""
    ctx.engine().resume(run_id, tenant=ctx.tenant, actor=ctx.actor)
    _done(f"{run_id}: resumed")


@runs.command("signal")
@click.argument("run_id")
@click.argument("name")
@option("--payload", "payload", env="PAYLOAD", help="JSON, @file or -")
@pass_ctx
def signal(ctx: Context, run_id: str, name: str, payload: str | None) -> None:
    """Send the signal NAME to a run."""
    taken = ctx.engine().signal(run_id, name, parse_json(payload, "--payload"), tenant=ctx.tenant, actor=ctx.actor)
    _done(f"{run_id}: signal '{name}' " + ("delivered" if taken else "kept until the run waits for it"))


def _step_map(items: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise click.BadParameter(f"{item!r}: expected OLD=NEW (step ids)", param_hint="--map")
        mapping[old.strip()] = new.strip()
    return mapping


@runs.command("migrate")
@click.argument("run_ids", nargs=-1)
@option("--to-version", "to_version", env="TO_VERSION", type=int, required=True, help="the target version")
@option("--map", "maps", env="MAP", multiple=True, help="OLD=NEW step id (repeatable)")
@option("--workflow", "workflow", env="WORKFLOW", help="migrate every active run of this workflow")
@option("--from-version", "from_version", env="FROM_VERSION", type=int, help="with --workflow: only this version")
@option("--dry-run/--apply", "dry_run", env="DRY_RUN", default=False, help="check and show, change nothing")
@pass_ctx
def migrate(
    ctx: Context,
    run_ids: tuple[str, ...],
    to_version: int,
    maps: tuple[str, ...],
    workflow: str | None,
    from_version: int | None,
    dry_run: bool,
) -> None:
    """Move running instances to another definition version."""
    engine = ctx.engine()
    mapping = _step_map(maps)
    ids = list(run_ids)
    if workflow:
        active = [s.value for s in (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PAUSED, RunStatus.FAILED)]
        before = None
        while True:
            page = engine.list_runs(
                tenant=ctx.tenant, statuses=active, workflow=workflow, version=from_version, limit=1000, before=before
            )
            ids += [r.id for r in page if r.version != to_version]
            if len(page) < 1000:
                break
            before = (page[-1].created_at, page[-1].id)
    if not ids:
        raise click.UsageError("name runs to migrate, or --workflow")
    refused: list[str] = []
    moved = 0
    with Progress(console=out, disable=len(ids) < 5) as progress:
        task = progress.add_task("migrating", total=len(ids))
        for run_id in ids:
            try:
                plan = engine.migrate(run_id, to_version, mapping, tenant=ctx.tenant, actor=ctx.actor, dry_run=dry_run)
                moves = ", ".join(f"{w} {a}→{b}" for w, a, b in plan.moves) or "no step moves"
                out.print(
                    f"{run_id}: version {plan.from_version} → {plan.to_version} ({moves})"
                    + (" [dry run]" if dry_run else "")
                )
                moved += 1
            except MigrationRefused as exc:
                refused.append(f"{run_id}: {exc.message}")
            except OfficeflowError as exc:
                refused.append(f"{run_id}: {exc.message}")
            progress.advance(task)
    for line in refused:
        out.print(f"[red]refused[/] {line}")
    if refused:
        raise SystemExit(1)


@click.command("dead-letters")
@option("--workflow", "workflow", env="WORKFLOW", help="only this workflow")
@option("--limit", "limit", env="LIMIT", type=click.IntRange(1, 10_000), default=100, show_default=True)
@option("--retry-all/--list", "retry_all", env="RETRY_ALL", default=False, help="retry every listed run")
@format_option()
@pass_ctx
def dead_letters(ctx: Context, workflow: str | None, limit: int, retry_all: bool, fmt: str) -> None:
    """Steps that exhausted their retries, newest first."""
    engine = ctx.engine()
    letters = engine.dead_letters(tenant=ctx.tenant, workflow=workflow, limit=limit)
    if fmt == "json" and not retry_all:
        emit_json(
            [
                {
                    "run_id": d.job.run_id,
                    "workflow": d.workflow,
                    "version": d.version,
                    "step_id": d.job.step_id,
                    "iteration": d.job.iteration,
                    "attempts": d.job.attempt,
                    "error": d.job.error,
                    "failed_at": d.failed_at,
                }
                for d in letters
            ]
        )
        return
    if not retry_all:
        table(
            None,
            ["run", "workflow", "step", "attempts", "error"],
            [
                (
                    d.job.run_id,
                    f"{d.workflow} v{d.version}",
                    d.job.step_id,
                    d.job.attempt,
                    ((d.job.error or {}).get("message") or "")[:120],
                )
                for d in letters
            ],
        )
        return
    runs_to_retry = sorted({d.job.run_id for d in letters})
    with Progress(console=out) as progress:
        task = progress.add_task("retrying", total=len(runs_to_retry))
        for run_id in runs_to_retry:
            try:
                engine.retry(run_id, tenant=ctx.tenant, actor=ctx.actor)
            except OfficeflowError as exc:
                out.print(f"[red]{run_id}[/]: {escape(exc.message)}")
            progress.advance(task)
    out.print(f"retried {len(runs_to_retry)} run(s)")

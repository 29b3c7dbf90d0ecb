"""``officeflow models retrain``, ``feedback`` and ``drift``: the loop from people's corrections back
to a model (officeflow.learning)."""

from __future__ import annotations

from typing import Any

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from officeflow.cli.common import Context, emit_json, option, out, pass_ctx, table, when
from officeflow.office import Office

_PHASES = {
    "split": "splitting the base data",
    "fit": "training the candidate",
    "evaluate production": "measuring production on the held-out part",
    "evaluate candidate": "measuring the candidate on the held-out part",
    "done": "done",
}


def _registry(office: Office) -> Any:
    return office.models


@click.command("retrain")
@click.argument("name")
@option("--seed", "seed", env="MODELS_SEED", type=int, default=None, help="split seed (default: production's)")
@option("--version", "version", env="MODELS_VERSION", default=None, help="the candidate's version (default: next)")
@option("--json", "as_json", env="MODELS_JSON", is_flag=True, help="print the comparison as one JSON object")
@pass_ctx
def retrain_command(ctx: Context, name: str, seed: int | None, version: str | None, as_json: bool) -> None:
    """Train a candidate of model NAME on its base data plus the feedback people gave, compare it
    with the production version on a held-out part, and register it as a candidate."""
    from officeflow.learning.retraining import retrain_registered

    office = ctx.office()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=out if not as_json else None,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task(f"retraining {name}", total=1.0)

        def progress(phase: str, done: float) -> None:
            bar.update(task, completed=done, description=f"{name}: {_PHASES.get(phase, phase)}")

        result = retrain_registered(
            office.store,
            _registry(office),
            ctx.tenant,
            name,
            actor=ctx.actor,
            seed=seed,
            version=version,
            progress=progress,
        )
    if as_json:
        emit_json(result.as_dict())
        return
    c = result.candidate
    out.print(
        f"registered {name} version {result.registered.version} as a candidate: trained on "
        f"{c.feedback_used} feedback examples (of {result.feedback_rows} feedback rows) and the base data, "
        f"measured on {c.test_rows} held-out examples (seed {c.seed})"
    )
    for left_out in result.skipped:
        out.print(f"left out {left_out['feedback']} ({left_out['label']!r}): {left_out['why']}")
    table(
        None,
        ["metric", f"production {result.production}", f"candidate {result.registered.version}", "better"],
        [
            [
                f"{x.metric}{' (primary)' if x.metric == c.primary else ''}",
                f"{x.production:.4f}",
                f"{x.candidate:.4f}",
                "yes" if x.improved else ("same" if x.candidate == x.production else "no"),
            ]
            for x in c.comparisons
        ],
    )
    verdict = "at least as good as" if c.better else "worse than"
    out.print(
        f"the candidate is {verdict} production on {c.primary}; try it in shadow with "
        f"`officeflow models promote {name} {result.registered.version} --stage shadow`"
    )


@click.command("feedback")
@click.argument("name")
@option("--limit", "limit", env="MODELS_LIMIT", type=int, default=50, show_default=True, help="latest rows shown")
@option("--json", "as_json", env="MODELS_JSON", is_flag=True, help="print JSON")
@pass_ctx
def feedback_command(ctx: Context, name: str, limit: int, as_json: bool) -> None:
    """People's corrections and overrides of model NAME's outputs (its labelled examples)."""
    with ctx.office().store.read() as tx:
        rows = tx.model_feedback(ctx.tenant, name)[-limit:]
    if as_json:
        emit_json(
            [
                {
                    "id": r.id,
                    "version": r.version,
                    "kind": r.kind,
                    "field": r.field,
                    "model_value": r.model_value,
                    "label": r.label,
                    "actor": r.actor,
                    "at": r.at,
                    "task_id": r.task_id,
                    "prediction_id": r.prediction_id,
                    "input": r.input,
                }
                for r in rows
            ]
        )
        return
    table(
        f"feedback on {name}",
        ["when", "version", "kind", "field", "model said", "person said", "who", "task"],
        [
            [when(r.at)[:16], r.version, r.kind, r.field, r.model_value, r.label, r.actor, (r.task_id or "")[-12:]]
            for r in rows
        ],
    )


@click.command("drift")
@click.argument("name")
@option("--measure", "measure", env="MODELS_MEASURE", is_flag=True, help="measure now (and store it) first")
@option("--json", "as_json", env="MODELS_JSON", is_flag=True, help="print JSON")
@pass_ctx
def drift_command(ctx: Context, name: str, measure: bool, as_json: bool) -> None:
    """The latest drift figures of each version of model NAME: PSI of each input feature and of
    the confidence against the training reference, and the override rate."""
    from officeflow.learning.drift import DriftMonitor, drift_settings

    office = ctx.office()
    if measure:
        DriftMonitor(office.engine, office.events, drift_settings(ctx.settings)).check(ctx.tenant, name)
    with office.store.read() as tx:
        rows = tx.latest_drift(ctx.tenant, name)
        alerts = [a for a in tx.drift_alerts(ctx.tenant, name) if a.cleared_at is None]
    if as_json:
        emit_json(
            {
                "model": name,
                "measurements": [
                    {
                        "version": r.version,
                        "measured_at": r.measured_at,
                        "window_start": r.window_start,
                        "subject": r.subject,
                        "metric": r.metric,
                        "value": r.value,
                        "severity": r.severity,
                        "rows": r.rows,
                    }
                    for r in rows
                ],
                "open_alerts": [
                    {"version": a.version, "subject": a.subject, "severity": a.severity, "value": a.value}
                    for a in alerts
                ],
            }
        )
        return
    if not rows:
        out.print(f"no drift measured for {name} yet (`officeflow models drift {name} --measure` measures now)")
        return
    table(
        f"drift of {name}",
        ["version", "measured", "subject", "metric", "value", "severity", "rows"],
        [[r.version, when(r.measured_at), r.subject, r.metric, f"{r.value:.4f}", r.severity, r.rows] for r in rows],
    )
    for a in alerts:
        out.print(f"open alert: version {a.version} {a.subject} {a.severity} ({a.value:.3f}) since {when(a.raised_at)}")

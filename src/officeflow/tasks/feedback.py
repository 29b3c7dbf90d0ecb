"""People's corrections and overrides of model outputs, kept as labelled examples of the model version.

When a task is decided, the predictions its run used (the ``model`` steps' recorded calls, shadow
calls left out; the latest call of each step) are compared with what the person did:

- **correction**: a pre-filled form field the person changed held the model's value: the field
  is the same place in the model's output (``values: steps.score.output`` pre-fills ``/label``
  from the output's ``label``), or it is the field ``feedback.field`` names as holding the model's
  label. The example's label is the person's value at that place.
- **override**: the step declares what each outcome means (``feedback.outcomes``, e.g.
  ``{approve: good, reject: bad}``) and the decision means another label than the model's.

Each becomes a row of ``of_model_feedback`` with the model, the version, the prediction, its input
and output, the model's value and the person's, who and when, and the task, written in the
transaction that records the decision (a refused decision leaves none). ``feedback.step`` limits
this to one model step. The feedback's ``field`` is a JSON pointer into the model's output:
``/label`` for a label, which is what retraining a classifier uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from officeflow.store.tx import Tx
from officeflow.store.tx_model_feedback import CORRECTION, OVERRIDE, NewFeedback
from officeflow.store.tx_models import ModelPredictionRow
from officeflow.store.tx_tasks import TaskRow

LABEL = "/label"
_MISSING = object()


def record(
    tx: Tx,
    task: TaskRow,
    *,
    outcome: str,
    corrected: Sequence[tuple[str, Any, Any]],
    actor: str,
    now: float,
) -> list[NewFeedback]:
    """Keep the feedback a decision gives on the run's model outputs; the rows written."""
    spec: dict[str, Any] = task.spec.get("feedback") or {}
    predictions = _latest_per_step(tx.predictions_of_run(task.tenant, task.run_id), spec.get("step"))
    rows: list[NewFeedback] = []
    for prediction in predictions:
        rows += _for_prediction(task, prediction, spec, outcome, corrected, actor, now)
    if rows:
        tx.add_model_feedback(rows)
        tx.add_task_event(
            task.tenant,
            task.id,
            now,
            actor,
            "model_feedback",
            {"examples": [{"model": r.model, "version": r.version, "kind": r.kind, "field": r.field} for r in rows]},
        )
    return rows


def _latest_per_step(predictions: Sequence[ModelPredictionRow], step: str | None) -> list[ModelPredictionRow]:
    latest: dict[str, ModelPredictionRow] = {}
    for p in predictions:  # oldest first: a later call of the same step (a loop, a retry) wins
        if p.output is not None and (step is None or p.step_id == step):
            latest[p.step_id] = p
    return list(latest.values())


def _for_prediction(
    task: TaskRow,
    p: ModelPredictionRow,
    spec: dict[str, Any],
    outcome: str,
    corrected: Sequence[tuple[str, Any, Any]],
    actor: str,
    now: float,
) -> list[NewFeedback]:
    label_field = spec.get("field", LABEL) if spec else None
    found: dict[str, tuple[str, Any, Any]] = {}
    for pointer, before, after in corrected:
        if label_field is not None and pointer == label_field and p.label is not None and _same(before, p.label):
            found[LABEL] = (CORRECTION, p.label, after)
        else:
            value = at_pointer(p.output, pointer)
            if value is not _MISSING and _same(before, value) and pointer not in found:
                found[pointer] = (CORRECTION, value, after)
    meant = (spec.get("outcomes") or {}).get(outcome)
    if meant is not None and LABEL not in found and p.label is not None and not _same(meant, p.label):
        found[LABEL] = (OVERRIDE, p.label, meant)
    return [
        NewFeedback(
            tenant=task.tenant,
            model=p.model,
            version=p.version,
            prediction_id=p.id,
            kind=kind,
            field=pointer,
            input=p.input,
            output=p.output,
            model_value=model_value,
            label=label,
            task_id=task.id,
            run_id=task.run_id,
            workflow=task.workflow,
            step_id=p.step_id,
            actor=actor,
            at=now,
        )
        for pointer, (kind, model_value, label) in found.items()
    ]


def _same(a: Any, b: Any) -> bool:
    """Equal, or equal as text (a label kept as text against a form's value)."""
    return bool(a == b) or (isinstance(a, str | int | bool) and isinstance(b, str | int | bool) and str(a) == str(b))


def at_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901) in ``document``, or ``_MISSING``."""
    if pointer in ("", "/"):
        return document
    value = document
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value

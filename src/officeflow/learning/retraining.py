"""Retraining a registered model on its base data plus the feedback people gave, and registering
the result as a candidate with its comparison against production.

:func:`retrain_registered` reads the production version of a model from the registry, turns the
model's stored feedback into labelled examples (:func:`feedback_examples`), trains a candidate
with :func:`officeflow.models.retrain` (the production version's seed, so its held-out part is
data production never saw; the feedback goes to the training part only), measures both on that
held-out part, and registers the candidate (stage ``candidate``) through the registry, which
records the stage change and the audit entry. The comparison travels with the version: its
artifact's config holds it (``config["comparison"]``), and the registration's reason says it in
one line. Promoting it is a separate, deliberate step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from officeflow.errors import Conflict
from officeflow.models import Artifact, Candidate, Example, InputChecker, ModelInputInvalid, ModelMetadata, retrain
from officeflow.models.retrain import Progress
from officeflow.store.tx_model_feedback import FeedbackRow
from officeflow.store.tx_models import ModelStage, ModelVersionRow

if TYPE_CHECKING:
    from officeflow.modelops.registry import ModelRegistry
    from officeflow.store.base import Store

LABEL = "/label"


class RetrainRefused(Conflict):
    """The model cannot be retrained here (no production version, or not a built-in model)."""


@dataclass(frozen=True, kw_only=True)
class Retrained:
    """A retrained candidate, registered: the comparison and the version the registry holds."""

    candidate: Candidate
    registered: ModelVersionRow
    production: str
    feedback_rows: int
    """Feedback rows the model has; those that label its output (``/label``) are used."""
    skipped: tuple[dict[str, Any], ...] = ()
    """Feedback examples left out, each with its feedback id, label and why (not an input the
    version takes, or not one of its labels)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.candidate.as_dict(),
            "model": self.registered.name,
            "version": self.registered.version,
            "stage": self.registered.stage.value,
            "production_version": self.production,
            "feedback_rows": self.feedback_rows,
            "feedback_skipped": list(self.skipped),
        }


def feedback_examples(rows: Sequence[FeedbackRow]) -> list[Example]:
    """Labelled examples from feedback on a model's label: one per prediction (its latest feedback),
    one per row for feedback not tied to a prediction."""
    latest: dict[str, FeedbackRow] = {}
    for row in rows:  # oldest first
        if row.field == LABEL and isinstance(row.input, dict) and row.label is not None:
            latest[row.prediction_id or f"feedback:{row.id}"] = row
    return [Example(input=r.input, label=r.label, source=f"feedback:{r.id}") for r in latest.values()]


def usable(examples: Sequence[Example], metadata: ModelMetadata) -> tuple[list[Example], list[dict[str, Any]]]:
    """The examples a version can learn from, and those it cannot, each with why: an input its
    schema refuses, or a label it does not know (a person's typing, say)."""
    checker = InputChecker(metadata.input_schema)
    kept: list[Example] = []
    skipped: list[dict[str, Any]] = []
    for example in examples:
        why = None
        if metadata.labels and str(example.label) not in metadata.labels:
            why = f"label {example.label!r} is not one of {', '.join(metadata.labels)}"
        else:
            try:
                checker.check([example.input])
            except ModelInputInvalid as exc:
                first = exc.problems[0]
                why = f"input {(first.pointer or '').removeprefix('/0') or '/'}: {first.message}"
        if why is None:
            kept.append(example)
        else:
            skipped.append({"feedback": example.source, "label": example.label, "why": why})
    return kept, skipped


def next_version(existing: Sequence[str]) -> str:
    """One past the highest numbered version (``1``, ``2`` ... ``3``); ``<first>.<n>`` if none is a number."""
    numbers = [int(v) for v in existing if re.fullmatch(r"\d+", v)]
    if numbers:
        return str(max(numbers) + 1)
    taken = set(existing)
    base = existing[0] if existing else "1"
    n = 1
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def retrain_registered(
    store: Store,
    registry: ModelRegistry,
    tenant: str,
    name: str,
    *,
    actor: str,
    seed: int | None = None,
    version: str | None = None,
    progress: Progress | None = None,
) -> Retrained:
    """Retrain model ``name`` of ``tenant`` on base data plus its feedback and register the candidate."""
    versions = registry.versions(tenant, name)
    production = next((v for v in versions if v.stage is ModelStage.PRODUCTION), None)
    if production is None:
        raise RetrainRefused(f"model {name} has no production version to retrain and compare with")
    artifact = registry.artifact(tenant, production)
    builtin = artifact.config.get("builtin")
    if not isinstance(builtin, str):
        raise RetrainRefused(
            f"model {name} version {production.version} is not a built-in model: officeflow retrains built-in "
            "models; train this one yourself and register the result"
        )
    with store.read() as tx:
        rows = tx.model_feedback(tenant, name)
    examples, skipped = usable(feedback_examples(rows), artifact.metadata)
    new_version = version or next_version([v.version for v in versions])
    candidate = retrain(
        builtin, feedback_examples=examples, seed=seed, production=artifact, version=new_version, progress=progress
    )
    registered_artifact = Artifact(
        metadata=replace(candidate.artifact.metadata, name=name, version=new_version, owner=production.owner),
        config={
            **candidate.artifact.config,
            "retrained_from": production.version,
            "comparison": candidate.as_dict(),
        },
        files=candidate.artifact.files,
    )
    primary = candidate.comparison(candidate.primary)
    reason = (
        f"retrained on {len(examples)} feedback examples; {primary.metric} {primary.production:.4f} (production "
        f"{production.version}) -> {primary.candidate:.4f} on {candidate.test_rows} held-out examples"
    )
    registered = registry.register(tenant, registered_artifact, actor=actor, stage=ModelStage.CANDIDATE, reason=reason)
    return Retrained(
        candidate=replace(candidate, artifact=registered_artifact),
        registered=registered,
        production=production.version,
        feedback_rows=len(rows),
        skipped=tuple(skipped),
    )

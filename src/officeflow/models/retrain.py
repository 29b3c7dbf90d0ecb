"""Retraining a built-in model on its base data plus people's corrections, and comparing it with production.

``retrain`` splits the base data with the seed the production version was trained with (so its
test part is data production never saw), adds the feedback examples to the training part only,
fits a candidate, and measures the candidate and production on the same test part with the same
metrics. It returns a ``Candidate``: the artifact and the comparison. Registering it, shadowing
it and promoting it are the registry's business. ``progress`` is called with a phase name and
the share done (for a progress bar).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from officeflow.errors import Problem
from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Example, Splits
from officeflow.models.builtin.registry import builtin
from officeflow.models.errors import ModelInputInvalid
from officeflow.models.inputs import InputChecker

Progress = Callable[[str, float], None]

LOWER_IS_BETTER = ("brier", "ece", "delay", "alone_error", "set_size")
PRIMARY = {"credit-risk": "auc", "expense-anomaly": "any_auc", "sensor-anomaly": "generated_f1"}


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """One metric for production and the candidate on the same held-out examples."""

    metric: str
    production: float
    candidate: float
    higher_is_better: bool

    @property
    def improved(self) -> bool:
        if self.higher_is_better:
            return self.candidate > self.production
        return self.candidate < self.production

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "production": self.production,
            "candidate": self.candidate,
            "higher_is_better": self.higher_is_better,
            "improved": self.improved,
        }


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A retrained version and how it compares with production."""

    name: str
    seed: int
    artifact: Artifact
    primary: str
    comparisons: tuple[Comparison, ...]
    feedback_used: int
    test_rows: int

    def comparison(self, metric: str) -> Comparison:
        return next(c for c in self.comparisons if c.metric == metric)

    @property
    def better(self) -> bool:
        """The candidate is at least as good as production on the primary metric."""
        c = self.comparison(self.primary)
        return c.candidate >= c.production if c.higher_is_better else c.candidate <= c.production

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "seed": self.seed,
            "version": self.artifact.metadata.version,
            "primary": self.primary,
            "better": self.better,
            "feedback_used": self.feedback_used,
            "test_rows": self.test_rows,
            "comparisons": [c.as_dict() for c in self.comparisons],
        }


def retrain(
    name: str,
    base_data: Sequence[Example] | None = None,
    feedback_examples: Sequence[Example] = (),
    seed: int | None = None,
    *,
    production: Artifact | None = None,
    version: str = "candidate",
    progress: Progress | None = None,
) -> Candidate:
    """Train a candidate of built-in ``name`` on base data plus feedback and compare it with production.

    ``base_data`` defaults to the model's own base data, ``production`` to its committed artifact,
    ``seed`` to the seed production was trained with. A version a user trained (a label set) has
    no committed artifact: pass it as ``production`` (its ``config["builtin"]`` names its kind,
    and its trainer takes its base examples from it).
    """
    kind = production.config.get("builtin", name) if production is not None else name
    spec = builtin(str(kind))
    report = progress or (lambda phase, done: None)
    production = production or spec.artifact()
    trainer = spec.trainer(production)
    if seed is None:
        seed = int(production.config.get("seed", 0))
    if trainer.examples_are_inputs:
        _check_feedback(production, feedback_examples)
    report("split", 0.0)
    splits = trainer.split(list(base_data) if base_data is not None else trainer.base_examples(), seed)
    train = Splits(
        train=splits.train + list(feedback_examples),
        calibration=splits.calibration,
        conformal=splits.conformal,
        test=splits.test,
    )
    report("fit", 0.1)
    artifact = trainer.fit(train, seed, version)
    report("evaluate production", 0.6)
    before = trainer.evaluate(trainer.load(production), splits.test)
    report("evaluate candidate", 0.8)
    after = trainer.evaluate(trainer.load(artifact), splits.test)
    artifact = Artifact(
        metadata=replace(artifact.metadata, metrics={k: round(v, 6) for k, v in after.items()}),
        config={**artifact.config, "feedback_examples": len(feedback_examples)},
        files=artifact.files,
    )
    comparisons = tuple(
        Comparison(
            metric=metric,
            production=float(before[metric]),
            candidate=float(after[metric]),
            higher_is_better=not any(word in metric for word in LOWER_IS_BETTER),
        )
        for metric in after
        if metric in before and not metric.endswith(("_support", "_incidents", "_detected", "_alarms"))
    )
    report("done", 1.0)
    return Candidate(
        name=name,
        seed=seed,
        artifact=artifact,
        primary=PRIMARY.get(name, comparisons[0].metric),
        comparisons=comparisons,
        feedback_used=len(feedback_examples),
        test_rows=len(splits.test),
    )


def _check_feedback(production: Artifact, feedback: Sequence[Example]) -> None:
    meta = production.metadata
    checker = InputChecker(meta.input_schema)
    problems: list[Problem] = []
    for index, example in enumerate(feedback):
        try:
            checker.check([example.input])
        except ModelInputInvalid as exc:
            problems += [replace(p, pointer=f"/feedback/{index}/input{(p.pointer or '')[2:]}") for p in exc.problems]
        if meta.labels and isinstance(example.label, str) and example.label not in meta.labels:
            problems.append(
                Problem(
                    message=f"label {example.label!r} is not one of the model's labels",
                    pointer=f"/feedback/{index}/label",
                    expected=", ".join(meta.labels),
                )
            )
    if problems:
        raise ModelInputInvalid(problems, f"feedback for model {meta.name} is not valid")

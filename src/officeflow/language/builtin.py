"""Ticket triage and e-mail intent as built-in models of the model layer (``officeflow.models.BUILTINS``).

Each ships as an artifact folder in ``data/models/<name>/``: ``model.json`` (metadata: input and
output schemas, labels, the figures of its evaluation report, the digest of its training rows,
the confidence reference drift is measured against; config: ``builtin``, ``seed``) and
``classifier.skops`` (the heads). ``BuiltinTextModel(artifact)`` runs any version of them (the
committed one, or one a registry keeps); ``SpecTrainer`` is how ``officeflow.models.retrain``
fits a candidate on the generated base data plus people's corrections.

A correction's label is the main field's label (``"network"``: the category, or the intent) or
an object naming some fields (``{"category": "network", "priority": "high"}``); each head trains
on the rows that label its field.

Every model loaded here shares one process-wide embedder (``shared_embedder``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from officeflow.errors import Problem
from officeflow.language.adapter import INPUT_SCHEMAS, LanguageModel, output_schema
from officeflow.language.catalog import LanguageModels
from officeflow.language.classifier import TextClassifier
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import LanguageArtifactInvalid
from officeflow.language.evaluation import Evaluation, evaluate
from officeflow.language.training import (
    CLASSIFIER_FILE,
    SPECS,
    ModelSpec,
    Trained,
    artifact_folder,
    fit_classifier,
)
from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Example, Splits
from officeflow.models.drift import build_reference
from officeflow.models.errors import ModelArtifactInvalid, ModelInputInvalid
from officeflow.models.metadata import Flavour, ModelMetadata, TrainingReference, data_digest
from officeflow.models.prediction import Prediction

_SHARED = LanguageModels()


def shared_embedder() -> SentenceEmbedder:
    """The process's one embedder for language models loaded through the model layer (built on first use)."""
    return _SHARED.embedder


def classifier_of(artifact: Artifact, embedder: SentenceEmbedder | None = None) -> TextClassifier:
    """The heads an artifact holds (``ModelArtifactInvalid`` if they are missing, mangled or untrusted)."""
    meta = artifact.metadata
    source = f"model {meta.name} {meta.version}: {CLASSIFIER_FILE}"
    try:
        return TextClassifier.from_bytes(artifact.file(CLASSIFIER_FILE), embedder or shared_embedder(), source)
    except LanguageArtifactInvalid as exc:
        raise ModelArtifactInvalid(exc.message) from None


class BuiltinTextModel:
    """A version of a language model (built-in or a user's label set) as an ``officeflow.models.Model``:
    its predictions' ``output`` is the classifier's result (``category``, ``priority``, their
    confidences, ``alternatives``, ``prediction_sets``...), its metadata the artifact's."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.classifier = classifier_of(artifact)
        self._model = LanguageModel(self.classifier, artifact.metadata.version, artifact.metadata)

    @property
    def metadata(self) -> ModelMetadata:
        return self._model.metadata

    def predict(self, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        return self._model.predict(items)


def rows_of(spec_heads: Mapping[str, Sequence[str]], examples: Sequence[Example]) -> list[dict[str, Any]]:
    """Examples as training rows (the item's fields and its labels); ``ModelInputInvalid`` names
    every example whose label is not a label of the model."""
    main = next(iter(spec_heads))
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, example in enumerate(examples):
        labels = {main: example.label} if isinstance(example.label, str) else example.label
        if not isinstance(labels, Mapping) or not labels:
            problems.append(
                Problem(
                    message=f"label {example.label!r} is neither a label nor an object of labels",
                    pointer=f"/examples/{index}/label",
                    expected=f"one of {', '.join(spec_heads[main])}, or an object naming {', '.join(spec_heads)}",
                )
            )
            continue
        for field, label in labels.items():
            if field not in spec_heads or label not in spec_heads[field]:
                known = ", ".join(spec_heads[field]) if field in spec_heads else ", ".join(spec_heads)
                problems.append(
                    Problem(
                        message=f"{field}: {label!r} is not a label of the model",
                        pointer=f"/examples/{index}/label/{field}",
                        expected=known,
                    )
                )
        item = {k: v for k, v in example.input.items() if k not in spec_heads}
        rows.append({**item, **{str(k): v for k, v in labels.items()}})
    if problems:
        raise ModelInputInvalid(problems, "labelled examples are not valid")
    return rows


def field_metrics(
    classifier: TextClassifier, heads: Mapping[str, Sequence[str]], rows: Sequence[Mapping[str, Any]]
) -> dict[str, float]:
    """Accuracy and expected calibration error per field, on the rows that label it (the main field first)."""
    items = [{k: v for k, v in row.items() if k not in heads} for row in rows]
    probabilities = classifier.probabilities(items) if items else {}
    out: dict[str, float] = {}
    for field, labels in heads.items():
        known = [i for i, row in enumerate(rows) if field in row]
        if not known or field not in probabilities:
            continue
        y = np.array([labels.index(rows[i][field]) for i in known], dtype=np.int64)
        figures: Evaluation = evaluate(tuple(labels), y, probabilities[field][known], None)
        out[f"{field}_accuracy"] = figures.accuracy
        out[f"{field}_ece"] = figures.ece
    return out


class SpecTrainer:
    """Trains a built-in language model for ``officeflow.models.retrain`` (the ``Trainer`` protocol)."""

    examples_are_inputs = True
    base_seed = 7
    """The generator's seed for the base data (the committed versions were trained on it)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.name = spec.name

    def base_examples(self) -> list[Example]:
        heads = self.spec.heads
        return [
            Example(input={k: v for k, v in row.items() if k not in heads}, label={f: row[f] for f in heads})
            for row in self.spec.generate(self.spec.count, self.base_seed)
        ]

    def split(self, examples: Sequence[Example], seed: int) -> Splits:
        """70 / 15 / 15 by a seeded permutation: train, calibrate (temperature and conformal threshold), test."""
        order = np.random.default_rng(seed).permutation(len(examples))
        a, b = int(len(examples) * 0.7), int(len(examples) * 0.85)
        pick = [examples[int(i)] for i in order]
        return Splits(train=pick[:a], calibration=pick[a:b], conformal=[], test=pick[b:])

    def fit(self, splits: Splits, seed: int, version: str) -> Artifact:
        heads = self.spec.heads
        parts = (
            rows_of(heads, splits.train),
            rows_of(heads, [*splits.calibration, *splits.conformal]),
            rows_of(heads, splits.test),
        )
        classifier, _ = fit_classifier(self.spec, parts, seed, shared_embedder())
        metrics = field_metrics(classifier, heads, parts[2])
        confidence = _confidence(classifier, parts[1])
        return artifact_of(
            self.spec,
            classifier,
            version=version,
            seed=seed,
            metrics=metrics,
            digest=data_digest(parts[0]),
            confidence=confidence,
        )

    def load(self, artifact: Artifact) -> BuiltinTextModel:
        return BuiltinTextModel(artifact)

    def evaluate(self, model: Any, examples: Sequence[Example]) -> dict[str, float]:
        classifier = model.classifier if isinstance(model, BuiltinTextModel) else classifier_of(model)
        return field_metrics(classifier, self.spec.heads, rows_of(self.spec.heads, examples))


class TicketTriageTrainer(SpecTrainer):
    def __init__(self) -> None:
        super().__init__(SPECS["ticket-triage"])


class EmailIntentTrainer(SpecTrainer):
    def __init__(self) -> None:
        super().__init__(SPECS["email-intent"])


def _confidence(classifier: TextClassifier, rows: Sequence[Mapping[str, Any]]) -> list[float]:
    if not rows:
        return []
    main = classifier.fields[0]
    items = [{k: v for k, v in row.items() if k not in classifier.heads} for row in rows]
    return [float(c) for c in classifier.probabilities(items)[main].max(axis=1)]


def artifact_of(
    spec: ModelSpec,
    classifier: TextClassifier,
    *,
    version: str,
    seed: int,
    metrics: Mapping[str, float],
    digest: str,
    confidence: Iterable[float],
) -> Artifact:
    """A built-in language model's artifact: ``model.json`` and ``classifier.skops``."""
    main = classifier.fields[0]
    metadata = ModelMetadata(
        name=spec.name,
        version=version,
        flavour=Flavour.PYTHON,
        description=f"{spec.title}. Sentence embeddings ({classifier.embedder.model_id}) with calibrated, "
        f"conformalised heads ({', '.join(classifier.fields)}); report: docs/reports/{spec.name}.md",
        owner="officeflow",
        input_schema=INPUT_SCHEMAS[spec.input_kind],
        output_schema=output_schema(classifier),
        metrics={k: round(float(v), 6) for k, v in metrics.items()},
        training_data_digest=digest,
        labels=classifier.heads[main].labels,
        reference=_reference(list(confidence)),
    )
    return Artifact(
        metadata=metadata,
        config={"builtin": spec.name, "seed": seed, "classifier": CLASSIFIER_FILE, "input_kind": spec.input_kind},
        files={CLASSIFIER_FILE: classifier.to_bytes()},
    )


def _reference(confidence: list[float]) -> TrainingReference | None:
    """The confidence's distribution on the calibration part (text has no per-field distribution to keep)."""
    if not confidence:
        return None
    return replace(build_reference([], {}, confidence), rows=len(confidence))


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).replace("hand_written_", "").strip("_")


def report_metrics(trained: Trained) -> dict[str, float]:
    """The report's figures as metrics: ``<field>_accuracy_<set>`` and ``<field>_ece_<set>`` for the
    generated test split (``generated``) and each hand-written set (``holdout_1``, ``development_set``...)."""
    out: dict[str, float] = {}
    sets: list[tuple[str, Mapping[str, Evaluation]]] = [("generated", trained.generated)]
    sets += [(_slug(held.title), held.figures) for held in trained.held_out]
    for name, figures in sets:
        for field, ev in figures.items():
            out[f"{field}_accuracy_{name}"] = ev.accuracy
            out[f"{field}_ece_{name}"] = ev.ece
    return out


def save_artifact(trained: Trained, spec: ModelSpec, seed: int, folder: Path | None = None) -> Artifact:
    """Write a trained built-in's artifact folder (default: inside the package) and return it."""
    artifact = artifact_of(
        spec,
        trained.classifier,
        version="1",
        seed=seed,
        metrics=report_metrics(trained),
        digest=trained.training_digest,
        confidence=trained.calibration_confidence,
    )
    artifact.write(folder or artifact_folder(spec.name))
    return artifact

"""User-defined label sets as model versions: a handful of examples per label trains a calibrated head.

``train_label_set(name, examples)`` checks the examples (at least ``MIN_LABELS`` labels, at least
``MIN_PER_LABEL`` examples each, every item readable), splits them by a seed, stratified by
label (a fifth to test, at least one example of every label; the rest to train), fits a head on
the sentence embedding and character n-grams, calibrates it on out-of-fold predictions of the
training part, measures it on the test part, and returns an ``Artifact``:

    model.json        metadata (labels, schemas, the test figures, the examples' digest) and
                      config {"builtin": "label-set", "seed", "input_kind"}
    classifier.skops  the head
    examples.jsonl    the examples it was trained and tested on (what retraining starts from)

Any registry that keeps artifacts keeps a label set; ``officeflow.models.load_model`` runs it
(flavour ``python``, built-in kind ``label-set``) and ``officeflow.models.retrain`` retrains it:
``LabelSetTrainer(production)`` takes the base examples from the production version's
``examples.jsonl`` and splits them with its seed, so production and candidate are compared on the
same test examples, which neither trained on; corrections are added to the training part.

``read_examples(path)`` reads examples from JSON lines (``{"text": ..., "label": ...}``, or an
e-mail's or ticket's fields beside ``label``) or CSV with a ``text`` and a ``label`` column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from officeflow.errors import Problem
from officeflow.language.adapter import INPUT_SCHEMAS, output_schema
from officeflow.language.builtin import BuiltinTextModel, classifier_of, field_metrics, shared_embedder
from officeflow.language.classifier import READERS, TextClassifier
from officeflow.language.custom import check_examples, train_head
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import ExamplesInvalid, TextInputInvalid
from officeflow.language.texts import read_items
from officeflow.language.training import CLASSIFIER_FILE
from officeflow.models.artifact import Artifact
from officeflow.models.builtin.common import Example, Splits, split_indices
from officeflow.models.drift import build_reference
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.metadata import Flavour, ModelMetadata, TrainingReference, data_digest

KIND = "label-set"
MIN_PER_LABEL = 3
"""Two to train (calibrated on two folds) and one to test; five to ten per label work better."""
MIN_LABELS = 2
TEST_SHARE = 0.2
EXAMPLES_FILE = "examples.jsonl"
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def _check_name(name: str) -> None:
    if not name or not set(name) <= NAME_CHARACTERS or name[0] in "-_.":
        raise ExamplesInvalid(
            [
                Problem(
                    message=f"the name {name!r} is not a model name",
                    pointer="/name",
                    expected="lower-case letters, digits, '-', '_' and '.', starting with a letter or digit",
                )
            ]
        )


def _split(examples: Sequence[Example], seed: int) -> Splits:
    """Base examples stratified by label: a fifth to test, the rest to train; corrections (any other
    source) always train, so every version of a label set is tested on the same base examples."""
    base = [e for e in examples if e.source == "base"]
    train, _, _, test = split_indices([str(e.label) for e in base], seed, (1 - TEST_SHARE, 0.0, 0.0, TEST_SHARE))
    corrections = [e for e in examples if e.source != "base"]
    return Splits(
        train=[base[i] for i in sorted(train)] + corrections,
        calibration=[],
        conformal=[],
        test=[base[i] for i in sorted(test)],
    )


def _texts_and_labels(examples: Sequence[Example]) -> tuple[list[Mapping[str, Any]], list[str]]:
    return [e.input for e in examples], [e.label if isinstance(e.label, str) else "" for e in examples]


def _fit(
    name: str,
    splits: Splits,
    *,
    seed: int,
    input_kind: str,
    version: str,
    base: Sequence[Example],
    embedder: SentenceEmbedder,
) -> Artifact:
    items, labels = _texts_and_labels(splits.train)
    classifier = train_head(items, labels, seed, name=name, input_kind=input_kind, embedder=embedder)
    heads = {"label": classifier.heads["label"].labels}
    test_rows = [{**e.input, "label": e.label} for e in splits.test if e.label in heads["label"]]
    metrics = field_metrics(classifier, heads, test_rows)
    metrics = {**metrics, "test_examples": float(len(test_rows)), "train_examples": float(len(splits.train))}
    confidence = [float(c) for c in classifier.probabilities(items)["label"].max(axis=1)]
    metadata = ModelMetadata(
        name=name,
        version=version,
        flavour=Flavour.PYTHON,
        description=f"User label set ({', '.join(heads['label'])}): a head on sentence embeddings "
        f"({embedder.model_id}), trained on {len(splits.train)} examples, tested on {len(test_rows)}",
        input_schema=INPUT_SCHEMAS[input_kind],
        output_schema=output_schema(classifier),
        metrics={k: round(float(v), 6) for k, v in metrics.items()},
        training_data_digest=data_digest([dict(e.input), e.label] for e in splits.train),
        labels=heads["label"],
        reference=_reference(confidence),
    )
    lines = "".join(
        json.dumps({"input": dict(e.input), "label": e.label, "source": e.source}, ensure_ascii=False) + "\n"
        for e in base
    )
    return Artifact(
        metadata=metadata,
        config={"builtin": KIND, "seed": seed, "input_kind": input_kind, "classifier": CLASSIFIER_FILE},
        files={CLASSIFIER_FILE: classifier.to_bytes(), EXAMPLES_FILE: lines.encode()},
    )


def _reference(confidence: list[float]) -> TrainingReference:
    return replace(build_reference([], {}, confidence), rows=len(confidence))


def train_label_set(
    name: str,
    examples: Sequence[Example],
    *,
    seed: int = 0,
    input_kind: str = "text",
    version: str = "1",
    embedder: SentenceEmbedder | None = None,
) -> Artifact:
    """A label set's first version (see the module docstring); ``ExamplesInvalid`` lists every problem."""
    _check_name(name)
    if input_kind not in READERS:
        raise ExamplesInvalid(
            [Problem(message=f"unknown input kind {input_kind!r}", pointer="/input_kind", expected=", ".join(READERS))]
        )
    check_examples([e.input for e in examples], [e.label for e in examples], MIN_PER_LABEL)
    try:
        read_items([e.input for e in examples], READERS[input_kind])
    except TextInputInvalid as exc:
        raise ExamplesInvalid(
            [replace(p, pointer="/examples" + (p.pointer or "")) for p in exc.problems], "the examples are not valid"
        ) from None
    if len({str(e.label).strip() for e in examples}) < MIN_LABELS:
        raise ExamplesInvalid([Problem(message="only one label", expected=f"at least {MIN_LABELS} labels")])
    examples = [Example(input=e.input, label=str(e.label).strip(), source=e.source) for e in examples]
    return _fit(
        name,
        _split(examples, seed),
        seed=seed,
        input_kind=input_kind,
        version=version,
        base=examples,
        embedder=embedder or shared_embedder(),
    )


def examples_of(artifact: Artifact) -> list[Example]:
    """The examples a label set's version was trained and tested on."""
    meta = artifact.metadata
    try:
        text = artifact.file(EXAMPLES_FILE).decode("utf-8")
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [Example(input=dict(r["input"]), label=str(r["label"]), source=str(r["source"])) for r in rows]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelArtifactInvalid(f"model {meta.name} {meta.version}: {EXAMPLES_FILE} is not valid: {exc!r}") from None


class LabelSetTrainer:
    """Retrains a label set for ``officeflow.models.retrain`` (the ``Trainer`` protocol), bound to
    the production version whose examples, name and input kind it keeps."""

    examples_are_inputs = True

    def __init__(self, production: Artifact | None = None) -> None:
        if production is None:
            raise ModelArtifactInvalid(
                "a label set has no committed version: retrain one from its production version "
                "(officeflow.models.retrain(name, production=artifact))"
            )
        self.production = production
        self.name = production.metadata.name
        self.input_kind = str(production.config.get("input_kind", "text"))

    def base_examples(self) -> list[Example]:
        return examples_of(self.production)

    def split(self, examples: Sequence[Example], seed: int) -> Splits:
        return _split(examples, seed)

    def fit(self, splits: Splits, seed: int, version: str) -> Artifact:
        base = examples_of(self.production)
        fed = [e for e in splits.train if e.source != "base"]
        return _fit(
            self.name,
            splits,
            seed=seed,
            input_kind=self.input_kind,
            version=version,
            base=[*base, *fed],
            embedder=shared_embedder(),
        )

    def load(self, artifact: Artifact) -> BuiltinTextModel:
        return BuiltinTextModel(artifact)

    def evaluate(self, model: Any, examples: Sequence[Example]) -> dict[str, float]:
        classifier: TextClassifier = model.classifier if isinstance(model, BuiltinTextModel) else classifier_of(model)
        labels = classifier.heads["label"].labels
        rows = [{**e.input, "label": e.label} for e in examples if e.label in labels]
        return field_metrics(classifier, {"label": labels}, rows)


def read_examples(path: Path) -> list[Example]:
    """Labelled examples from JSON lines or CSV (by the file's suffix: ``.csv``, else JSON lines);
    ``ExamplesInvalid`` naming the file and line of every bad one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExamplesInvalid([Problem(message=f"cannot read the file: {exc}", file=str(path))]) from None
    if path.suffix.lower() == ".csv":
        return _csv_examples(text, path)
    return _jsonl_examples(text, path)


def parse_labelled_lines(text: str, source: str = "examples") -> list[Example]:
    """Examples typed one per line as ``label: text`` (blank lines skipped); ``ExamplesInvalid``
    naming the line of every one without a label or a text."""
    examples: list[Example] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, colon, words = line.partition(":")
        if not colon or not label.strip() or not words.strip():
            problems.append(
                Problem(
                    message=f"{line.strip()[:60]!r} has no label or no text",
                    file=source,
                    line=number,
                    expected="label: text",
                )
            )
            continue
        examples.append(Example(input={"text": words.strip()}, label=label.strip()))
    if problems:
        raise ExamplesInvalid(problems)
    if not examples:
        raise ExamplesInvalid([Problem(message="no examples", file=source, expected="one 'label: text' per line")])
    return examples


def _jsonl_examples(text: str, path: Path) -> list[Example]:
    examples: list[Example] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    message=f"not JSON: {exc.msg}",
                    file=str(path),
                    line=number,
                    column=exc.colno,
                    expected='one JSON object per line, {"text": ..., "label": ...}',
                )
            )
            continue
        _add(row, path, number, examples, problems)
    return _done(examples, problems, path)


def _csv_examples(text: str, path: Path) -> list[Example]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "text" not in columns or "label" not in columns:
        raise ExamplesInvalid(
            [
                Problem(
                    message=f"the header names {columns or 'no columns'}",
                    file=str(path),
                    line=1,
                    expected="a header with a 'text' and a 'label' column",
                )
            ]
        )
    examples: list[Example] = []
    problems: list[Problem] = []
    for row in reader:
        clean = {str(k).strip(): v for k, v in row.items() if k is not None}
        _add({"text": clean.get("text"), "label": clean.get("label")}, path, reader.line_num, examples, problems)
    return _done(examples, problems, path)


def _add(row: Any, path: Path, number: int, examples: list[Example], problems: list[Problem]) -> None:
    if not isinstance(row, dict):
        problems.append(
            Problem(
                message=f"a JSON {type(row).__name__}", file=str(path), line=number, expected="an object with a label"
            )
        )
        return
    label = row.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(
            Problem(
                message=f"label: {label!r} is not a label", file=str(path), line=number, expected="a non-empty string"
            )
        )
        return
    item = {k: v for k, v in row.items() if k != "label"}
    if isinstance(item.get("text"), str) and not item["text"].strip():
        problems.append(Problem(message="text: empty", file=str(path), line=number, expected="some words"))
        return
    examples.append(Example(input=item, label=label.strip()))


def _done(examples: list[Example], problems: list[Problem], path: Path) -> list[Example]:
    if problems:
        raise ExamplesInvalid(problems)
    if not examples:
        raise ExamplesInvalid([Problem(message="no examples", file=str(path), expected="one example per line")])
    return examples


def majority_share(examples: Sequence[Example]) -> float:
    """The share of the most common label: what always answering it would score."""
    counts = np.unique([str(e.label) for e in examples], return_counts=True)[1]
    return float(counts.max() / counts.sum())

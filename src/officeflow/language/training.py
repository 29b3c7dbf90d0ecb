"""Training the built-in language models: generate, split, embed once, fit each head, calibrate,
conformalise, evaluate on the generated test split and on the hand-written holdout, save, report.

The generated items are split 70 / 15 / 15 (train / calibration / test) by a seeded permutation.
The heads are fitted on the training part; the temperature and the conformal threshold on the
calibration part; the figures come from the test part and from the holdout
(``data/holdout/*.jsonl``), which is read only here, after the heads are final.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from officeflow.language.classifier import READERS, TextClassifier
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.evaluation import Evaluation, evaluate
from officeflow.language.features import FeatureBuilder, FeatureConfig
from officeflow.language.generate import CATEGORIES, INTENTS, PRIORITIES, generate_emails, generate_tickets
from officeflow.language.head import TextHead, fit_head
from officeflow.language.report import ReportInput, render

CLASSIFIER_TOKENS = 128
ALPHA = 0.1


def _tickets(count: int, seed: int) -> list[dict[str, Any]]:
    return [t.as_dict() for t in generate_tickets(count, seed)]


def _emails(count: int, seed: int) -> list[dict[str, Any]]:
    return [e.as_dict() for e in generate_emails(count, seed)]


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """A built-in model: what it reads, which heads it has, where its data comes from."""

    name: str
    title: str
    input_kind: str
    heads: Mapping[str, tuple[str, ...]]
    generate: Callable[[int, int], list[dict[str, Any]]]
    generator: str
    holdout: str
    count: int
    c: float
    features: FeatureConfig
    notes: tuple[str, ...] = ()


SPECS: dict[str, ModelSpec] = {
    "ticket-triage": ModelSpec(
        name="ticket-triage",
        title="IT ticket triage: category and priority",
        input_kind="ticket",
        heads={"category": CATEGORIES, "priority": PRIORITIES},
        generate=_tickets,
        generator="officeflow.language.generate.tickets",
        holdout="tickets.jsonl",
        count=6000,
        c=4.0,
        features=FeatureConfig(char_ngrams=True, ngram_weight=0.8),
        notes=(
            "Hashed words and word pairs beside the character n-grams raised priority on the generated test "
            "split (79.3% against 77.2%) but lowered it on the hand-written holdout (66.1% against 69.4%; "
            "category 94.4% against 93.9%): they learn the generator's phrasing. They were dropped after that "
            "holdout figure was seen, so the priority figure below is not a holdout figure untouched by choices; "
            "it is the only such choice made.",
            "Priority errors are mostly between neighbours (medium and high): the generator calls a tool that is "
            "broken for one person 'high' unless a workaround is stated, where people often say 'medium'.",
        ),
    ),
    "email-intent": ModelSpec(
        name="email-intent",
        title="E-mail intent",
        input_kind="email",
        heads={"intent": INTENTS},
        generate=_emails,
        generator="officeflow.language.generate.emails",
        holdout="emails.jsonl",
        count=2500,
        c=4.0,
        features=FeatureConfig(char_ngrams=True, ngram_weight=0.8),
    ),
}


def artifact_path(name: str) -> Path:
    """Where a built-in model's artifact ships, inside the package."""
    return Path(str(resources.files("officeflow.language") / "data" / "models" / f"{name}.skops"))


def load_holdout(spec: ModelSpec) -> list[dict[str, Any]]:
    text = (resources.files("officeflow.language") / "data" / "holdout" / spec.holdout).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    a, b = int(n * 0.7), int(n * 0.85)
    return order[:a], order[a:b], order[b:]


@dataclass(frozen=True, kw_only=True)
class Trained:
    classifier: TextClassifier
    generated: dict[str, Evaluation]
    holdout: dict[str, Evaluation]
    report: str


def train(spec: ModelSpec, seed: int, *, embedder: SentenceEmbedder, command: str, count: int | None = None) -> Trained:
    """Train, evaluate and describe one built-in model (nothing written: see ``save``)."""
    started = time.perf_counter()
    rows = spec.generate(count or spec.count, seed)
    reader = READERS[spec.input_kind]
    texts = [reader(row, i, []) for i, row in enumerate(rows)]
    train_idx, cal_idx, test_idx = _split(len(rows), seed)
    generated_at = time.perf_counter()
    embeddings = embedder.embed(texts)
    embedded_at = time.perf_counter()
    features = FeatureBuilder(spec.features).build(texts, embeddings)
    heads: dict[str, TextHead] = {}
    generated: dict[str, Evaluation] = {}
    for field, labels in spec.heads.items():
        y = np.array([labels.index(row[field]) for row in rows], dtype=np.int64)
        head = fit_head(
            features[train_idx],
            y[train_idx],
            labels,
            config=spec.features,
            c=spec.c,
            seed=seed,
            calibration=(features[cal_idx], y[cal_idx]),
            alpha=ALPHA,
        )
        heads[field] = head
        generated[field] = evaluate(labels, y[test_idx], head.probabilities(features[test_idx]), head.conformal)
    fitted_at = time.perf_counter()
    classifier = TextClassifier(
        name=spec.name,
        input_kind=spec.input_kind,
        heads=heads,
        embedder=embedder,
        metadata={
            "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
            "seed": seed,
            "rows": len(rows),
            "embedding": embedder.model_id,
            "max_tokens": embedder.max_tokens,
            "alpha": ALPHA,
            "generated_accuracy": {f: e.accuracy for f, e in generated.items()},
        },
    )
    holdout, misses = _holdout(spec, classifier)
    timings = {
        "generate": generated_at - started,
        f"embed {len(texts)} texts": embedded_at - generated_at,
        "fit and calibrate": fitted_at - embedded_at,
    }
    report = render(
        ReportInput(
            name=spec.name,
            title=spec.title,
            command=command,
            date=str(classifier.metadata["trained"]),
            data=_data_lines(spec, rows, seed, len(train_idx), len(cal_idx), len(test_idx)),
            method=_method_lines(spec, embedder),
            generated=generated,
            holdout=holdout,
            holdout_misses=misses,
            timings=timings,
            notes=spec.notes,
        )
    )
    return Trained(classifier=classifier, generated=generated, holdout=holdout, report=report)


def _holdout(spec: ModelSpec, classifier: TextClassifier) -> tuple[dict[str, Evaluation], list[str]]:
    rows = load_holdout(spec)
    items = [{k: v for k, v in row.items() if k not in spec.heads} for row in rows]
    scored = classifier.score(items)
    out: dict[str, Evaluation] = {}
    misses: list[str] = []
    for field, labels in spec.heads.items():
        head = classifier.heads[field]
        y = np.array([labels.index(row[field]) for row in rows], dtype=np.int64)
        texts = classifier.texts(items)
        probabilities = head.probabilities(FeatureBuilder(head.features).build(texts, classifier.embedder.embed(texts)))
        out[field] = evaluate(labels, y, probabilities, head.conformal)
        for row, s in zip(rows, scored[field], strict=True):
            if s.label != row[field]:
                shown = (row.get("text") or row.get("subject") or "").replace("\n", " ").replace("|", "/")[:90]
                misses.append(f"| {shown} | {field}: {row[field]} | {s.label} ({s.confidence:.2f}) |")
    return out, misses


def _data_lines(
    spec: ModelSpec, rows: Sequence[Mapping[str, Any]], seed: int, n_train: int, n_cal: int, n_test: int
) -> list[str]:
    lines = [
        f"{len(rows)} items from `{spec.generator}` with seed {seed}: {n_train} to train, {n_cal} to calibrate "
        f"(temperature, conformal threshold), {n_test} to test.",
    ]
    for field, labels in spec.heads.items():
        counts = {label: sum(1 for r in rows if r[field] == label) for label in labels}
        lines.append(f"{field} labels: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    lines.append(
        f"Hand-written holdout: `src/officeflow/language/data/holdout/{spec.holdout}` "
        f"({len(load_holdout(spec))} items)."
    )
    return lines


def _method_lines(spec: ModelSpec, embedder: SentenceEmbedder) -> list[str]:
    f = spec.features
    parts = []
    if f.char_ngrams:
        parts.append(f"hashed character 2-4-grams ({f.ngram_columns} columns, weight {f.ngram_weight})")
    if f.word_ngrams:
        parts.append(f"hashed words and word pairs ({f.ngram_columns} columns, weight {f.word_weight})")
    grams = "beside " + " and ".join(parts) if parts else "alone"
    return [
        f"Text: `officeflow.language.texts` ({spec.input_kind}), mail noise stripped.",
        f"Sentence embedding: {embedder.model_id} (384 dimensions, mean pooling, unit length, at most "
        f"{embedder.max_tokens} tokens) {grams}.",
        f"Head per field: multinomial logistic regression (C = {spec.c}), coefficients stored as float32.",
        f"Calibration: temperature scaling on the calibration split; conformal sets (LAC) at alpha = {ALPHA}.",
    ]


def save(trained: Trained, artifact: Path, report_path: Path) -> None:
    trained.classifier.save(artifact)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(trained.report, encoding="utf-8")

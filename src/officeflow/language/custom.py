"""Heads for label sets users define: a handful of examples per label trains a classifier.

``train_head(examples, labels, seed)`` embeds the examples, fits a logistic-regression head on
embeddings and character n-grams, and calibrates it on out-of-fold predictions of a stratified
cross-validation (with five examples per label, each fold leaves one example of every label
out). With fewer than ``FEW_EXAMPLES`` examples the temperature is at least 1: out-of-fold
predictions that are all right (common with a handful of distinct examples) would otherwise
sharpen every probability to 1. Corrections collected later are simply more examples: train
again with them added.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from officeflow.errors import Problem
from officeflow.language.classifier import READERS, TextClassifier
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import ExamplesInvalid, TextInputInvalid
from officeflow.language.features import FeatureBuilder, FeatureConfig
from officeflow.language.head import fit_head
from officeflow.language.training import CLASSIFIER_TOKENS

MIN_PER_LABEL = 2
CUSTOM_FEATURES = FeatureConfig(char_ngrams=True, ngram_weight=0.4)
FEW_EXAMPLES = 200
"""Below this many examples the calibration may soften the regression's probabilities, never sharpen them."""


def check_examples(
    examples: Sequence[object], labels: Sequence[object], min_per_label: int = MIN_PER_LABEL
) -> list[str]:
    """The labels, stripped; ``ExamplesInvalid`` listing every problem (count mismatch, a label
    that is not a name, fewer than two labels, a label with fewer than ``min_per_label`` examples)."""
    problems: list[Problem] = []
    if len(examples) != len(labels):
        problems.append(
            Problem(
                message=f"{len(examples)} examples but {len(labels)} labels",
                pointer="/labels",
                expected="one label per example",
            )
        )
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            problems.append(
                Problem(message=f"label {label!r} is not a name", pointer=f"/labels/{i}", expected="a non-empty string")
            )
    names = [str(label).strip() for label in labels]
    counts = Counter(names)
    if len(counts) < 2:
        problems.append(Problem(message="only one label", pointer="/labels", expected="at least two different labels"))
    for label, n in sorted(counts.items()):
        if n < min_per_label:
            problems.append(
                Problem(
                    message=f"label {label!r} has {n} example" + ("s" if n != 1 else ""),
                    pointer="/labels",
                    expected=f"at least {min_per_label} per label",
                )
            )
    if problems:
        raise ExamplesInvalid(problems)
    return names


def train_head(
    examples: Sequence[str | Mapping[str, Any]],
    labels: Sequence[str],
    seed: int = 0,
    *,
    name: str = "custom",
    input_kind: str = "text",
    embedder: SentenceEmbedder | None = None,
    alpha: float | None = 0.1,
) -> TextClassifier:
    """A classifier for ``labels`` trained on ``examples`` (texts, or items of ``input_kind``)."""
    names = check_examples(examples, labels)
    items = [{"text": e} if isinstance(e, str) else e for e in examples]
    if input_kind not in READERS:
        raise ExamplesInvalid([Problem(message=f"unknown input kind {input_kind!r}", expected=", ".join(READERS))])
    embedder = embedder or SentenceEmbedder(max_tokens=CLASSIFIER_TOKENS)
    classifier = TextClassifier(name=name, input_kind=input_kind, heads={}, embedder=embedder)
    try:
        texts = classifier.texts(items)
    except TextInputInvalid as exc:
        raise ExamplesInvalid(
            [
                Problem(message=p.message, pointer="/examples" + (p.pointer or ""), expected=p.expected)
                for p in exc.problems
            ]
        ) from None
    vocabulary = tuple(sorted(set(names)))
    y = np.array([vocabulary.index(n) for n in names], dtype=np.int64)
    features = FeatureBuilder(CUSTOM_FEATURES).from_texts(texts, embedder)
    few = len(names) < FEW_EXAMPLES
    head = fit_head(
        features, y, vocabulary, config=CUSTOM_FEATURES, seed=seed, alpha=alpha, min_temperature=1.0 if few else None
    )
    return TextClassifier(
        name=name,
        input_kind=input_kind,
        heads={"label": head},
        embedder=embedder,
        metadata={
            "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
            "seed": seed,
            "rows": len(names),
            "embedding": embedder.model_id,
            "alpha": alpha,
        },
    )

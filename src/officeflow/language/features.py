"""The features a head reads: a sentence embedding, optionally beside hashed n-grams.

The embedding carries the meaning of the whole text. Character n-grams (2 to 4 characters inside
word boundaries) carry the spelling: a typo such as ``prnter`` or ``outlok`` breaks the embedding
model's word pieces but keeps most of its n-grams. Word n-grams (words and word pairs) carry the
short cues a mean-pooled embedding dilutes in a long text: "whole floor", "no rush",
"customers", "for now". Both n-gram kinds are hashed into a fixed number of columns (nothing but
the column count is stored) and scaled to unit length. **Signals** (``officeflow.language.signals``)
are the same kind of cue read by a fixed, hand-written lexicon instead of learned from the training
text: who is hit and how soon it hurts, negation-aware, in English, German and French.
``*_weight`` scales each part against the embedding before a linear head reads them side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import HashingVectorizer

from officeflow.language.embedder import SentenceEmbedder, Vectors
from officeflow.language.signals import signals as read_signals


@dataclass(frozen=True, kw_only=True)
class FeatureConfig:
    """How texts become features; stored with each head so it reads texts as it was trained."""

    char_ngrams: bool = True
    ngram_columns: int = 2**13
    ngram_weight: float = 0.6
    word_ngrams: bool = False
    word_weight: float = 0.8
    signals: bool = False
    signal_weight: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureConfig:
        return cls(
            char_ngrams=bool(data["char_ngrams"]),
            ngram_columns=int(data["ngram_columns"]),
            ngram_weight=float(data["ngram_weight"]),
            word_ngrams=bool(data.get("word_ngrams", False)),
            word_weight=float(data.get("word_weight", 0.0)),
            signals=bool(data.get("signals", False)),
            signal_weight=float(data.get("signal_weight", 1.0)),
        )


Features = Any
"""A dense float array or a CSR sparse matrix, rows = texts (scipy ships no type information)."""


class FeatureBuilder:
    """Builds a head's feature matrix from texts (and from their embeddings, when already computed)."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._hasher = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            n_features=config.ngram_columns,
            alternate_sign=False,
            lowercase=True,
            norm="l2",
        )
        self._words = HashingVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            n_features=config.ngram_columns,
            alternate_sign=False,
            lowercase=True,
            norm="l2",
        )

    def build(self, texts: Sequence[str], embeddings: Vectors) -> Features:
        if not (self.config.char_ngrams or self.config.word_ngrams or self.config.signals):
            return np.asarray(embeddings, dtype=np.float64)
        parts = [sp.csr_matrix(embeddings.astype(np.float64))]
        if self.config.char_ngrams:
            parts.append(self._hasher.transform(texts) * self.config.ngram_weight)
        if self.config.word_ngrams:
            parts.append(self._words.transform(texts) * self.config.word_weight)
        if self.config.signals:
            parts.append(sp.csr_matrix(read_signals(texts) * self.config.signal_weight))
        return sp.hstack(parts, format="csr")

    def from_texts(self, texts: Sequence[str], embedder: SentenceEmbedder) -> Features:
        return self.build(texts, embedder.embed(texts))

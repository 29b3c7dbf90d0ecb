"""The sentence embedder: real all-MiniLM-L6-v2 inference on onnxruntime, compared with the
float32 reference vectors sentence-transformers computed from the same model."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from officeflow.language import SentenceEmbedder
from officeflow.language.embedder import load_tokenizer


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder()


def _reference() -> tuple[list[str], np.ndarray]:
    path = resources.files("officeflow.language") / "data" / "reference" / "minilm-fp32.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["texts"]), np.array(data["vectors"], dtype=np.float64)


def test_paraphrases_are_close_and_unrelated_texts_far(embedder: SentenceEmbedder) -> None:
    v = embedder.embed(
        [
            "My password expired and I cannot log in",
            "I can't sign in because my password has expired",
            "The printer on the second floor is out of toner",
            "What time does the canteen open?",
        ]
    )
    assert v[0] @ v[1] > 0.85
    assert v[0] @ v[2] < 0.3
    assert v[2] @ v[3] < 0.3


@pytest.mark.parametrize(("precision", "least_cosine"), [("int8", 0.98), ("float", 0.998)])
def test_vectors_match_the_float32_reference_model(precision: str, least_cosine: float) -> None:
    texts, reference = _reference()
    vectors = SentenceEmbedder(precision=precision).embed(texts)  # type: ignore[arg-type]
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() > least_cosine
    assert np.abs(vectors @ vectors.T - reference @ reference.T).max() < 0.03


def test_vectors_have_unit_length_and_384_dimensions(embedder: SentenceEmbedder) -> None:
    v = embedder.embed(["a", "printer jammed", "x " * 400])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_batched_results_equal_one_at_a_time_in_the_callers_order(embedder: SentenceEmbedder) -> None:
    """A text's vector does not depend on the texts embedded with it, in either precision."""
    texts = ["vpn down since this morning, whole team affected", "hi", "outlook keeps asking for my password", "toner"]
    for model in (SentenceEmbedder(cache_size=0), SentenceEmbedder(precision="float", cache_size=0)):
        batched = model.embed(texts)
        single = np.vstack([model.embed([t]) for t in texts])
        assert np.allclose(batched, single, atol=1e-5)


def test_threads_sharing_one_embedder_get_the_vectors_one_thread_gets() -> None:
    from concurrent.futures import ThreadPoolExecutor

    shared_embedder = SentenceEmbedder(cache_size=4)
    texts = [f"ticket {i}: the printer on floor {i} is jammed" for i in range(24)]
    alone = SentenceEmbedder(cache_size=0).embed(texts)
    with ThreadPoolExecutor(4) as pool:
        shared = list(pool.map(lambda t: shared_embedder.embed([t])[0], texts + texts[::-1]))
    assert np.allclose(np.vstack(shared), np.vstack([alone, alone[::-1]]), atol=1e-5)


def test_identical_texts_are_embedded_once_and_the_cache_gives_the_computed_vector() -> None:
    """Duplicates within a call and texts seen before come from the cache, equal to a fresh computation."""
    cached = SentenceEmbedder(cache_size=2)
    texts = ["printer offline", "vpn down", "printer offline"]
    first = cached.embed(texts)
    assert cached.computed == 2
    assert np.array_equal(first[0], first[2])
    again = cached.embed(["vpn down", "printer offline"])
    assert cached.computed == 2
    assert np.array_equal(again, first[[1, 0]])
    cached.embed(["outlook crashes"])  # the cache holds two texts: the least recently used one goes
    cached.embed(["vpn down"])
    assert cached.computed == 4
    assert np.allclose(first, SentenceEmbedder(cache_size=0).embed(texts), atol=1e-6)


def test_no_texts_give_an_empty_matrix(embedder: SentenceEmbedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_the_tokenizer_pads_to_the_longest_text_and_truncates() -> None:
    tokenizer = load_tokenizer(max_tokens=16)
    short, long = tokenizer.encode_batch(["hi", "word " * 100])
    assert len(short.ids) == len(long.ids) == 16
    assert short.ids[:3] == [101, 7632, 102]
    assert sum(short.attention_mask) == 3


def test_a_token_limit_per_call_reads_what_an_embedder_of_that_limit_reads() -> None:
    """``embed(texts, max_tokens=n)`` on a 128-token embedder gives the vectors a 16-token embedder
    gives; no limit, or one above the embedder's, gives its own; the cache keeps the limits apart."""
    texts = ["the vpn has been down since this morning and the whole sales team cannot reach the crm " * 3, "hi"]
    wide = SentenceEmbedder(max_tokens=128, cache_size=8)
    short = wide.embed(texts, max_tokens=16)
    assert np.array_equal(short, SentenceEmbedder(max_tokens=16, cache_size=0).embed(texts))
    full = wide.embed(texts)
    assert wide.computed == 4
    assert not np.allclose(full[0], short[0], atol=1e-3)
    assert np.array_equal(full[1], short[1])  # "hi" fits in 16 tokens
    assert np.array_equal(wide.embed(texts, max_tokens=128), full)
    assert np.array_equal(wide.embed(texts, max_tokens=512), full)
    assert np.array_equal(wide.embed(texts, max_tokens=16), short)
    assert wide.computed == 4


@pytest.mark.parametrize("limit", [0, 2, -5, True])
def test_a_token_limit_below_three_is_refused(embedder: SentenceEmbedder, limit: int) -> None:
    from officeflow.language.errors import LanguageArtifactInvalid

    with pytest.raises(LanguageArtifactInvalid, match="max_tokens must be an integer of at least 3"):
        embedder.embed(["printer jammed"], max_tokens=limit)

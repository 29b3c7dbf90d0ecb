"""A language model: one or more heads over the same sentence embedding, predicting in batches.

A ``TextClassifier`` reads items of one input kind (``ticket``, ``email`` or ``text``, see
``officeflow.language.texts``), embeds their texts once, and asks each head for its label. One
result per item, in order::

    {"category": "printer", "category_confidence": 0.91,
     "priority": "critical", "priority_confidence": 0.64,
     "alternatives": {"category": [["printer", 0.91], ["hardware", 0.05], ...], "priority": [...]},
     "prediction_sets": {"category": ["printer"], "priority": ["critical", "high"]}}

``prediction_sets`` is present when the heads were conformalised: the labels the model cannot
rule out at its stated error rate (``alpha`` in the metadata).

A field may be **blended** (``officeflow.language.blend``): ticket triage's ``priority`` is read
by its own head and through the impact x urgency table from its ``impact`` and ``urgency`` heads,
which are reported beside it.

Heads that read texts the same way (the same ``FeatureConfig``) share one feature matrix.

The embedding reads each text up to the token limit the model was trained with (``max_tokens``
in its metadata; e-mail intent reads 40, ticket triage 128), so the shared embedder gives it the
vectors it was trained on; the character n-grams read the whole text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from officeflow.language.artifact import load_state, load_state_bytes, save_state, state_bytes
from officeflow.language.blend import MatrixBlend
from officeflow.language.calibration import Array
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import LanguageArtifactInvalid
from officeflow.language.features import FeatureBuilder, FeatureConfig, Features
from officeflow.language.head import Scored, TextHead, scored
from officeflow.language.texts import Reader, email_text, plain_text, read_items, ticket_text

READERS: dict[str, Reader] = {"ticket": ticket_text, "email": email_text, "text": plain_text}


@dataclass(frozen=True, kw_only=True)
class TextClassifier:
    """Heads (output field -> head) over one embedder, for one input kind."""

    name: str
    input_kind: str
    heads: Mapping[str, TextHead]
    embedder: SentenceEmbedder
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blends: Mapping[str, MatrixBlend] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.input_kind not in READERS:
            raise LanguageArtifactInvalid(
                f"unknown input kind {self.input_kind!r} (expected one of {', '.join(READERS)})"
            )
        for name, blend in self.blends.items():
            sources = (name, blend.row_field, blend.column_field)
            missing = [source for source in sources if source not in self.heads]
            if missing:
                raise LanguageArtifactInvalid(f"blended field {name!r} needs the heads {missing}")
            axes = (self.heads[blend.row_field].labels, self.heads[blend.column_field].labels)
            if axes != (blend.rows, blend.columns):
                raise LanguageArtifactInvalid(f"blended field {name!r}: its table's axes differ from its heads' labels")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.heads)

    @property
    def max_tokens(self) -> int | None:
        """The token limit the embedding was trained with (``None``: the embedder's own)."""
        value = self.metadata.get("max_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def texts(self, items: Sequence[object]) -> list[str]:
        """The text each item is read as (``TextInputInvalid`` names every bad item and field)."""
        return read_items(items, READERS[self.input_kind])

    def probabilities(self, items: Sequence[object], *, blended: bool = True) -> dict[str, Array]:
        """Each field's calibrated probabilities (rows: items, columns: its head's labels); with
        ``blended=False`` a blended field's are those of its own head alone."""
        texts = self.texts(items)
        embeddings = self.embedder.embed(texts, max_tokens=self.max_tokens)
        features: dict[FeatureConfig, Features] = {}
        out: dict[str, Array] = {}
        for name, head in self.heads.items():
            if head.features not in features:
                features[head.features] = FeatureBuilder(head.features).build(texts, embeddings)
            out[name] = head.probabilities(features[head.features])
        if blended:
            for name, blend in self.blends.items():
                out[name] = blend.probabilities(out[name], out[blend.row_field], out[blend.column_field])
        return out

    def score(self, items: Sequence[object]) -> dict[str, list[Scored]]:
        """Each field's ``Scored`` per item, the embedding computed once for all heads."""
        return {
            name: scored(head.labels, p, self.blends[name].conformal if name in self.blends else head.conformal)
            for (name, p), head in zip(self.probabilities(items).items(), self.heads.values(), strict=True)
        }

    def predict_batch(self, items: Sequence[object]) -> list[dict[str, Any]]:
        """One result per item, in order (see the module docstring for its shape)."""
        scored = self.score(items)
        results: list[dict[str, Any]] = []
        for index in range(len(items)):
            result: dict[str, Any] = {}
            alternatives: dict[str, list[list[Any]]] = {}
            sets: dict[str, list[str]] = {}
            for name, per_item in scored.items():
                item = per_item[index]
                result[name] = item.label
                result[f"{name}_confidence"] = item.confidence
                alternatives[name] = [[label, p] for label, p in item.alternatives]
                if item.prediction_set is not None:
                    sets[name] = list(item.prediction_set)
            result["alternatives"] = alternatives
            if sets:
                result["prediction_sets"] = sets
            results.append(result)
        return results

    def state(self) -> dict[str, Any]:
        """What the artifact holds (plain data and the heads' fitted regressions)."""
        return {
            "name": self.name,
            "input_kind": self.input_kind,
            "metadata": dict(self.metadata),
            "heads": {name: head.state() for name, head in self.heads.items()},
            "blends": {name: blend.state() for name, blend in self.blends.items()},
        }

    def save(self, path: Path) -> None:
        save_state(self.state(), path)

    def to_bytes(self) -> bytes:
        """The artifact's bytes (a skops file), as a model registry keeps them."""
        return state_bytes(self.state())

    @classmethod
    def load(cls, path: Path, embedder: SentenceEmbedder) -> TextClassifier:
        return cls.from_state(load_state(path), embedder, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, embedder: SentenceEmbedder, source: str) -> TextClassifier:
        return cls.from_state(load_state_bytes(data, source), embedder, source)

    @classmethod
    def from_state(cls, state: Mapping[str, Any], embedder: SentenceEmbedder, source: str) -> TextClassifier:
        try:
            return cls(
                name=str(state["name"]),
                input_kind=str(state["input_kind"]),
                heads={str(name): TextHead.from_state(h) for name, h in state["heads"].items()},
                embedder=embedder,
                metadata=dict(state.get("metadata") or {}),
                blends={str(name): MatrixBlend.from_state(b) for name, b in (state.get("blends") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LanguageArtifactInvalid(f"{source}: the model file lacks or mangles {exc}") from None

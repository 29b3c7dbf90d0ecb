"""Finding language models by name: the built-ins shipped in the package, or a head file on disk.

``LanguageModels`` owns one ``SentenceEmbedder`` that every model it loads shares (the
embedding session is the expensive part) and keeps each loaded model. Create one per process
(the CLI, a worker) and pass it where models are needed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from officeflow.language.classifier import TextClassifier
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import LanguageModelNotFound
from officeflow.language.training import CLASSIFIER_TOKENS, SPECS, artifact_path

BUILT_IN = tuple(sorted(SPECS))


class LanguageModels:
    """Loads built-in models by name and user heads by path, sharing one embedder."""

    def __init__(self, embedder: SentenceEmbedder | None = None) -> None:
        self._embedder = embedder
        self._loaded: dict[str, TextClassifier] = {}
        self._lock = threading.Lock()

    @property
    def embedder(self) -> SentenceEmbedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = SentenceEmbedder(max_tokens=CLASSIFIER_TOKENS)
            return self._embedder

    def get(self, name: str) -> TextClassifier:
        """``ticket-triage``, ``email-intent``, or the path of a head saved by ``TextClassifier.save``."""
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
        path = artifact_path(name) if name in SPECS else Path(name)
        if name not in SPECS and not (path.suffix == ".skops" and path.is_file()):
            raise LanguageModelNotFound(
                f"no language model named {name!r} (built-in: {', '.join(BUILT_IN)}; or the path of a .skops head file)"
            )
        model = TextClassifier.load(path, self.embedder)
        with self._lock:
            return self._loaded.setdefault(name, model)

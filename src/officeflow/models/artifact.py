"""A model version's files: ``model.json`` (metadata and flavour settings) and its payload files.

::

    model.json      {"format": 1, "metadata": {...}, "config": {...}}
    model.onnx      the ONNX graph (flavour onnx)
    model.skops     the skops file (flavour skops)
    ...             whatever a built-in model keeps (a scorecard table, detector parameters)

``Artifact`` holds them in memory as bytes, so the registry can keep them in its store and
the same artifact reads from and writes to a directory. ``digest`` identifies the content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from officeflow import jsonutil
from officeflow.models.errors import ModelArtifactInvalid
from officeflow.models.metadata import ModelMetadata

MODEL_JSON = "model.json"
FORMAT = 1


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """A model version as data: metadata, flavour config, payload files."""

    metadata: ModelMetadata
    config: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)

    def manifest(self) -> bytes:
        doc = {"format": FORMAT, "metadata": self.metadata.as_dict(), "config": dict(self.config)}
        return _pretty(doc)

    def digest(self) -> str:
        """``sha256:<hex>`` over model.json and the payload files, in name order."""
        h = hashlib.sha256(self.manifest())
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return "sha256:" + h.hexdigest()

    def file(self, name: str) -> bytes:
        try:
            return self.files[name]
        except KeyError:
            raise ModelArtifactInvalid(
                f"model {self.metadata.name} {self.metadata.version}: the artifact has no file {name!r}"
            ) from None

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (directory / name).write_bytes(data)
        (directory / MODEL_JSON).write_bytes(self.manifest())

    @classmethod
    def read(cls, directory: Path) -> Artifact:
        manifest = directory / MODEL_JSON
        if not manifest.is_file():
            raise ModelArtifactInvalid(f"{directory}: no {MODEL_JSON}")
        try:
            doc = jsonutil.loads(manifest.read_bytes())
        except ValueError as exc:
            raise ModelArtifactInvalid(f"{manifest}: not JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ModelArtifactInvalid(f"{manifest}: expected an object with format {FORMAT}")
        files = {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.name != MODEL_JSON}
        return cls(
            metadata=ModelMetadata.from_dict(doc.get("metadata") or {}, source=str(manifest)),
            config=dict(doc.get("config") or {}),
            files=files,
        )


def _pretty(doc: Any) -> bytes:
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()

"""Reading and writing a language model's artifact: one skops file (or its bytes).

The file holds plain data (name, input kind, metadata, each head's labels, temperature, conformal
threshold and feature settings) and each head's fitted ``LogisticRegression``. skops loads only
types it knows are safe (plain data, numpy arrays, scikit-learn estimators) unless told to trust
more; ``load_state`` never does: a file naming any other type (``posix.system``, a pickled
function) is refused, so a tampered artifact cannot run code. ``state_bytes`` and
``load_state_bytes`` do the same in memory, for artifacts a model registry keeps in its store.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import skops.io

from officeflow.language.errors import LanguageArtifactInvalid

FORMAT = 1


def state_bytes(state: dict[str, Any]) -> bytes:
    """``state`` (plain data and fitted regressions) as the bytes of a skops file."""
    data: bytes = skops.io.dumps({"format": FORMAT, **state}, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    return data


def save_state(state: dict[str, Any], path: Path) -> None:
    """Write ``state`` to ``path`` through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(state_bytes(state))
    partial.replace(path)


def load_state_bytes(data: bytes, source: str) -> dict[str, Any]:
    """The state in the bytes of a skops file; ``LanguageArtifactInvalid`` (naming ``source``) if
    they are unreadable or name an untrusted type."""
    try:
        untrusted = set(skops.io.get_untrusted_types(data=data))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise LanguageArtifactInvalid(f"{source}: not a skops model file ({exc})") from None
    if untrusted:
        listed = ", ".join(sorted(untrusted))
        raise LanguageArtifactInvalid(f"{source}: refusing to load types outside the trusted list: {listed}")
    state = skops.io.loads(data)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise LanguageArtifactInvalid(f"{source}: not a language model file of format {FORMAT}")
    return state


def load_state(path: Path) -> dict[str, Any]:
    """The state saved in ``path``; ``LanguageArtifactInvalid`` if it is missing, unreadable or untrusted."""
    if not path.is_file():
        raise LanguageArtifactInvalid(f"{path}: no such model file")
    return load_state_bytes(path.read_bytes(), str(path))

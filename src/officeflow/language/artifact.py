"""Reading and writing a language model's artifact: one skops file.

The file holds plain data (name, input kind, metadata, each head's labels, temperature, conformal
threshold and feature settings) and each head's fitted ``LogisticRegression``. skops loads only
types it knows are safe (plain data, numpy arrays, scikit-learn estimators) unless told to trust
more; ``load_state`` never does: a file naming any other type (``posix.system``, a pickled
function) is refused, so a tampered artifact cannot run code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import skops.io

from officeflow.language.errors import LanguageArtifactInvalid

FORMAT = 1


def save_state(state: dict[str, Any], path: Path) -> None:
    """Write ``state`` (plain data and fitted regressions) to ``path`` through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    skops.io.dump({"format": FORMAT, **state}, partial, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    partial.replace(path)


def load_state(path: Path) -> dict[str, Any]:
    """The state saved in ``path``; ``LanguageArtifactInvalid`` if it is missing, unreadable or untrusted."""
    if not path.is_file():
        raise LanguageArtifactInvalid(f"{path}: no such model file")
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise LanguageArtifactInvalid(f"{path}: not a skops model file ({exc})") from None
    if untrusted:
        listed = ", ".join(sorted(untrusted))
        raise LanguageArtifactInvalid(f"{path}: refusing to load types outside the trusted list: {listed}")
    state = skops.io.load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise LanguageArtifactInvalid(f"{path}: not a language model file of format {FORMAT}")
    return state

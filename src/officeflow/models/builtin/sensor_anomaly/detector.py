"""A streaming anomaly detector over multivariate sensor readings, with state that is plain JSON.

Per sensor it keeps an exponentially weighted mean and variance (rate ``alpha``) of the readings
seen so far, and scores each new reading in four ways:

- **spike**: the robust z-score ``|x - mean| / sd`` against ``spike_z``;
- **drift**: a two-sided CUSUM of the z-scores (slack ``cusum_k``) against ``cusum_h``: a slow
  move away from the learned level builds up even when no single reading is far off;
- **stuck**: how many readings in a row the value has not changed, against ``stuck_run``;
- **joint** (across sensors): the root mean square of the z-scores against ``joint_z``: several
  sensors a little off at once (a correlated failure) when none alone is alarming.

A reading is anomalous when any score reaches its threshold. Readings that are far off
(``|z| > learn_clip``) teach the mean and variance only at a hundredth of the rate, so a fault
does not become the new normal at once. During the first ``warmup`` readings a sensor only learns.

``step(params, state, reading)`` is a pure function: it returns the new state (a JSON object) and
the reading's verdict, so a workflow can carry the state or a store can keep it between readings.
``Detector`` is the same algorithm holding its state in memory, for long streams.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

SD_FLOOR = 1e-3


@dataclass(frozen=True, kw_only=True)
class Params:
    """The detector's thresholds and rates (tuned by ``train.py``)."""

    alpha: float = 0.02
    spike_z: float = 6.0
    cusum_k: float = 0.5
    cusum_h: float = 30.0
    stuck_run: int = 12
    joint_z: float = 3.0
    learn_clip: float = 4.0
    warmup: int = 30

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Params:
        known = cls.__dataclass_fields__
        values: dict[str, Any] = {
            k: int(v) if k in ("stuck_run", "warmup") else float(v) for k, v in data.items() if k in known
        }
        return cls(**values)


@dataclass(kw_only=True)
class SensorState:
    """One sensor's learned level and running scores."""

    n: int = 0
    mean: float = 0.0
    var: float = 0.0
    last: float | None = None
    run: int = 0
    up: float = 0.0
    down: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean": self.mean,
            "var": self.var,
            "last": self.last,
            "run": self.run,
            "up": self.up,
            "down": self.down,
        }


@dataclass(frozen=True, kw_only=True)
class Finding:
    """Why a reading is anomalous: which sensor (or ``*`` for the joint score), what kind, how far."""

    sensor: str
    kind: str
    score: float
    threshold: float

    def text(self) -> str:
        if self.kind == "spike":
            return f"{self.sensor} is {self.score:.1f} standard deviations from its recent level"
        if self.kind == "drift":
            return f"{self.sensor} is drifting away from its recent level (CUSUM {self.score:.0f})"
        if self.kind == "stuck":
            return f"{self.sensor} has not changed for {self.score:.0f} readings"
        return f"several sensors are off together (joint z {self.score:.1f})"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """A reading's result: ``score`` is the largest score relative to its threshold (>= 1: anomalous)."""

    score: float
    anomalous: bool
    z: Mapping[str, float]
    findings: tuple[Finding, ...] = field(default_factory=tuple)


class Detector:
    """The detector over one stream: ``update`` scores a reading; ``state`` and ``from_state`` are its JSON."""

    def __init__(self, params: Params, sensors: dict[str, SensorState] | None = None) -> None:
        self.params = params
        self.sensors = sensors if sensors is not None else {}

    @classmethod
    def from_state(cls, params: Params, state: Mapping[str, Any] | None) -> Detector:
        sensors = {name: SensorState(**s) for name, s in (state or {}).get("sensors", {}).items()}
        return cls(params, sensors)

    def state(self) -> dict[str, Any]:
        return {"sensors": {name: s.as_dict() for name, s in self.sensors.items()}}

    def update(self, reading: Mapping[str, float]) -> Verdict:
        params = self.params
        z_scores: dict[str, float] = {}
        findings: list[Finding] = []
        ratio = 0.0
        for name, raw in reading.items():
            x = float(raw)
            s = self.sensors.get(name)
            if s is None:
                s = self.sensors[name] = SensorState()
            s.run = s.run + 1 if s.last is not None and x == s.last else 0
            s.last = x
            if s.n < params.warmup:
                _learn(s, x, max(params.alpha, 1.0 / (s.n + 1)), first=s.n == 0)
                s.n += 1
                continue
            sd = max(math.sqrt(s.var), SD_FLOOR)
            z = (x - s.mean) / sd
            z_scores[name] = z
            s.up = max(0.0, s.up + z - params.cusum_k)
            s.down = max(0.0, s.down - z - params.cusum_k)
            drift = max(s.up, s.down)
            for kind, score, threshold in (
                ("spike", abs(z), params.spike_z),
                ("drift", drift, params.cusum_h),
                ("stuck", float(s.run), float(params.stuck_run)),
            ):
                ratio = max(ratio, score / threshold)
                if score >= threshold:
                    findings.append(Finding(sensor=name, kind=kind, score=score, threshold=threshold))
            rate = params.alpha if abs(z) <= params.learn_clip else params.alpha / 100
            _learn(s, x, rate, first=False)
            s.n += 1
            if drift >= params.cusum_h and abs(z) <= params.learn_clip:
                s.up = s.down = 0.0  # the drift was reported; count again from the new level
        if len(z_scores) > 1:
            joint = math.sqrt(sum(z * z for z in z_scores.values()) / len(z_scores))
            ratio = max(ratio, joint / params.joint_z)
            if joint >= params.joint_z:
                findings.append(Finding(sensor="*", kind="joint", score=joint, threshold=params.joint_z))
        return Verdict(score=ratio, anomalous=bool(findings), z=z_scores, findings=tuple(findings))


def step(
    params: Params, state: Mapping[str, Any] | None, reading: Mapping[str, float]
) -> tuple[dict[str, Any], Verdict]:
    """Score one reading (sensor name -> value) from a JSON state; return the new state and the verdict."""
    detector = Detector.from_state(params, state)
    verdict = detector.update(reading)
    return detector.state(), verdict


def _learn(s: SensorState, x: float, rate: float, first: bool) -> None:
    if first:
        s.mean, s.var = x, 0.0
        return
    delta = x - s.mean
    s.mean += rate * delta
    s.var = (1 - rate) * (s.var + rate * delta * delta)

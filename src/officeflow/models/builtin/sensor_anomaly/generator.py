"""A seeded generator of multi-sensor machine readings with injected, labelled faults.

Each machine reports four sensors once a minute: temperature (a daily cycle around 60 °C),
vibration (around 2 mm/s), pressure (around 5 bar, following the load) and current (around 10 A,
following the load, which changes slowly). Faults are injected at random times, never
overlapping, each an incident with a start and an end:

===========  ========================================================================
spike        one sensor jumps 7 to 12 standard deviations for one to three readings
drift        one sensor creeps away by up to 6 standard deviations over 120-300 readings
stuck        one sensor repeats its last value for 40-150 readings
correlated   temperature, vibration and current rise 2-3 standard deviations together
             for 30-90 readings (a bearing going bad), none alarming alone
===========  ========================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SENSORS = ("temperature", "vibration", "pressure", "current")
NOISE = {"temperature": 0.4, "vibration": 0.08, "pressure": 0.03, "current": 0.15}
KINDS = ("spike", "drift", "stuck", "correlated")


@dataclass(frozen=True, kw_only=True)
class Incident:
    """An injected fault: readings ``start`` to ``end`` inclusive."""

    kind: str
    start: int
    end: int
    sensor: str


@dataclass(frozen=True, kw_only=True)
class Stream:
    """One machine's readings and the incidents injected into them."""

    machine: str
    readings: list[dict[str, float]]
    incidents: list[Incident]


def _clean(rng: np.random.Generator, n: int) -> dict[str, NDArray[np.float64]]:
    t = np.arange(n)
    load = np.cumsum(rng.normal(0, 0.01, n))
    load = 0.5 * np.tanh(load)
    return {
        "temperature": 60 + 3 * np.sin(2 * math.pi * t / 1440) + 2 * load + rng.normal(0, NOISE["temperature"], n),
        "vibration": 2.0 + 0.1 * load + rng.normal(0, NOISE["vibration"], n),
        "pressure": 5.0 + 0.2 * load + rng.normal(0, NOISE["pressure"], n),
        "current": 10.0 + 1.5 * load + rng.normal(0, NOISE["current"], n),
    }


def generate_stream(seed: int, machine: str = "m-1", n: int = 6000, faults: int = 12, warmup: int = 200) -> Stream:
    """``n`` readings of one machine with ``faults`` incidents after the first ``warmup`` readings."""
    rng = np.random.default_rng(seed)
    values = _clean(rng, n)
    incidents: list[Incident] = []
    candidates = np.arange(warmup, n - 400, 400)
    slots = np.sort(rng.choice(candidates, size=min(faults, len(candidates)), replace=False))
    for slot in slots:
        start = int(slot + rng.integers(0, 100))
        kind = KINDS[int(rng.integers(len(KINDS)))]
        sensor = SENSORS[int(rng.integers(len(SENSORS)))]
        sd = NOISE[sensor]
        if kind == "spike":
            length = int(rng.integers(1, 4))
            sign = 1 if rng.random() < 0.5 else -1
            values[sensor][start : start + length] += sign * rng.uniform(7, 12) * sd
        elif kind == "drift":
            length = int(rng.integers(120, 301))
            values[sensor][start : start + length] += np.linspace(0, rng.uniform(4, 6) * sd, length)
        elif kind == "stuck":
            length = int(rng.integers(40, 151))
            values[sensor][start : start + length] = values[sensor][start - 1]
        else:
            length = int(rng.integers(30, 91))
            sensor = "*"
            for name, k in (("temperature", 2.5), ("vibration", 3.0), ("current", 2.5)):
                values[name][start : start + length] += rng.uniform(0.8, 1.0) * k * NOISE[name]
        incidents.append(Incident(kind=kind, start=start, end=start + length - 1, sensor=sensor))
    readings = [{s: round(float(values[s][i]), 3) for s in SENSORS} for i in range(n)]
    for inc in incidents:  # a stuck sensor repeats exactly what it last showed
        if inc.kind == "stuck":
            for i in range(inc.start, inc.end + 1):
                readings[i][inc.sensor] = readings[inc.start - 1][inc.sensor]
    return Stream(machine=machine, readings=readings, incidents=incidents)


def generate(seed: int, machines: int = 4, n: int = 6000) -> list[Stream]:
    """Streams of several machines, each from its own seed derived from ``seed``."""
    return [generate_stream(seed * 1000 + k, machine=f"m-{k + 1}", n=n) for k in range(machines)]

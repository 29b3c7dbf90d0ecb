"""Incident-level scoring of a detector on a labelled stream: precision, recall, detection delay.

The detector flags readings. Flagged readings less than ``merge_gap`` readings apart form one
alarm (a person gets one work order, not fifty). An incident is detected when some reading from
its start to ``grace`` readings after its end is flagged; its delay is the number of readings
from its start to the first such flag. An alarm is true when it overlaps an incident's span
(plus grace), false otherwise. Precision counts alarms, recall counts incidents.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.models.builtin.sensor_anomaly.detector import Detector, Params
from officeflow.models.builtin.sensor_anomaly.generator import Incident, Stream


@dataclass(frozen=True, kw_only=True)
class StreamScore:
    """How a detector did on streams."""

    incidents: int
    detected: int
    alarms: int
    true_alarms: int
    delays: tuple[int, ...]
    missed: tuple[str, ...] = ()

    @property
    def precision(self) -> float:
        return self.true_alarms / self.alarms if self.alarms else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.incidents if self.incidents else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "incidents": self.incidents,
            "detected": self.detected,
            "alarms": self.alarms,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "delay_median": float(statistics.median(self.delays)) if self.delays else 0.0,
            "delay_mean": statistics.fmean(self.delays) if self.delays else 0.0,
            "delay_max": float(max(self.delays)) if self.delays else 0.0,
        }

    def __add__(self, other: StreamScore) -> StreamScore:
        return StreamScore(
            incidents=self.incidents + other.incidents,
            detected=self.detected + other.detected,
            alarms=self.alarms + other.alarms,
            true_alarms=self.true_alarms + other.true_alarms,
            delays=self.delays + other.delays,
            missed=self.missed + other.missed,
        )


def flags(params: Params, readings: Sequence[dict[str, float]]) -> list[bool]:
    """Run the detector over the readings from a fresh state."""
    detector = Detector(params)
    return [detector.update(reading).anomalous for reading in readings]


def score_flags(flagged: Sequence[bool], incidents: Sequence[Incident], grace: int, merge_gap: int) -> StreamScore:
    """Incident-level precision, recall and delays of flagged readings."""
    alarms: list[tuple[int, int]] = []
    for i, flag in enumerate(flagged):
        if not flag:
            continue
        if alarms and i - alarms[-1][1] <= merge_gap:
            alarms[-1] = (alarms[-1][0], i)
        else:
            alarms.append((i, i))
    spans = [(inc.start, inc.end + grace) for inc in incidents]
    true_alarms = sum(1 for a0, a1 in alarms if any(a0 <= s1 and a1 >= s0 for s0, s1 in spans))
    delays = []
    missed = []
    for inc, (s0, s1) in zip(incidents, spans, strict=True):
        first = next((i for i in range(s0, min(s1 + 1, len(flagged))) if flagged[i]), None)
        if first is None:
            missed.append(f"{inc.kind}@{inc.start}")
        else:
            delays.append(first - inc.start)
    return StreamScore(
        incidents=len(incidents),
        detected=len(delays),
        alarms=len(alarms),
        true_alarms=true_alarms,
        delays=tuple(delays),
        missed=tuple(missed),
    )


def score_streams(params: Params, streams: Sequence[Stream], grace: int, merge_gap: int) -> StreamScore:
    total = StreamScore(incidents=0, detected=0, alarms=0, true_alarms=0, delays=())
    for stream in streams:
        total = total + score_flags(flags(params, stream.readings), stream.incidents, grace, merge_gap)
    return total

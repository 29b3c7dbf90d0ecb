"""River's WaterFlow series (hourly water flow through a pipeline branch, March to May 2022), labelled.

The data ships inside the ``river`` package (``river/datasets/water-flow.csv``, 1,268 readings);
nothing is downloaded. Its description names four anomalous segments (three drops in flow, for
water losses or maintenance, and a small peak from pumping after the first two) but does not
mark them; ``INCIDENTS`` marks them as they show in the series (reading indexes, inclusive): each
drop from the first reading below the normal band to the first reading back in it, and the peak.
"""

from __future__ import annotations

import csv
from importlib.resources import files

from officeflow.models.builtin.sensor_anomaly.generator import Incident, Stream

SENSOR = "flow"
INCIDENTS = (
    Incident(kind="drop", start=93, end=111, sensor=SENSOR),  # 2022-03-24 08:00 to 2022-03-25 02:00
    Incident(kind="drop", start=211, end=223, sensor=SENSOR),  # 2022-03-29 07:00 to 2022-03-29 19:00
    Incident(kind="peak", start=328, end=329, sensor=SENSOR),  # 2022-04-03 05:00 to 06:00
    Incident(kind="drop", start=872, end=887, sensor=SENSOR),  # 2022-04-27 15:00 to 2022-04-28 06:00
)


def load() -> Stream:
    """The WaterFlow series as one stream with its four incidents."""
    path = files("river") / "datasets" / "water-flow.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    readings = [{SENSOR: float(row["Water flow [l/s]"])} for row in rows]
    return Stream(machine="water-flow", readings=readings, incidents=list(INCIDENTS))

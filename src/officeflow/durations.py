"""Durations as people write them: ``90s``, ``10m``, ``1h30m``, ``2d``, ``500ms``, ISO ``PT10M`` or seconds."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_ISO = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)

EXPECTED = "a duration such as 30s, 10m, 1h30m, 2d, 500ms, PT10M, or a number of seconds"


def parse_duration(value: object) -> float:
    """Seconds in ``value``; raises ValueError naming the expected forms."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {EXPECTED}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value!r} is negative; expected {EXPECTED}")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not {EXPECTED}")
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not 0 <= seconds < float("inf"):  # also refuses NaN
            raise ValueError(f"{value!r} is not {EXPECTED}")
        return seconds
    iso = _ISO.match(text)
    if iso and text not in {"P", "PT"}:
        parts = {k: float(v) for k, v in iso.groupdict().items() if v}
        return (
            parts.get("w", 0) * 604800
            + parts.get("d", 0) * 86400
            + parts.get("h", 0) * 3600
            + parts.get("m", 0) * 60
            + parts.get("s", 0)
        )
    pos, total = 0, 0.0
    compact = text.replace(" ", "")
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(compact) or pos == 0:
        raise ValueError(f"{value!r} is not {EXPECTED}")
    return total


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    out, rest = [], round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(out) or "0s"

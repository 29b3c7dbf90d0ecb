"""FEEL dates, times, date-times and durations: parsing their ISO 8601 text and writing it back.

``date("2026-03-01")``, ``time("10:30:00")``, ``time("10:30:00+02:00")``,
``date and time("2026-03-01T10:30:00Z")``, ``duration("P1DT2H")`` (days and time) and
``duration("P1Y2M")`` (years and months). Text that is not one of these gives None (FEEL null).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from officeflow.rules.values import YearMonths

_DATE = re.compile(r"(-?\d{4,9})-(\d\d)-(\d\d)")
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d|@[A-Za-z_/+\-0-9]+)?")
_DURATION = re.compile(r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return UTC
    if text.startswith("@"):
        try:
            return ZoneInfo(text[1:])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(text) from None
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3))
    micro = int((match.group(4) or ".0")[1:7].ljust(6, "0"))
    try:
        zone = _zone(match.group(5))
        if hour == 24 and minute == 0 and second == 0:
            hour = 0
        return time(hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None


def parse_date_time(text: str) -> datetime | date | None:
    """A date-time; a bare date is midnight of that day (FEEL's ``date and time("2026-03-01")``)."""
    if "T" not in text:
        day = parse_date(text)
        return None if day is None else datetime.combine(day, time())
    day_text, _, time_text = text.partition("T")
    day = parse_date(day_text)
    moment = parse_time(time_text)
    if day is None or moment is None:
        return None
    return datetime.combine(day, moment)


def parse_duration(text: str) -> timedelta | YearMonths | None:
    match = _DURATION.fullmatch(text)
    if not match or text.rstrip("-").endswith(("P", "T")):
        return None
    sign, years, months, days, hours, minutes, seconds = match.groups()
    negative = -1 if sign else 1
    if years or months:
        if days or hours or minutes or seconds:
            return None
        return YearMonths(negative * (int(years or 0) * 12 + int(months or 0)))
    try:
        span = timedelta(
            days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
        )
    except OverflowError:
        return None
    return span if negative > 0 else -span


def parse_temporal(text: str) -> Any:
    """The value of an ``@"..."`` literal: a duration, date-time, date or time by its form."""
    if text.lstrip("-").startswith("P"):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    if _DATE.fullmatch(text):
        return parse_date(text)
    return parse_time(text)


def _seconds_text(seconds: Decimal) -> str:
    text = format(seconds.normalize(), "f")
    return text


def duration_iso(span: timedelta) -> str:
    """``P1DT2H30M``; FEEL writes days-and-time durations with days, hours, minutes, seconds."""
    negative = span < timedelta(0)
    span = abs(span)
    days = span.days
    seconds = span.seconds
    micros = span.microseconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if secs or micros:
        clock += _seconds_text(Decimal(secs) + Decimal(micros) / Decimal(1_000_000)) + "S"
    text = (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return ("-" if negative else "") + "P" + (text or "T0S")


def _zone_text(moment: time | datetime) -> str:
    zone = moment.tzinfo
    if zone is None:
        return ""
    if isinstance(zone, ZoneInfo):
        return f"@{zone.key}"
    offset = moment.utcoffset()
    if offset is None:
        return ""
    if offset == timedelta(0):
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    total = abs(int(offset.total_seconds())) // 60
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def time_iso(moment: time) -> str:
    base = moment.replace(tzinfo=None).isoformat()
    return base + _zone_text(moment)


def date_time_iso(moment: datetime) -> str:
    base = moment.replace(tzinfo=None).isoformat()
    return base + _zone_text(moment)

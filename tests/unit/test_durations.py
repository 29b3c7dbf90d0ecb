"""Durations as people write them, read into seconds and written back."""

from __future__ import annotations

import pytest

from officeflow.durations import EXPECTED, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0s", 0.0),
        ("1ms", 0.001),
        ("1.5h", 5400.0),
        ("1h 30m", 5400.0),
        (" 90s ", 90.0),
        ("1d12h", 129600.0),
        ("2w1d", 1296000.0),
        ("10m30s250ms", 630.25),
        ("PT1H30M", 5400.0),
        ("PT0.5S", 0.5),
        ("P1W", 604800.0),
        ("P2D", 172800.0),
        ("120", 120.0),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        (0, 0.0),
    ],
)
def test_a_duration_is_read_in_any_of_its_forms(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    ["P", "PT", "1h30", "h", "30 s s", "1y", "P1M2", "1.2.3s", "--1s", "-0.5", [], {}, b"10s", False],
)
def test_anything_else_is_refused_naming_the_forms_expected(bad: object) -> None:
    with pytest.raises(ValueError, match="a duration such as") as info:
        parse_duration(bad)
    assert repr(bad) in str(info.value)
    assert EXPECTED in str(info.value)


def test_a_negative_number_says_it_is_negative() -> None:
    with pytest.raises(ValueError, match=r"-3 is negative"):
        parse_duration(-3)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0ms"), (0.0004, "0ms"), (0.5, "500ms"), (59, "59s"), (60, "1m"), (3661, "1h1m1s"), (90061, "1d1h1m1s")],
)
def test_seconds_are_written_back_largest_unit_first(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0.25, 1, 61, 3600, 86399, 172800, 694861])
def test_a_written_duration_reads_back_as_the_same_seconds(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds

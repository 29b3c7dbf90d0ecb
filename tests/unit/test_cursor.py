"""The one cursor codec (officeflow.queries.cursor): what it encodes it decodes to the same parts
and types; anything else is refused as a cursor this listing did not give."""

from __future__ import annotations

import pytest

from officeflow.queries import cursor


@pytest.mark.parametrize(
    "parts",
    [
        (1764892800.123456, "019a0000-0000-7000-8000-000000000001"),
        (0.1 + 0.2, "r"),
        (1e18, "id|with|bars"),
    ],
)
def test_a_run_position_survives_the_round_trip_exactly(parts: tuple[float, str]) -> None:
    assert cursor.run_position(cursor.encode(*parts)) == parts


def test_a_task_position_survives_the_round_trip_exactly() -> None:
    parts = (-3, 1e18, "019a0000-0000-7000-8000-000000000002")
    assert cursor.task_position(cursor.encode(*parts)) == parts


def test_the_text_is_url_safe_without_padding() -> None:
    text = cursor.encode(1764892800.5, "a/b+c")
    assert "=" not in text
    assert "+" not in text
    assert "/" not in text


@pytest.mark.parametrize(
    "text",
    [
        "garbage!",
        "",
        cursor.encode("not a number", "r"),
        cursor.encode(1.5),  # one part where two are needed
        cursor.encode(1.5, ""),  # an empty key
        "\u00e9t\u00e9",
    ],
)
def test_anything_else_is_refused_as_a_bad_cursor(text: str) -> None:
    with pytest.raises(cursor.CursorInvalid) as refused:
        cursor.run_position(text)
    assert type(refused.value).problem.slug == "bad-cursor"
    assert type(refused.value).http_status == 400


def test_a_task_cursor_needs_a_whole_priority() -> None:
    with pytest.raises(cursor.CursorInvalid):
        cursor.task_position(cursor.encode(1.5, 2.0, "t"))

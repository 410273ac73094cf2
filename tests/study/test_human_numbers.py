"""Numbers a person reads are rounded as a person would say them."""

from __future__ import annotations

import pytest

from bot.text import hours_round, span_text


@pytest.mark.parametrize(
    ("hours", "text"),
    [(0.0, "0 h"), (7.46, "7.5 h"), (9.96, "10 h"), (11.3, "11 h"), (143.2, "143 h"), (10, "10 h")],
)
def test_hours(hours: float, text: str) -> None:
    assert hours_round(hours) == text


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "1 day"),
        (13, "13 days"),
        (14, "2 weeks"),
        (57, "8 weeks"),
        (63, "about 2 months"),
        (396, "about 13 months"),
    ],
)
def test_spans(days: int, text: str) -> None:
    assert span_text(days) == text

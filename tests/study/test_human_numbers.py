"""Numbers a person reads are rounded as a person would say them; dates are written one way;
the commands a sentence names read as each front end runs them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import (
    command_ref,
    date_text,
    hours_round,
    span_text,
    terminal_commands,
    with_commands,
)


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


def test_one_date_format() -> None:
    assert date_text(date(2026, 3, 10)) == "Tue 10 Mar 2026"
    assert date_text(date(2027, 1, 5)) == "Tue 5 Jan 2027"  # no leading zero, the year kept


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_a_written_date_names_exactly_one_day(day: date) -> None:
    weekday, number, month, year = date_text(day).split()
    assert datetime.strptime(f"{number} {month} {year}", "%d %b %Y").date() == day
    assert weekday == f"{day:%a}"


def test_commands_named_in_sentences() -> None:
    sentence = "You have no study plan yet; make one with /plan new first."
    assert terminal_commands(sentence) == (
        "You have no study plan yet; make one with waypoint plan new first."
    )
    assert with_commands(sentence, lambda name: f"<{name}>") == (
        "You have no study plan yet; make one with <plan new> first."
    )
    # Discord-only commands stay as they are in the terminal; paths, URLs and units are no
    # commands.
    assert terminal_commands("Use /remind set.") == "Use /remind set."
    for text in ("cannot read data/plan new", "https://x.io/progress", "8 h/next", "/nextcloud"):
        assert terminal_commands(text) == text
    with pytest.raises(ValueError, match="unknown command"):
        command_ref("plan remake")
    assert command_ref("plan new") == "/plan new"

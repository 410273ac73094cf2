"""Reminder times as people type them: 19:30, 7pm, 7:30 pm."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.study.parsing import check_reminder_time


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("19:30", "19:30"),
        ("7:05", "07:05"),
        ("7pm", "19:00"),
        ("7 pm", "19:00"),
        ("7:30 pm", "19:30"),
        ("7:30PM", "19:30"),
        ("7.30 p.m.", "19:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("12:15 am", "00:15"),
        ("9am", "09:00"),
        (" 08:00 ", "08:00"),
    ],
)
def test_accepted_times(typed: str, stored: str) -> None:
    assert check_reminder_time(typed) == stored


@pytest.mark.parametrize("typed", ["25:00", "19:60", "13pm", "0am", "7", "noon", "", "7:3 pm"])
def test_refused_times_say_how_to_write_one(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"^Give the reminder time as 19:30, 7pm or 7:30 pm"):
        check_reminder_time(typed)


@given(st.integers(0, 23), st.integers(0, 59))
def test_twelve_and_twenty_four_hour_spellings_agree(hour: int, minute: int) -> None:
    twelve = f"{hour % 12 or 12}:{minute:02d} {'pm' if hour >= 12 else 'am'}"
    assert check_reminder_time(twelve) == check_reminder_time(f"{hour}:{minute:02d}")
    assert check_reminder_time(twelve) == f"{hour:02d}:{minute:02d}"

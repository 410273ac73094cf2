"""Streaks and study days: examples and hypothesis invariants."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.study.streaks import (
    MAX_FREEZES,
    compute_streak,
    day_number,
    freezes_spent_between,
    local_date,
    shift_after_move,
)

# WAYPOINT_HYPOTHESIS_EXAMPLES=5000 for a deep run; the default keeps the suite fast.
FAST = settings(
    max_examples=int(os.environ.get("WAYPOINT_HYPOTHESIS_EXAMPLES", "80")), deadline=None
)
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
]
day_sets = st.sets(st.integers(min_value=0, max_value=120), max_size=60)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@pytest.mark.parametrize(
    ("days", "today", "current", "longest", "held"),
    [
        ([], 10, 0, 0, 0),
        ([10], 10, 1, 1, 0),
        ([9], 10, 1, 1, 0),  # yesterday still counts before today's check-in
        ([8], 10, 0, 1, 0),  # a missed day with no freeze breaks it
        ([1, 2, 3, 4, 5, 6, 7], 7, 7, 7, 1),  # the 7th consecutive day earns a freeze
        ([1, 2, 3, 4, 5, 6, 7], 9, 7, 7, 0),  # ... spent on day 8; today (9) not over yet
        ([1, 2, 3, 4, 5, 6, 7, 9], 9, 8, 8, 0),  # frozen day bridges, does not count
        ([*range(1, 8), 10], 10, 1, 7, 0),  # two missed days, one freeze: broken
        ([*range(1, 15), 17], 17, 15, 15, 0),  # two freezes cover two missed days
        ([*range(1, 36)], 35, 35, 35, MAX_FREEZES),  # at most two held
    ],
)
def test_examples(days: list[int], today: int, current: int, longest: int, held: int) -> None:
    streak = compute_streak(days, today)
    assert (streak.current, streak.longest, streak.freezes_held) == (current, longest, held)


def test_a_check_in_after_a_frozen_day_reports_the_freeze() -> None:
    before = compute_streak(range(1, 8), 8)
    after = compute_streak([*range(1, 8), 9], 9)
    assert freezes_spent_between(after, before.last_study_day) == (8,)
    assert after.frozen_days == (8,)
    assert freezes_spent_between(compute_streak([*range(1, 9)], 8), 7) == ()


@FAST
@given(start=st.integers(0, 500), length=st.integers(1, 60), lag=st.sampled_from([0, 1]))
def test_consecutive_days_ending_today_or_yesterday_are_the_streak(
    start: int, length: int, lag: int
) -> None:
    days = range(start, start + length)
    streak = compute_streak(days, start + length - 1 + lag)
    assert streak.current == streak.longest == length
    assert streak.studied_today is (lag == 0)


@FAST
@given(days=day_sets, today=st.integers(0, 130))
def test_bounds(days: set[int], today: int) -> None:
    streak = compute_streak(days, today)
    assert 0 <= streak.current <= streak.longest <= streak.study_days
    assert 0 <= streak.freezes_held <= MAX_FREEZES
    assert all(d not in days and d < today for d in streak.frozen_days)
    if streak.current == 0:
        assert streak.frozen_days == ()


@FAST
@given(days=day_sets, extra=st.integers(0, 120), today=st.integers(0, 130))
def test_a_back_dated_check_in_never_lowers_a_streak(
    days: set[int], extra: int, today: int
) -> None:
    before = compute_streak(days, today)
    after = compute_streak(days | {extra}, today)
    assert after.current >= before.current
    assert after.longest >= before.longest


@FAST
@given(days=day_sets, today=st.integers(0, 130))
def test_order_and_duplicates_do_not_matter(days: set[int], today: int) -> None:
    ordered = sorted(days)
    assert compute_streak(ordered + ordered, today) == compute_streak(reversed(ordered), today)


@FAST
@given(
    zone=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 1, 1)),
    minutes=st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=60),
)
def test_daily_check_ins_at_any_local_time_across_dst_make_a_full_streak(
    zone: str, first: date, minutes: list[int]
) -> None:
    tz = ZoneInfo(zone)
    days = []
    for offset, minute in enumerate(minutes):
        local = datetime.combine(first + timedelta(days=offset), datetime.min.time())
        wall = (local + timedelta(minutes=minute)).replace(tzinfo=tz)
        instant = wall.astimezone(UTC)  # a nonexistent wall time maps to a real instant
        days.append(day_number(local_date(instant, tz), 0))
    today = days[-1]
    streak = compute_streak(days, today)
    # A wall time skipped by DST may land on the next day only at 23:xx; never skips a day.
    assert streak.current == len(set(days))
    assert streak.current >= len(minutes) - 1


@FAST
@given(zone=st.sampled_from(ZONES), instant=instants)
def test_one_minute_either_side_of_local_midnight_are_consecutive_days(
    zone: str, instant: datetime
) -> None:
    tz = ZoneInfo(zone)
    midnight_local = datetime.combine(local_date(instant, tz), datetime.min.time(), tzinfo=tz)
    midnight = midnight_local.astimezone(UTC)
    before = day_number(local_date(midnight - timedelta(minutes=1), tz), 0)
    after = day_number(local_date(midnight + timedelta(minutes=1), tz), 0)
    assert after - before == 1


@FAST
@given(
    moves=st.lists(
        st.tuples(st.sampled_from(ZONES), st.integers(1, 72 * 60)), min_size=1, max_size=12
    ),
    start=instants,
    first_zone=st.sampled_from(ZONES),
    streak_days=st.sets(st.integers(0, 30), max_size=25),
)
def test_moving_timezones_never_changes_the_streak_at_the_moment_of_the_move(
    moves: list[tuple[str, int]], start: datetime, first_zone: str, streak_days: set[int]
) -> None:
    tz, shift, now = ZoneInfo(first_zone), 0, start
    today = day_number(local_date(now, tz), shift)
    history = {today - d for d in streak_days}
    for zone, minutes in moves:
        now += timedelta(minutes=minutes)
        before_day = day_number(local_date(now, tz), shift)
        before = compute_streak(history, before_day)
        new = ZoneInfo(zone)
        shift = shift_after_move(now, tz, new, shift)
        tz = new
        after_day = day_number(local_date(now, tz), shift)
        assert after_day == before_day
        assert compute_streak(history, after_day) == before
        history.add(after_day)  # the learner checks in right after moving


@FAST
@given(
    start=instants,
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=8),
    gap_hours=st.lists(st.integers(1, 30), min_size=8, max_size=8),
)
def test_day_numbers_never_go_back_and_never_jump_two_days_at_once(
    start: datetime, zones: list[str], gap_hours: list[int]
) -> None:
    # Day numbers move by local midnights only, so with check-ins at most 30 h apart the number
    # advances by at most 2 between them (and never decreases), whatever the moves in between.
    tz, shift, now = ZoneInfo(zones[0]), 0, start
    last = day_number(local_date(now, tz), shift)
    for zone, hours in zip(zones[1:], gap_hours, strict=False):
        new = ZoneInfo(zone)
        shift = shift_after_move(now, tz, new, shift)
        tz = new
        now += timedelta(hours=hours)
        day = day_number(local_date(now, tz), shift)
        assert last <= day <= last + 2
        last = day

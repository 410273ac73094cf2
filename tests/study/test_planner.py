"""The planner: durations from the roadmap, backgrounds, dates; hypothesis invariants."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput, NotFound
from bot.study.planner import build_plan, date_expecting, days_for, expected_hours, module_hours
from tests.study.conftest import ML, WEB

FAST = settings(max_examples=60, deadline=None)
START = date(2026, 3, 2)


def test_a_beginner_at_the_roadmap_pace_gets_the_roadmap_weeks() -> None:
    plan = build_plan(ML, "beginner", 10, START)
    assert [(m.module_id, m.hours, m.days) for m in plan.modules] == [
        ("basics", 40.0, 28),
        ("data-engineering", 20.0, 14),
        ("models", 60.0, 42),
    ]
    assert plan.modules[0].start == START
    assert plan.modules[1].start == date(2026, 3, 30)
    assert plan.finish == START + timedelta(days=28 + 14 + 42 - 1)
    assert all(m.weekly_hours == 10 for m in plan.modules)


def test_twice_the_hours_takes_half_the_time() -> None:
    slow = build_plan(ML, "beginner", 5, START)
    fast = build_plan(ML, "beginner", 20, START)
    assert [m.days for m in slow.modules] == [56, 28, 84]
    assert [m.days for m in fast.modules] == [14, 7, 21]


def test_backgrounds_follow_the_roadmap_pathways() -> None:
    base = sum(module_hours(ML, "beginner").values())
    software = module_hours(ML, "software-engineer")
    assert sum(software.values()) == pytest.approx(base * 9 / 12)
    data = module_hours(ML, "data-engineer")
    # A data engineer keeps a quarter of the data-engineering module ...
    assert data["data-engineering"] == pytest.approx(20 * 0.25)
    # ... and the path as a whole takes what the data-engineer pathway says.
    assert sum(data.values()) == pytest.approx(base * 6 / 12)
    # No pathway for maths/statistics on this roadmap: the roadmap's own hours.
    assert module_hours(ML, "math-stats") == module_hours(ML, "beginner")
    assert module_hours(WEB, "software-engineer") == {"basics": 5.0}


def test_done_and_logged_time_shorten_the_plan() -> None:
    plan = build_plan(ML, "beginner", 10, START, done={"basics"}, logged_minutes={"models": 600})
    basics, data, models = plan.modules
    assert basics.done_before
    assert basics.start is None
    assert data.start == START
    assert models.hours == 50.0
    assert models.logged_before_minutes == 600


@pytest.mark.parametrize("hours", [0, -1, 0.5, 81, 2000, float("nan"), float("inf")])
def test_hours_per_week_outside_1_to_80_are_refused(hours: float) -> None:
    with pytest.raises(InvalidInput, match="from 1 to 80"):
        build_plan(ML, "beginner", hours, START)


def test_unknown_background_and_module_are_refused() -> None:
    with pytest.raises(InvalidInput, match="Background must be one of: beginner"):
        build_plan(ML, "astronaut", 10, START)
    with pytest.raises(NotFound, match="not a module of ML Path"):
        build_plan(ML, "beginner", 10, START, done={"cooking"})


@FAST
@given(
    hours=st.floats(1, 80),
    background=st.sampled_from(["beginner", "software-engineer", "data-engineer", "math-stats"]),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    done=st.sets(st.sampled_from(["basics", "data-engineering", "models"])),
    logged=st.dictionaries(
        st.sampled_from(["basics", "data-engineering", "models"]), st.integers(0, 5000)
    ),
)
def test_plans_are_contiguous_and_sized_by_the_pace(
    hours: float, background: str, start: date, done: set[str], logged: dict[str, int]
) -> None:
    plan = build_plan(ML, background, hours, start, done, logged)
    scheduled = [m for m in plan.modules if m.start is not None]
    assert [m.module_id for m in plan.modules] == ["basics", "data-engineering", "models"]
    assert {m.module_id for m in plan.modules if m.done_before} == done
    cursor = start
    for m in scheduled:
        assert m.start == cursor
        assert m.days == days_for(m.hours, hours)
        assert m.days >= 1
        remaining = max(0.0, m.module_hours - logged.get(m.module_id, 0) / 60)
        assert m.hours == pytest.approx(remaining, abs=0.005)  # hours are kept to 2 decimals
        assert m.end is not None
        cursor = m.end + timedelta(days=1)
    assert plan.finish == (cursor - timedelta(days=1) if scheduled else start)
    # Never faster than the learner's pace allows.
    total = sum(m.hours for m in scheduled)
    assert sum(m.days for m in scheduled) >= math.floor(total / hours * 7)


@FAST
@given(hours=st.floats(1, 80), target=st.floats(0.01, 500))
def test_date_expecting_inverts_expected_hours(hours: float, target: float) -> None:
    plan = build_plan(ML, "beginner", hours, START)
    total = sum(m.hours for m in plan.modules)
    reached = date_expecting(plan.modules, target, START)
    if target > total:
        assert reached == plan.finish
    else:
        assert expected_hours(plan.modules, reached) >= target - 1e-6
        assert expected_hours(plan.modules, reached - timedelta(days=1)) < target

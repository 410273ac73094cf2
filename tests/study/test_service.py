"""StudyServices against a real SQLite file: what a learner sees, and what a bad input does."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot.errors import InvalidInput, NotFound, WaypointError
from bot.storage.db import Database
from bot.study.parsing import suggest_timezones
from bot.study.service import StudyServices
from tests.study.conftest import CATALOG, Clock

G1, G2, ALICE, BOB = 111, 222, 1, 2


async def _plan(service: StudyServices, scope: int = G1, user: int = ALICE, **kw: Any) -> None:
    args: dict[str, Any] = {"path": "ml", "background": "beginner", "hours_per_week": 10}
    await service.plans.new_plan(scope, user, **{**args, **kw})


async def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = ["learners", "plans", "plan_modules", "completions", "checkins"]
    return {
        t: [tuple(r) for r in await db.fetch_all(f"SELECT * FROM {t} ORDER BY 1, 2")]
        for t in tables
    }


async def test_plan_lists_every_module_with_dates_and_the_finish(service: StudyServices) -> None:
    plan = await service.plans.new_plan(
        G1, ALICE, path="ML Path", background="beginner", hours_per_week=10
    )
    assert plan.path_id == "ml"
    assert plan.start == date(2026, 3, 2)
    assert [(m.module_id, m.start, m.end) for m in plan.modules] == [
        ("basics", date(2026, 3, 2), date(2026, 3, 29)),
        ("data-engineering", date(2026, 3, 30), date(2026, 4, 12)),
        ("models", date(2026, 4, 13), date(2026, 5, 24)),
    ]
    assert plan.finish == date(2026, 5, 24)
    assert await service.plans.plan(G1, ALICE) == plan


async def test_start_defaults_to_today_in_the_learners_timezone(
    service: StudyServices, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    await service.learners.set_timezone(G1, ALICE, "Asia/Tokyo")  # already 3 March there
    plan = await service.plans.new_plan(
        G1, ALICE, path="ml", background="beginner", hours_per_week=10
    )
    assert plan.start == date(2026, 3, 3)


async def test_replanning_from_today_keeps_done_modules_and_logged_time(
    service: StudyServices, clock: Clock
) -> None:
    await _plan(service)
    await service.checkins.checkin(G1, ALICE, minutes=600, module="models")
    await service.plans.set_module_done(G1, ALICE, "basics")
    clock.advance(days=40)
    plan = await service.plans.replan(G1, ALICE, hours_per_week=5)
    basics, data, models = plan.modules
    assert basics.done_before
    assert data.start == date(2026, 4, 11)
    assert data.weekly_hours == 5
    assert models.hours == 50
    assert models.logged_before_minutes == 600
    assert len(await service.plans.plans(G1, ALICE)) == 1
    progress = await service.progress.progress(G1, ALICE)
    assert progress.total_minutes == 600
    assert [m.status for m in progress.modules] == ["done", "not started", "in progress"]


async def test_one_plan_per_path_and_the_latest_is_current(service: StudyServices) -> None:
    await _plan(service)
    await service.plans.new_plan(G1, ALICE, path="web", background="beginner", hours_per_week=3)
    await _plan(service, hours_per_week=20)
    plans = await service.plans.plans(G1, ALICE)
    assert [(p.path_id, p.hours_per_week) for p in plans] == [("ml", 20), ("web", 3)]
    assert (await service.plans.plan(G1, ALICE, "web")).path_id == "web"


async def test_a_check_in_reports_streak_first_of_day_and_module_progress(
    service: StudyServices,
) -> None:
    await _plan(service)
    first = await service.checkins.checkin(
        G1, ALICE, minutes=120, module="basics", note=" read ch. 1 "
    )
    assert first.first_of_day
    assert not first.duplicate
    assert first.streak.current == 1
    assert first.streak.studied_today
    assert first.checkin.note == "read ch. 1"
    assert first.module.logged_minutes == 120
    assert first.module.percent == 5  # 2 of 40 hours
    second = await service.checkins.checkin(G1, ALICE, minutes=30, module="Basics")
    assert not second.first_of_day
    assert second.module.logged_minutes == 150


async def test_the_same_request_delivered_twice_is_recorded_once(
    service: StudyServices, db: Database
) -> None:
    await _plan(service)
    results = await asyncio.gather(
        *(
            service.checkins.checkin(
                G1, ALICE, minutes=25, module="basics", request_key="interaction-1"
            )
            for _ in range(5)
        )
    )
    assert sum(not r.duplicate for r in results) == 1
    assert {r.checkin.id for r in results} == {results[0].checkin.id}
    assert await db.fetch_value("SELECT count(*) FROM checkins") == 1
    again = await service.checkins.checkin(
        G1, ALICE, minutes=25, module="basics", request_key="interaction-1"
    )
    assert again.duplicate
    assert again.module.logged_minutes == 25


async def test_a_hundred_concurrent_check_ins_are_all_committed(
    service: StudyServices, db: Database
) -> None:
    users = range(100, 200)
    for user in users:
        await _plan(service, user=user)
    await asyncio.gather(
        *(
            service.checkins.checkin(G1, u, minutes=30, module="basics", request_key=f"k{u}")
            for u in users
        ),
        *(service.checkins.checkin(G1, 100, minutes=5, module="models") for _ in range(20)),
    )
    assert await db.fetch_value("SELECT count(*) FROM checkins") == 120
    assert await db.integrity_check() == []


# Each bad input from the issue: one sentence, and nothing written.
BAD: list[tuple[str, Callable[[StudyServices], Awaitable[object]], str]] = [
    ("0 minutes", lambda s: s.checkins.checkin(G1, ALICE, minutes=0, module="basics"), "1 to 1440"),
    (
        "2000 minutes",
        lambda s: s.checkins.checkin(G1, ALICE, minutes=2000, module="basics"),
        "1 to 1440",
    ),
    (
        "unknown module",
        lambda s: s.checkins.checkin(G1, ALICE, minutes=5, module="cooking"),
        "basics",
    ),
    ("unknown timezone", lambda s: s.learners.set_timezone(G1, ALICE, "Mars/Olympus"), "IANA"),
    (
        "a future date",
        lambda s: s.checkins.checkin(G1, ALICE, minutes=5, module="basics", on=date(2026, 3, 3)),
        "back-dated up to 7 days",
    ),
    (
        "30 days back",
        lambda s: s.checkins.checkin(G1, ALICE, minutes=5, module="basics", on=date(2026, 1, 31)),
        "back-dated up to 7 days",
    ),
    (
        "hours per week 0",
        lambda s: s.plans.new_plan(G1, ALICE, path="ml", background="beginner", hours_per_week=0),
        "1 to 80",
    ),
    (
        "a 10,000 character note",
        lambda s: s.checkins.checkin(G1, ALICE, minutes=5, module="basics", note="x" * 10_000),
        "at most 500",
    ),
    (
        "a path that does not exist",
        lambda s: s.plans.new_plan(
            G1, ALICE, path="astrology", background="beginner", hours_per_week=5
        ),
        "paths are: ml, web",
    ),
    (
        "an unknown background",
        lambda s: s.plans.new_plan(G1, ALICE, path="ml", background="wizard", hours_per_week=5),
        "Background must be one of",
    ),
    (
        "an unknown done module",
        lambda s: s.plans.new_plan(
            G1, ALICE, path="ml", background="beginner", hours_per_week=5, done=["x"]
        ),
        "not a module",
    ),
    (
        "a start date years away",
        lambda s: s.plans.new_plan(
            G1, ALICE, path="ml", background="beginner", hours_per_week=5, start=date(2030, 1, 1)
        ),
        "within a year",
    ),
    ("a bad reminder time", lambda s: s.community.set_reminder(G1, ALICE, "25:00"), "19:30, 7pm"),
    ("a bad period", lambda s: s.community.leaderboard(G1, "decade"), "week or month"),
]


@pytest.mark.parametrize(("what", "call", "says"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("with_plan", [False, True], ids=["new learner", "with plan"])
async def test_bad_input_gets_one_sentence_and_changes_nothing(
    service: StudyServices,
    db: Database,
    what: str,
    call: Callable[[StudyServices], Awaitable[object]],
    says: str,
    with_plan: bool,
) -> None:
    if with_plan:
        await _plan(service)
        await service.checkins.checkin(G1, ALICE, minutes=5, module="basics")
    before = await _snapshot(db)
    with pytest.raises(WaypointError) as caught:
        await call(service)
    message = caught.value.user_message
    # Without a plan, a check-in whose minutes and note are fine is refused for that reason.
    assert says in message or (not with_plan and "no study plan yet" in message)
    assert message.endswith(".")
    assert "\n" not in message
    assert len(message) < 300
    assert await _snapshot(db) == before


async def test_no_plan_yet_is_explained(service: StudyServices) -> None:
    with pytest.raises(NotFound, match="no study plan yet"):
        await service.checkins.checkin(G1, ALICE, minutes=5, module="basics")
    with pytest.raises(NotFound, match="no study plan yet"):
        await service.progress.progress(G1, ALICE)
    assert await service.plans.current_module(G1, ALICE) is None


async def test_a_day_holds_at_most_24_hours(service: StudyServices, db: Database) -> None:
    await _plan(service)
    await service.checkins.checkin(G1, ALICE, minutes=1400, module="basics")
    with pytest.raises(InvalidInput, match="at most 40 more fit"):
        await service.checkins.checkin(G1, ALICE, minutes=41, module="basics")
    await service.checkins.checkin(G1, ALICE, minutes=40, module="basics")
    assert await db.fetch_value("SELECT sum(minutes) FROM checkins") == 1440


async def test_scopes_are_kept_apart(service: StudyServices) -> None:
    await _plan(service, scope=G1)
    await service.checkins.checkin(G1, ALICE, minutes=60, module="basics")
    with pytest.raises(NotFound):
        await service.progress.progress(G2, ALICE)
    await _plan(service, scope=G2)
    other = await service.progress.progress(G2, ALICE)
    assert other.total_minutes == 0
    assert other.streak.current == 0
    assert (await service.progress.progress(G1, ALICE)).total_minutes == 60


async def test_streak_across_local_midnight(service: StudyServices, clock: Clock) -> None:
    await service.learners.set_timezone(G1, ALICE, "America/New_York")
    await _plan(service)
    clock.now = datetime(2026, 3, 3, 4, 59, tzinfo=UTC)  # 23:59 on 2 March in New York
    late = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    clock.advance(minutes=2)  # 00:01 on 3 March
    early = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert late.checkin.study_date == date(2026, 3, 2)
    assert early.checkin.study_date == date(2026, 3, 3)
    assert early.first_of_day
    assert early.streak.current == 2


async def test_streak_across_a_dst_change(service: StudyServices, clock: Clock) -> None:
    await service.learners.set_timezone(G1, ALICE, "Europe/Paris")
    await _plan(service)
    # 23:30 in Paris every evening from 25 to 31 March 2026 (clocks go forward on the 29th).
    for day in range(25, 32):
        offset = 2 if day >= 29 else 1
        clock.now = datetime(2026, 3, day, 23 - offset, 30, tzinfo=UTC)
        result = await service.checkins.checkin(G1, ALICE, minutes=20, module="basics")
        assert result.checkin.study_date == date(2026, 3, day)
    assert result.streak.current == 7


async def test_moving_east_loses_no_streak(service: StudyServices, clock: Clock) -> None:
    await service.learners.set_timezone(G1, ALICE, "Pacific/Honolulu")
    await _plan(service)
    clock.now = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 23:00 Monday 2 March in Honolulu
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    # Flies to Kiritimati (a full day ahead): it is already 23:30 on Tuesday there.
    clock.advance(minutes=30)
    moved = await service.learners.set_timezone(G1, ALICE, "Pacific/Kiritimati")
    assert moved.local_now.date() == date(2026, 3, 3)
    assert moved.streak.current == 1
    assert moved.streak.studied_today  # still the study day of the Honolulu check-in
    # The next evening there, the streak simply continues.
    clock.advance(days=1)
    result = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert result.checkin.study_date == date(2026, 3, 4)
    assert result.streak.current == 2
    assert result.freezes_spent == ()


async def test_moving_west_doubles_no_day(service: StudyServices, clock: Clock) -> None:
    await service.learners.set_timezone(G1, ALICE, "Asia/Tokyo")
    await _plan(service)
    clock.now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 01:00 Tuesday 3 March in Tokyo
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    # An hour later in Los Angeles it is Monday 2 March again: same study day, not a new one.
    clock.advance(hours=1)
    moved = await service.learners.set_timezone(G1, ALICE, "America/Los_Angeles")
    assert moved.local_now.date() == date(2026, 3, 2)
    again = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert again.streak.current == 1
    assert not again.first_of_day
    clock.advance(days=1)
    assert (
        await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    ).streak.current == 2


async def test_a_freeze_covers_a_missed_day_and_the_learner_is_told(
    service: StudyServices, clock: Clock
) -> None:
    await _plan(service)
    for _ in range(7):
        result = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
        clock.advance(days=1)
    assert result.streak.freezes_held == 1
    clock.advance(days=1)  # 9 March passes without study
    saved = await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert saved.freezes_spent == (date(2026, 3, 9),)
    assert saved.streak.current == 8
    assert saved.streak.freezes_held == 0
    assert saved.streak.frozen_dates == (date(2026, 3, 9),)
    progress = await service.progress.progress(G1, ALICE)
    assert progress.streak.frozen_dates == (date(2026, 3, 9),)


async def test_back_dating_repairs_a_streak_with_an_audit_trail(
    service: StudyServices, clock: Clock
) -> None:
    await _plan(service)
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")  # Mon 2 March
    clock.advance(days=2)
    assert (
        await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    ).streak.current == 1
    repaired = await service.checkins.checkin(
        G1, ALICE, minutes=45, module="basics", on=date(2026, 3, 3), note="forgot to log"
    )
    assert repaired.streak.current == 3
    assert repaired.checkin.backdated
    assert repaired.freezes_spent == ()
    audit = await service.checkins.backdated(G1, ALICE)
    assert len(audit) == 1
    assert audit[0].filled_gap
    assert audit[0].checkin.study_date == date(2026, 3, 3)
    assert audit[0].checkin.entered_at == clock.now


async def test_progress_pace_and_projection(service: StudyServices, clock: Clock) -> None:
    await _plan(service)  # 10 h/week: basics is 40 h over 28 days
    for _ in range(14):
        await service.checkins.checkin(G1, ALICE, minutes=60, module="basics")
        clock.advance(days=1)
    progress = await service.progress.progress(G1, ALICE)
    assert progress.today == date(2026, 3, 16)
    basics = progress.modules[0]
    assert (basics.logged_minutes, basics.percent) == (840, 35)
    pace = progress.pace
    # 14 h done; the plan expected 20 h by yesterday, i.e. 14 h by 11 March: 4 days behind.
    assert pace.status == "behind"
    assert pace.days == 4
    assert pace.recent_hours_per_week == 7
    assert pace.projected_finish == date(2026, 3, 16) + timedelta(days=106)
    assert progress.streak.current == 14
    assert progress.streak.at_risk
    assert len(progress.daily_minutes) == 11 * 7 + 1
    assert progress.daily_minutes[-1] == (date(2026, 3, 16), 0)
    assert progress.daily_minutes[-2] == (date(2026, 3, 15), 60)
    assert progress.week_minutes == 0


async def test_current_module_and_next_step(service: StudyServices, clock: Clock) -> None:
    await _plan(service)
    current = await service.plans.current_module(G1, ALICE)
    assert current is not None
    assert current.module_id == "basics"
    clock.advance(days=30)  # the plan now schedules data-engineering
    step = await service.plans.next_step(G1, ALICE)
    assert step.current.module_id == "data-engineering"
    assert step.topics == ("SQL",)
    assert step.module_days_left == 12
    await service.plans.set_module_done(G1, ALICE, "data-engineering")
    assert (await service.plans.next_step(G1, ALICE)).current.module_id == "models"
    clock.now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    step = await service.plans.next_step(G1, ALICE)
    assert step.current.module_id == "basics"
    assert step.resources[0].title == "Python Tutorial"
    for module in ("basics", "models"):
        await service.plans.set_module_done(G1, ALICE, module)
    assert await service.plans.current_module(G1, ALICE) is None
    assert (await service.progress.progress(G1, ALICE)).pace.status == "complete"


async def test_ics_export_has_one_event_per_module(service: StudyServices) -> None:
    await _plan(service, done=["basics"])
    calendar = Calendar.from_ical(await service.plans.export_ics(G1, ALICE))
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == [
        "Data Engineering (ML Path)",
        "Models (ML Path)",
    ]
    assert events[0].decoded("DTSTART") == date(2026, 3, 2)
    assert events[0].decoded("DTEND") == date(2026, 3, 16)
    assert len({str(e["UID"]) for e in events}) == 2


async def test_progress_png_is_a_real_picture(service: StudyServices) -> None:
    from PIL import Image

    await _plan(service)
    await service.checkins.checkin(G1, ALICE, minutes=90, module="basics")
    png = await service.progress.progress_png(G1, ALICE)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width > 600
    assert image.height > 300


async def test_export_and_delete_my_data(service: StudyServices, db: Database) -> None:
    await _plan(service)
    await _plan(service, user=BOB)
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics", note="hello")
    await service.checkins.checkin(G1, BOB, minutes=30, module="basics")
    await service.plans.set_module_done(G1, ALICE, "basics")
    data = json.loads(json.dumps(await service.privacy.export_data(G1, ALICE)))
    assert data["format"] == "waypoint-study-export"
    assert data["checkins"][0]["note"] == "hello"
    assert data["plans"][0]["path"] == "ml"
    assert data["completed_modules"][0]["module"] == "basics"
    assert data["learner"]["timezone"] is None
    deleted = await service.privacy.delete_data(G1, ALICE)
    assert (deleted.checkins, deleted.plans, deleted.completions) == (1, 1, 1)
    empty = await service.privacy.export_data(G1, ALICE)
    assert (empty["learner"], empty["plans"], empty["checkins"]) == (None, [], [])
    assert (await service.progress.progress(G1, BOB)).total_minutes == 30
    assert await db.integrity_check() == []


async def test_reminders_fire_once_a_day_only_for_streaks_at_risk(
    service: StudyServices, clock: Clock
) -> None:
    await _plan(service)
    await service.learners.set_timezone(G1, ALICE, "Europe/Paris")
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert (await service.community.set_reminder(G1, ALICE, "9:05")).at == "09:05"
    clock.now = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Paris: not yet
    assert await service.community.due_reminders() == []
    clock.advance(minutes=10)
    due = await service.community.due_reminders()
    assert [(d.user_id, d.local_date, d.streak) for d in due] == [(ALICE, date(2026, 3, 3), 1)]
    assert await service.community.mark_reminded(G1, ALICE, date(2026, 3, 3))
    assert not await service.community.mark_reminded(G1, ALICE, date(2026, 3, 3))
    assert await service.community.due_reminders() == []
    clock.advance(days=1)
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    assert await service.community.due_reminders() == []  # already studied today
    await service.community.set_reminder(G1, ALICE, None)
    clock.advance(days=1)
    assert await service.community.due_reminders() == []


async def test_leaderboard_shows_only_learners_who_joined(service: StudyServices) -> None:
    for user in (ALICE, BOB):
        await _plan(service, user=user)
        await service.checkins.checkin(G1, user, minutes=30 * user, module="basics")
    assert await service.community.leaderboard(G1) == []
    await service.community.set_leaderboard(G1, BOB, True)
    board = await service.community.leaderboard(G1, "month")
    assert [(e.user_id, e.minutes) for e in board] == [(BOB, 60)]
    await service.community.set_leaderboard(G1, BOB, False)
    assert await service.community.leaderboard(G1) == []


def test_timezone_suggestions() -> None:
    assert suggest_timezones("europe/pa")[0] == "Europe/Paris"
    assert "Asia/Kolkata" in suggest_timezones("kolk")
    assert len(suggest_timezones("")) == 25


async def test_data_survives_a_restart(tmp_path: Any, clock: Clock) -> None:
    path = tmp_path / "w.sqlite3"
    db = await Database.open(path)
    service = StudyServices.build(db, lambda: CATALOG, clock=clock)
    await _plan(service)
    await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
    await db.close()
    db = await Database.open(path)
    try:
        service = StudyServices.build(db, lambda: CATALOG, clock=clock)
        assert (await service.progress.progress(G1, ALICE)).total_minutes == 30
    finally:
        await db.close()


async def test_pace_counts_only_the_plans_own_path(service: StudyServices, clock: Clock) -> None:
    await service.plans.new_plan(G1, ALICE, path="web", background="beginner", hours_per_week=3)
    await _plan(service)  # ml is now the current plan
    for _ in range(10):
        await service.checkins.checkin(G1, ALICE, minutes=60, module="basics", path="web")
        await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
        clock.advance(days=1)
    ml = await service.progress.progress(G1, ALICE)
    web = await service.progress.progress(G1, ALICE, path="web")
    assert ml.pace.recent_hours_per_week == 3.5  # 5 h in the last 10 days, not 15 h
    assert web.modules[0].logged_minutes == 600
    assert ml.total_minutes == web.total_minutes == 900  # totals and streak span every path
    assert ml.streak.current == 10

"""Voice study rooms in the service, on SQLite and PostgreSQL: what a stay logs, and when not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.storage.db import Database
from bot.study.rooms import StudyRoomService, seconds_per_day
from bot.study.service import StudyServices
from tests.study.conftest import Clock

G1, ALICE, BOB, MOD = 111, 1, 2, 9
ROOM, OTHER_ROOM, LOUNGE = 500, 501, 502


async def _ready(service: StudyServices, *users: int) -> StudyRoomService:
    for user in users:
        await service.plans.new_plan(G1, user, path="ml", background="beginner", hours_per_week=10)
    rooms = service.rooms
    await rooms.toggle_room(G1, ROOM, by=MOD)
    await rooms.toggle_room(G1, OTHER_ROOM, by=MOD)
    return rooms


async def _logged(db: Database, user: int = ALICE) -> list[tuple[str, int, str]]:
    rows = await db.fetch_all(
        "SELECT study_date, minutes, module_id FROM checkins WHERE user_id = ?"
        " ORDER BY study_date, id",
        (user,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_marking_twice_unmarks_and_lists_the_rooms(service: StudyServices) -> None:
    rooms = service.rooms
    first = await rooms.toggle_room(G1, ROOM, by=MOD)
    second = await rooms.toggle_room(G1, OTHER_ROOM, by=MOD)
    assert (first.added, first.rooms) == (True, (ROOM,))
    assert (second.added, second.rooms) == (True, (ROOM, OTHER_ROOM))
    again = await rooms.toggle_room(G1, ROOM, by=MOD)
    assert (again.added, again.rooms) == (False, (OTHER_ROOM,))
    assert await rooms.rooms(222) == ()


async def test_a_stay_across_local_midnight_is_split_by_the_learners_day(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await service.learners.set_timezone(G1, ALICE, "Europe/Paris")
    clock.now = datetime(2026, 3, 2, 22, 40, tzinfo=UTC)  # 23:40 in Paris
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=50)  # 00:30 on 3 March in Paris
    closed = await rooms.observe(G1, ALICE, None)
    assert closed is not None
    assert closed.counted_minutes == 50
    assert await _logged(db) == [("2026-03-02", 20, "basics"), ("2026-03-03", 30, "basics")]
    progress = await service.progress.progress(G1, ALICE)
    assert progress.streak.current == 2
    assert progress.room_minutes == progress.total_minutes == 50


async def test_the_minimum_is_ten_minutes(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=9, seconds=59)
    closed = await rooms.observe(G1, ALICE, None)
    assert closed is not None
    assert closed.logged == ()
    assert await _logged(db) == []
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=10)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 10, "basics")]


async def test_moving_between_rooms_is_one_stay_and_other_channels_log_nothing(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, LOUNGE)
    clock.advance(minutes=30)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=6)
    assert await rooms.observe(G1, ALICE, OTHER_ROOM) is None  # still one stay
    clock.advance(minutes=6)
    await rooms.observe(G1, ALICE, LOUNGE)  # leaving the study rooms ends it
    clock.advance(minutes=30)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 12, "basics")]


async def test_deafened_and_alone_time_does_not_count(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM, counting=False)
    clock.advance(minutes=40)
    await rooms.observe(G1, ALICE, ROOM, counting=True)  # someone came in
    clock.advance(minutes=15)
    await rooms.observe(G1, ALICE, ROOM, counting=False)  # alone again
    clock.advance(minutes=40)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 15, "basics")]


async def test_members_without_a_plan_log_nothing(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service)
    await rooms.observe(G1, BOB, ROOM)
    clock.advance(minutes=45)
    assert await rooms.observe(G1, BOB, None) is None
    assert await db.fetch_value("SELECT count(*) FROM room_stays") == 0
    assert await _logged(db, BOB) == []


async def test_a_typed_checkin_during_the_stay_is_not_counted_twice(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=5)
    await service.checkins.checkin(G1, ALICE, minutes=20, module="basics")
    clock.advance(minutes=25)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 20, "basics"), ("2026-03-02", 10, "basics")]
    assert (await service.progress.progress(G1, ALICE)).total_minutes == 30


async def test_the_daily_cap_holds(service: StudyServices, clock: Clock, db: Database) -> None:
    rooms = await _ready(service, ALICE)
    await service.checkins.checkin(G1, ALICE, minutes=1430, module="basics")
    clock.advance(minutes=1)  # typed before the stay: not the same time
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=30)
    closed = await rooms.observe(G1, ALICE, None)
    assert closed is not None
    assert [c.minutes for c in closed.logged] == [10]
    assert (await service.progress.progress(G1, ALICE)).total_minutes == 1440


async def test_a_restart_continues_present_stays_and_closes_the_rest_at_the_last_known_time(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE, BOB)
    await rooms.observe(G1, ALICE, ROOM)
    await rooms.observe(G1, BOB, ROOM)
    clock.advance(minutes=20)
    await rooms.touch(G1)  # the bot's last note before it went down
    clock.advance(minutes=90)  # down; bob left meanwhile, alice is still there
    closed = await rooms.resume(G1, {ALICE: (ROOM, True)})
    assert [(c.user_id, c.counted_minutes) for c in closed] == [(BOB, 20)]
    assert await _logged(db, BOB) == [("2026-03-02", 20, "basics")]
    clock.advance(minutes=10)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db, ALICE) == [("2026-03-02", 120, "basics")]
    # Reconnecting again finds nothing left to close: each stay was logged once.
    assert await rooms.resume(G1, {}) == []
    assert len(await _logged(db, BOB)) == 1


async def test_unmarking_a_room_ends_the_stays_in_it(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=25)
    await rooms.toggle_room(G1, ROOM, by=MOD)
    clock.advance(minutes=60)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 25, "basics")]


async def test_deleting_my_data_forgets_an_open_stay(
    service: StudyServices, clock: Clock, db: Database
) -> None:
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(minutes=30)
    await service.privacy.delete_data(G1, ALICE)
    assert await db.fetch_value("SELECT count(*) FROM room_stays") == 0
    assert await rooms.observe(G1, ALICE, None) is None
    assert await _logged(db) == []


async def test_a_short_minute_for_demos(db: Database, clock: Clock) -> None:
    from tests.study.conftest import CATALOG

    service = StudyServices.build(db, lambda: CATALOG, clock=clock, room_minute_seconds=1)
    rooms = await _ready(service, ALICE)
    await rooms.observe(G1, ALICE, ROOM)
    clock.advance(seconds=14)
    await rooms.observe(G1, ALICE, None)
    assert await _logged(db) == [("2026-03-02", 14, "basics")]


ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=instants,
    lengths=st.lists(st.integers(0, 3 * 86400), min_size=1, max_size=4),
)
def test_splitting_by_local_day_keeps_every_second_once(
    zone: str, start: datetime, lengths: list[int]
) -> None:
    tz = ZoneInfo(zone)
    spans = []
    at = start
    for length in lengths:
        spans.append((at, at + timedelta(seconds=length)))
        at += timedelta(seconds=length + 600)
    per_day = seconds_per_day(spans, tz)
    assert sum(per_day.values()) == pytest.approx(sum(lengths), abs=1e-3)
    first: date = start.astimezone(tz).date()
    last: date = spans[-1][1].astimezone(tz).date()
    assert all(first <= d <= last for d in per_day)
    # No local day holds more than a day (25 h on a DST change).
    assert all(s <= 25 * 3600 for s in per_day.values())

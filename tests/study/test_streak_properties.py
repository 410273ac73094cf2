"""Streak invariants end to end: real check-ins and timezone moves through StudyServices."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage.db import Database
from bot.study.service import StudyServices
from tests.study.conftest import CATALOG, Clock

ZONES = [
    "UTC",
    "Pacific/Honolulu",
    "America/New_York",
    "Europe/Paris",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
]
EXAMPLES = int(os.environ.get("WAYPOINT_HYPOTHESIS_EXAMPLES", "12"))

steps = st.lists(
    st.one_of(
        st.tuples(st.just("checkin"), st.integers(1, 40 * 60)),  # wait up to 40 h, check in
        st.tuples(st.sampled_from(ZONES), st.integers(0, 6 * 60)),  # wait, then move there
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first_zone=st.sampled_from(ZONES), plan=steps)
def test_checking_in_never_lowers_a_streak_and_moving_never_changes_it(
    first_zone: str, plan: list[tuple[str, int]]
) -> None:
    async def scenario(folder: Path) -> None:
        db = await Database.open(folder / "w.sqlite3")
        clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))  # spans the DST changes
        service = StudyServices.build(db, lambda: CATALOG, clock=clock)
        try:
            await service.learners.set_timezone(1, 1, first_zone)
            await service.plans.new_plan(1, 1, path="ml", background="beginner", hours_per_week=10)
            for action, minutes in plan:
                clock.advance(minutes=minutes)
                if action == "checkin":
                    before = (await service.progress.progress(1, 1)).streak
                    after = (
                        await service.checkins.checkin(1, 1, minutes=5, module="basics")
                    ).streak
                    assert after.studied_today
                    assert after.current >= max(before.current, 1)
                    assert after.current <= before.current + 1
                    assert after.longest >= before.longest
                else:
                    before = (await service.progress.progress(1, 1)).streak
                    moved = await service.learners.set_timezone(1, 1, action)
                    assert (moved.streak.current, moved.streak.longest) == (
                        before.current,
                        before.longest,
                    )
                    assert moved.streak.studied_today == before.studied_today
            # Day numbers advance only at local midnights of the zone the learner is in, so
            # study days can outnumber the days lived through only by one per move at most
            # (a day shortened by a move west). 23-hour DST days add a little slack.
            streak = (await service.progress.progress(1, 1)).streak
            elapsed = (clock.now - datetime(2026, 3, 20, 12, tzinfo=UTC)) / timedelta(hours=23)
            moves = sum(1 for action, _ in plan if action != "checkin")
            assert streak.longest <= elapsed + moves + 2
        finally:
            await db.close()

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(scenario(Path(folder)))

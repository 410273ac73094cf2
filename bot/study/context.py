"""What every study use case shares: the database, the roadmaps, the clock, the default zone.

Study methods take `(scope, user_id, ...)`: the scope is the Discord guild id (the terminal uses
`TERMINAL_SCOPE`), so a learner's data in one community is never seen from another. Services
return frozen dataclasses from `bot.study.models` and raise `WaypointError` subclasses with one
sentence for the learner; a bad input raises before anything is written, and every write runs in
one transaction, so a failed call changes nothing.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime

from bot.errors import NotFound
from bot.storage.db import Database
from bot.storage.study import StudyRepository
from bot.study import pace
from bot.study.models import Learner, ModuleProgress, Plan, PlannedModule, StreakInfo
from bot.study.parsing import resolve_timezone
from bot.study.streaks import Streak, compute_streak, date_of_day, day_number, local_date
from bot.text import command_ref
from index.catalog import Catalog, Roadmap

Clock = Callable[[], datetime]


def no_plan(path_id: str | None = None) -> NotFound:
    """The error for a learner without a plan (for `path_id`, when given)."""
    which = "no study plan yet" if path_id is None else f"no plan for {path_id}"
    return NotFound(f"You have {which}; make one with {command_ref('plan new')} first.")


def utc_now() -> datetime:
    """The real clock (tests pass their own)."""
    return datetime.now(UTC)


class StudyContext:
    """Shared by the study services; holds no per-request state."""

    def __init__(
        self,
        db: Database,
        catalog: Callable[[], Catalog],
        *,
        default_timezone: str = "UTC",
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.repo = StudyRepository(db)
        self.catalog = catalog
        # Derived once here: every service and both front ends read this one value.
        self.default_timezone = resolve_timezone(default_timezone)
        self._clock = clock or utc_now

    def now(self) -> datetime:
        """The current time from the configured clock (timezone-aware)."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now

    def zone_name(self, learner: Learner | None) -> str:
        """The learner's timezone, or the default when they set none."""
        return learner.timezone if learner and learner.timezone else self.default_timezone

    def zone(self, learner: Learner | None) -> zoneinfo.ZoneInfo:
        """`zone_name` as a ZoneInfo."""
        return zoneinfo.ZoneInfo(self.zone_name(learner))

    def roadmap(self, path: str) -> Roadmap:
        """The roadmap with this id (or title, any case), or NotFound naming the valid ones."""
        roadmaps = self.catalog().roadmaps
        key = path.strip().lower()
        found = roadmaps.get(key) or next(
            (r for r in roadmaps.values() if r.title.lower() == key), None
        )
        if found is None:
            names = ", ".join(sorted(roadmaps)) or "none are loaded"
            raise NotFound(f"There is no path {path.strip()[:60]!r}; paths are: {names}.")
        return found

    async def plan(self, scope: int, user_id: int, path: str | None = None) -> Plan:
        """The current plan, or the plan for `path`; NotFound if there is none."""
        path_id = None if path is None else self.roadmap(path).id
        plans = await self.repo.plans(scope, user_id, path_id)
        if not plans:
            raise no_plan(path_id)
        return plans[0]

    async def streak_state(self, learner: Learner, now: datetime) -> Streak:
        """The learner's streak as of `now` in their timezone."""
        today = day_number(local_date(now, self.zone(learner)), learner.day_shift)
        days = await self.repo.study_days(learner.scope, learner.user_id)
        return compute_streak(days, today)

    def streak_info(self, streak: Streak, learner: Learner) -> StreakInfo:
        """A streak with its frozen days as the learner's dates."""
        return StreakInfo(
            current=streak.current,
            longest=streak.longest,
            freezes_held=streak.freezes_held,
            frozen_dates=tuple(date_of_day(d, learner.day_shift) for d in streak.frozen_days),
            studied_today=streak.studied_today,
            at_risk=streak.at_risk,
        )

    async def streak(self, learner: Learner, now: datetime) -> StreakInfo:
        """`streak_state` as a StreakInfo."""
        return self.streak_info(await self.streak_state(learner, now), learner)

    async def module_progress(
        self, scope: int, user_id: int, plan: Plan, planned: PlannedModule
    ) -> ModuleProgress:
        """One planned module's progress from what is stored now."""
        logged = await self.repo.minutes_by_module(scope, user_id, plan.path_id)
        completed = await self.repo.completed(scope, user_id, plan.path_id)
        return pace.module_progress(planned, logged, completed)

"""Learners and their time: who they are, their timezone, their local date."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date

from bot.study.context import StudyContext
from bot.study.models import Learner, LearnerZone, TimezoneChange
from bot.study.parsing import resolve_timezone, suggest_timezones
from bot.study.streaks import local_date, shift_after_move

log = logging.getLogger(__name__)


class LearnerService:
    """A learner's settings that every other use case reads."""

    suggest_timezones = staticmethod(suggest_timezones)

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    @property
    def default_timezone(self) -> str:
        """The zone of learners who set none (the WAYPOINT_DEFAULT_TIMEZONE setting)."""
        return self._ctx.default_timezone

    async def learner(self, scope: int, user_id: int) -> Learner | None:
        """The learner's settings in this scope, or None if they never used study tracking."""
        return await self._ctx.repo.learner(scope, user_id)

    async def today(self, scope: int, user_id: int) -> date:
        """The learner's local date now."""
        return (await self.zone(scope, user_id)).today

    async def zone(self, scope: int, user_id: int) -> LearnerZone:
        """The zone the learner's days follow (theirs, or the default) and their date now."""
        learner = await self._ctx.repo.learner(scope, user_id)
        return LearnerZone(
            zone=self._ctx.zone_name(learner),
            explicit=bool(learner and learner.timezone),
            today=local_date(self._ctx.now(), self._ctx.zone(learner)),
        )

    async def set_timezone(self, scope: int, user_id: int, name: str) -> TimezoneChange:
        """Set the learner's IANA timezone; their streak is the same before and after."""
        ctx = self._ctx
        zone = resolve_timezone(name)
        now = ctx.now()
        async with ctx.db.transaction():
            learner = await ctx.repo.ensure_learner(scope, user_id, now)
            old = ctx.zone_name(learner)
            shift = shift_after_move(
                now, zoneinfo.ZoneInfo(old), zoneinfo.ZoneInfo(zone), learner.day_shift
            )
            await ctx.repo.set_timezone(scope, user_id, zone, shift)
            learner = await ctx.repo.ensure_learner(scope, user_id, now)
            streak = await ctx.streak(learner, now)
        log.info("timezone scope=%s user=%s %s -> %s", scope, user_id, old, zone)
        return TimezoneChange(old, zone, now.astimezone(zoneinfo.ZoneInfo(zone)), streak)

"""Community, opt-in: the daily streak reminder and the leaderboard."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, time, timedelta

from bot.errors import InvalidInput
from bot.storage.milestones import MilestoneRepository
from bot.study.context import StudyContext
from bot.study.models import DueReminder, LeaderboardEntry, LearnerZone, ReminderSetting
from bot.study.parsing import check_reminder_time
from bot.study.streaks import local_date

MAX_MILESTONE_DAYS = 3650


class CommunityService:
    """Reminders and the leaderboard; both stay off until the learner turns them on."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx
        self._milestones = MilestoneRepository(ctx.db)

    # Streak milestone roles -----------------------------------------------------------------

    async def toggle_milestone_role(
        self, scope: int, days: int, role_id: int, by: int
    ) -> tuple[bool, dict[int, int]]:
        """Give `role_id` at a `days`-day streak (the same role again removes it); returns
        whether it is set now and every milestone of the server, days -> role id."""
        if isinstance(days, bool) or not 1 <= days <= MAX_MILESTONE_DAYS:
            raise InvalidInput(f"A milestone is a streak of 1 to {MAX_MILESTONE_DAYS} days.")
        is_set = await self._milestones.toggle_role(scope, days, role_id, by, self._ctx.now())
        return is_set, await self._milestones.roles(scope)

    async def milestone_roles(self, scope: int) -> dict[int, int]:
        """The server's milestones, days -> role id."""
        return await self._milestones.roles(scope)

    async def milestones_due(self, scope: int, user_id: int, streak: int) -> list[tuple[int, int]]:
        """(days, role id) the member has reached with `streak` and was never given."""
        return await self._milestones.ungranted(scope, user_id, streak)

    async def milestone_granted(self, scope: int, user_id: int, days: int, role_id: int) -> bool:
        """Record that the member got the milestone's role (once; False if already recorded)."""
        return await self._milestones.record_grant(scope, user_id, days, role_id, self._ctx.now())

    async def set_reminder(self, scope: int, user_id: int, at: str | None) -> ReminderSetting:
        """Turn the daily streak reminder on at local time `at` ('HH:MM'), or off with None."""
        ctx = self._ctx
        value = None if at is None else check_reminder_time(at)
        now = ctx.now()
        async with ctx.db.transaction():
            learner = await ctx.repo.ensure_learner(scope, user_id, now)
            await ctx.repo.set_reminder(scope, user_id, value)
        zone = LearnerZone(
            ctx.zone_name(learner), bool(learner.timezone), local_date(now, ctx.zone(learner))
        )
        return ReminderSetting(value, zone)

    async def due_reminders(
        self, shard_ids: Collection[int] | None = None, shard_count: int | None = None
    ) -> list[DueReminder]:
        """Learners to remind now: past their local reminder time, not reminded today, no
        check-in today and a streak that would end tonight; given this process's shards, only
        the learners of the servers Discord routes to them.

        Claim them with `claim_reminders` (or `mark_reminded`) and send only what was claimed:
        that claim is what keeps a reminder from going out twice, across restarts and
        processes.
        """
        ctx = self._ctx
        now = ctx.now()
        due: list[DueReminder] = []
        for learner in await ctx.repo.learners_with_reminders(shard_ids, shard_count):
            local = now.astimezone(ctx.zone(learner))
            assert learner.remind_at is not None
            if local.time() < time.fromisoformat(learner.remind_at):
                continue
            if learner.last_reminded is not None and learner.last_reminded >= local.date():
                continue
            streak = await ctx.streak_state(learner, now)
            if streak.at_risk:
                due.append(
                    DueReminder(learner.scope, learner.user_id, local.date(), streak.current)
                )
        return due

    async def claim_reminders(
        self,
        due: Iterable[DueReminder],
        shard_ids: Collection[int] | None = None,
        shard_count: int | None = None,
    ) -> list[DueReminder]:
        """Record today's reminder for each of `due` and return the ones this call claimed:
        send those, and only those. One statement per local date (learners in different
        timezones may be on different days), restricted to this process's shards, so two
        processes (or two overlapping passes) never both get a learner for the same day."""
        by_day: dict[date, dict[tuple[int, int], DueReminder]] = {}
        for item in due:
            by_day.setdefault(item.local_date, {})[(item.scope, item.user_id)] = item
        claimed: list[DueReminder] = []
        async with self._ctx.db.transaction():
            for day, items in sorted(by_day.items()):
                got = await self._ctx.repo.claim_reminders(day, items, shard_ids, shard_count)
                claimed += [items[key] for key in got]
        return claimed

    async def mark_reminded(self, scope: int, user_id: int, on: date) -> bool:
        """Record that today's reminder went out; False if it already had (never send twice)."""
        async with self._ctx.db.transaction():
            return await self._ctx.repo.mark_reminded(scope, user_id, on)

    async def set_leaderboard(self, scope: int, user_id: int, joined: bool) -> None:
        """Join or leave this scope's leaderboard (opt-in)."""
        ctx = self._ctx
        async with ctx.db.transaction():
            await ctx.repo.ensure_learner(scope, user_id, ctx.now())
            await ctx.repo.set_leaderboard(scope, user_id, joined)

    async def leaderboard(
        self, scope: int, period: str = "week", limit: int = 10
    ) -> list[LeaderboardEntry]:
        """Opted-in learners by study time this week (Monday on) or this month, UTC dates."""
        today = self._ctx.now().astimezone(UTC).date()
        if period == "week":
            first = today - timedelta(days=today.weekday())
        elif period == "month":
            first = today.replace(day=1)
        else:
            raise InvalidInput("The period must be week or month.")
        return await self._ctx.repo.leaderboard(scope, first, today + timedelta(days=1), limit)

"""Progress: the numbers (time per module, pace, streaks, totals) and the picture."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.storage.rooms import RoomRepository
from bot.study import pace
from bot.study.context import StudyContext
from bot.study.models import Progress
from bot.study.streaks import local_date

HEATMAP_WEEKS = 12
PACE_WINDOW_DAYS = 28


class ProgressService:
    """How a learner is doing against their plan."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def progress(
        self, scope: int, user_id: int, *, path: str | None = None, weeks: int = HEATMAP_WEEKS
    ) -> Progress:
        """Per-module time against plan, pace, streaks, totals and the daily minutes of `weeks`."""
        ctx, repo = self._ctx, self._ctx.repo
        plan = await ctx.plan(scope, user_id, path)
        learner = await repo.learner(scope, user_id)
        assert learner is not None  # a plan implies a learner
        now = ctx.now()
        today = local_date(now, ctx.zone(learner))
        logged = await repo.minutes_by_module(scope, user_id, plan.path_id)
        completed = await repo.completed(scope, user_id, plan.path_id)
        modules = tuple(pace.module_progress(m, logged, completed) for m in plan.modules)
        streak = await ctx.streak_state(learner, now)
        total, count = await repo.totals(scope, user_id)
        first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
        daily = await repo.daily_minutes(
            scope, user_id, min(first, today - timedelta(days=PACE_WINDOW_DAYS))
        )
        # Recent pace: the complete days before today (at least a week, at most four) plus
        # whatever today already has, on this path only.
        window = max(7, min(PACE_WINDOW_DAYS, (today - plan.start).days))
        since = today - timedelta(days=window)
        recent = sum(m for d, m in daily.items() if d >= since)
        if await repo.plan_count(scope, user_id) > 1:
            recent = sum((await repo.daily_minutes(scope, user_id, since, plan.path_id)).values())
        monday = today - timedelta(days=today.weekday())
        return Progress(
            scope=scope,
            user_id=user_id,
            today=today,
            timezone=ctx.zone_name(learner),
            plan=plan,
            modules=modules,
            streak=ctx.streak_info(streak, learner),
            total_minutes=total,
            checkins=count,
            study_days=streak.study_days,
            week_minutes=sum(m for d, m in daily.items() if d >= monday),
            pace=pace.pace(plan, logged, completed, today, recent / 60 / (window / 7)),
            daily_minutes=tuple(
                (first + timedelta(days=i), daily.get(first + timedelta(days=i), 0))
                for i in range((today - first).days + 1)
            ),
            room_minutes=await RoomRepository(ctx.db).room_minutes(scope, user_id),
        )

    async def progress_png(
        self, scope: int, user_id: int, *, path: str | None = None, weeks: int = HEATMAP_WEEKS
    ) -> bytes:
        """The progress picture (heatmap + module bars) as PNG bytes, drawn in a worker thread."""
        return await self.picture(await self.progress(scope, user_id, path=path, weeks=weeks))

    @staticmethod
    async def picture(progress: Progress) -> bytes:
        """The picture of progress already computed (matplotlib runs off the event loop)."""
        from bot.study.charts import render_progress

        return await asyncio.to_thread(render_progress, progress)

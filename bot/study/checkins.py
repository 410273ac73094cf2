"""Check-ins: logging study time (idempotent, back-dating, the daily cap) and their audit."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.errors import InvalidInput
from bot.study.context import StudyContext, no_plan
from bot.study.models import BackdatedEntry, Checkin, CheckinResult, ModuleProgress
from bot.study.parsing import MAX_MINUTES, check_minutes, check_note
from bot.study.plans import plan_module
from bot.study.streaks import (
    compute_streak,
    date_of_day,
    day_number,
    freezes_spent_between,
    local_date,
)
from bot.text import date_text

log = logging.getLogger(__name__)

BACKDATE_DAYS = 7


class CheckinService:
    """Study time logged on a module of a plan."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def checkin(
        self,
        scope: int,
        user_id: int,
        *,
        minutes: int,
        module: str,
        note: str | None = None,
        on: date | None = None,
        request_key: str | None = None,
        path: str | None = None,
    ) -> CheckinResult:
        """Log study time on a module of the current (or named) plan.

        `on` back-dates it (a local date up to 7 days back, in the learner's current calendar;
        the entry time is kept as an audit trail).
        `request_key` makes the call idempotent: the same key is recorded once, and repeating it
        returns the first result with `duplicate=True`.
        """
        ctx = self._ctx
        minutes = check_minutes(minutes)
        note = check_note(note)
        if request_key is not None:
            existing = await ctx.repo.checkin_by_key(scope, user_id, request_key)
            if existing is not None:
                return await self._duplicate(existing)
        plan = await ctx.plan(scope, user_id, path)
        planned = plan_module(plan, module)
        now = ctx.now()
        # Kept short: the write lock is held from here to the commit. Only this learner's rows
        # are read and written, so other learners' check-ins may commit meanwhile.
        async with ctx.db.transaction(learner=(scope, user_id)):
            learner = await ctx.repo.learner(scope, user_id)
            if learner is None:  # deleted (mydata delete) since the plan was read
                raise no_plan()
            today = local_date(now, ctx.zone(learner))
            studied = on or today
            oldest = today - timedelta(days=BACKDATE_DAYS)
            if not oldest <= studied <= today:
                raise InvalidInput(
                    f"The date must be between {date_text(oldest)} and today "
                    f"({date_text(today)}); check-ins can be back-dated up to {BACKDATE_DAYS} days."
                )
            day = day_number(studied, learner.day_shift)
            per_day = await ctx.repo.minutes_per_day(scope, user_id)
            already = per_day.get(day, 0)
            checkin = None
            if already + minutes <= MAX_MINUTES:
                # None when a concurrent delivery of the same request committed first.
                checkin = await ctx.repo.add_checkin(
                    scope=scope,
                    user_id=user_id,
                    path_id=plan.path_id,
                    module_id=planned.module_id,
                    minutes=minutes,
                    note=note,
                    study_date=studied,
                    day=day,
                    timezone=ctx.zone_name(learner),
                    entered_at=now,
                    entered_date=today,
                    request_key=request_key,
                )
        if checkin is None and request_key is not None:
            existing = await ctx.repo.checkin_by_key(scope, user_id, request_key)
            if existing is not None:
                return await self._duplicate(existing)
        if checkin is None:
            raise InvalidInput(
                f"That would log more than 1440 minutes on {date_text(studied)}; {already} are "
                f"already logged that day, so at most {MAX_MINUTES - already} more fit."
            )
        previous_days = sorted(per_day)
        today_number = day_number(today, learner.day_shift)
        after = compute_streak([*previous_days, day], today_number)
        last_before = previous_days[-1] if previous_days else None
        spent = freezes_spent_between(after, last_before) if day == today_number else ()
        log.info(
            "checkin scope=%s user=%s module=%s minutes=%d date=%s%s",
            scope,
            user_id,
            planned.module_id,
            minutes,
            studied,
            " (back-dated)" if studied < today else "",
        )
        return CheckinResult(
            checkin=checkin,
            duplicate=False,
            first_of_day=day not in previous_days,
            streak=ctx.streak_info(after, learner),
            freezes_spent=tuple(date_of_day(d, learner.day_shift) for d in spent),
            module=await ctx.module_progress(scope, user_id, plan, planned),
        )

    async def _duplicate(self, checkin: Checkin) -> CheckinResult:
        ctx = self._ctx
        scope, user_id = checkin.scope, checkin.user_id
        learner = await ctx.repo.learner(scope, user_id)
        assert learner is not None
        plans = await ctx.repo.plans(scope, user_id, checkin.path_id)
        module_progress = ModuleProgress(
            checkin.module_id, checkin.module_id, 0, 0.0, False, None, None
        )
        if plans and (planned := plans[0].module(checkin.module_id)) is not None:
            module_progress = await ctx.module_progress(scope, user_id, plans[0], planned)
        return CheckinResult(
            checkin=checkin,
            duplicate=True,
            first_of_day=False,
            streak=await ctx.streak(learner, ctx.now()),
            freezes_spent=(),
            module=module_progress,
        )

    async def backdated(self, scope: int, user_id: int) -> list[BackdatedEntry]:
        """The learner's back-dated check-ins with entry times (what a moderator audits)."""
        return await self._ctx.repo.backdated(scope, user_id)

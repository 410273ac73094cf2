"""Plans: the roadmaps, making and re-dating a plan, modules done, calendar export, what's next."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, timedelta

from bot.errors import InvalidInput, NotFound
from bot.study import pace, planner
from bot.study.context import StudyContext
from bot.study.models import (
    CurrentModule,
    ModuleProgress,
    NextStep,
    Plan,
    PlannedModule,
    ResourceLink,
)
from bot.study.streaks import local_date
from bot.text import command_ref, date_text
from index.catalog import Roadmap

log = logging.getLogger(__name__)

PLAN_START_WINDOW_DAYS = 366


def plan_module(plan: Plan, module: str) -> PlannedModule:
    """The module of `plan` named by id or title (any case), or InvalidInput listing them."""
    key = module.strip().lower()
    found = plan.module(key) or next((m for m in plan.modules if m.title.lower() == key), None)
    if found is None:
        names = ", ".join(m.module_id for m in plan.modules)
        raise InvalidInput(
            f"{module.strip()[:60]!r} is not a module of your {plan.path_title} plan; "
            f"choose one of: {names}."
        )
    return found


class PlanService:
    """Study plans over the knowledge base's roadmaps."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    # Reference data -------------------------------------------------------------------------

    def roadmaps(self) -> list[Roadmap]:
        """Every path of the knowledge base, by title (for choices and autocomplete)."""
        return sorted(self._ctx.catalog().roadmaps.values(), key=lambda r: r.title.lower())

    def roadmap(self, path: str) -> Roadmap:
        """The roadmap with this id (or title, any case), or NotFound naming the valid ones."""
        return self._ctx.roadmap(path)

    def backgrounds(self, path: str | None = None) -> dict[str, str]:
        """Accepted backgrounds (id -> label): the standard four, plus the path's own."""
        if path is None:
            return dict(planner.BACKGROUNDS)
        return planner.backgrounds_for(self.roadmap(path))

    # Plans ----------------------------------------------------------------------------------

    async def new_plan(
        self,
        scope: int,
        user_id: int,
        *,
        path: str,
        background: str,
        hours_per_week: float,
        start: date | None = None,
        done: Collection[str] = (),
    ) -> Plan:
        """Make (or replace) the learner's plan for `path`.

        Modules in `done` and those marked done before stay done; time already logged on a
        module shortens what remains of it. `start` defaults to today in the learner's timezone.
        """
        ctx = self._ctx
        roadmap = self.roadmap(path)
        planner.check_hours_per_week(hours_per_week)
        planner.module_hours(roadmap, background)  # validates the background
        done_ids = {d.strip() for d in done if d.strip()}
        unknown = sorted(done_ids - {m.id for m in roadmap.modules})
        if unknown:
            raise InvalidInput(
                f"{unknown[0][:60]!r} is not a module of {roadmap.title}; modules are: "
                f"{', '.join(m.id for m in roadmap.modules)}."
            )
        now = ctx.now()
        async with ctx.db.transaction():
            learner = await ctx.repo.ensure_learner(scope, user_id, now)
            today = local_date(now, ctx.zone(learner))
            first = start or today
            window = timedelta(days=PLAN_START_WINDOW_DAYS)
            if not today - window <= first <= today + window:
                raise InvalidInput(
                    f"The start date must be within a year of today ({date_text(today - window)} "
                    f"to {date_text(today + window)})."
                )
            await ctx.repo.set_completed(scope, user_id, roadmap.id, done_ids, True, now)
            completed = await ctx.repo.completed(scope, user_id, roadmap.id)
            logged = await ctx.repo.minutes_by_module(scope, user_id, roadmap.id)
            draft = planner.build_plan(
                roadmap, background, hours_per_week, first, completed, logged
            )
            await ctx.repo.replace_plan(scope, user_id, draft, now)
            plan = (await ctx.repo.plans(scope, user_id, roadmap.id))[0]
        log.info(
            "plan scope=%s user=%s path=%s background=%s hours=%s finish=%s",
            scope,
            user_id,
            roadmap.id,
            background,
            hours_per_week,
            plan.finish,
        )
        return plan

    async def replan(
        self,
        scope: int,
        user_id: int,
        *,
        path: str | None = None,
        hours_per_week: float | None = None,
        background: str | None = None,
    ) -> Plan:
        """Re-date the current (or named) plan from today, keeping done modules and logged time."""
        plan = await self.plan(scope, user_id, path)
        return await self.new_plan(
            scope,
            user_id,
            path=plan.path_id,
            background=background or plan.background,
            hours_per_week=hours_per_week if hours_per_week is not None else plan.hours_per_week,
        )

    async def plans(self, scope: int, user_id: int) -> list[Plan]:
        """All the learner's plans, the current (most recently made) first."""
        return await self._ctx.repo.plans(scope, user_id)

    async def plan(self, scope: int, user_id: int, path: str | None = None) -> Plan:
        """The current plan, or the plan for `path`; NotFound if there is none."""
        return await self._ctx.plan(scope, user_id, path)

    async def set_module_done(
        self, scope: int, user_id: int, module: str, *, done: bool = True, path: str | None = None
    ) -> ModuleProgress:
        """Mark a module of the plan done (or not done again)."""
        ctx = self._ctx
        plan = await self.plan(scope, user_id, path)
        planned = plan_module(plan, module)
        async with ctx.db.transaction():
            await ctx.repo.set_completed(
                scope, user_id, plan.path_id, [planned.module_id], done, ctx.now()
            )
            progress = await ctx.module_progress(scope, user_id, plan, planned)
        log.info(
            "module %s scope=%s user=%s %s", "done" if done else "reopened", scope, user_id, module
        )
        return progress

    async def export_ics(self, scope: int, user_id: int, path: str | None = None) -> bytes:
        """The plan as an iCalendar file: one all-day event per remaining module."""
        from bot.study.calendar import plan_calendar

        plan = await self.plan(scope, user_id, path)
        return plan_calendar(plan, self._ctx.now())

    async def current_module(self, scope: int, user_id: int) -> CurrentModule | None:
        """The module the learner should be on now by their current plan (None: no plan/all done).

        That is the module the plan schedules today; if it is done, the next one not done; before
        the plan starts or after it ends, the first module not done.
        """
        ctx = self._ctx
        plans = await ctx.repo.plans(scope, user_id)
        if not plans:
            return None
        plan = plans[0]
        completed = await ctx.repo.completed(scope, user_id, plan.path_id)
        learner = await ctx.repo.learner(scope, user_id)
        today = local_date(ctx.now(), ctx.zone(learner))
        found = pace.current_module(plan, completed, today)
        if found is None:
            return None
        return CurrentModule(plan.path_id, plan.path_title, found.module_id, found.title)

    async def next_step(self, scope: int, user_id: int) -> NextStep:
        """What to study now: current module, its topics and resources, this week's target."""
        ctx = self._ctx
        plan = await self.plan(scope, user_id)
        current = await self.current_module(scope, user_id)
        if current is None:
            raise NotFound(
                f"Every module of your {plan.path_title} plan is done; make a plan for another "
                f"path with {command_ref('plan new')}."
            )
        planned = plan.module(current.module_id)
        assert planned is not None
        catalog = ctx.catalog()
        roadmap = catalog.roadmaps.get(plan.path_id)
        module = roadmap.module(current.module_id) if roadmap else None
        resources = tuple(
            ResourceLink(r.title, r.url, r.kind, r.free)
            for r in catalog.resources_for(plan.path_id, current.module_id)
        )
        learner = await ctx.repo.learner(scope, user_id)
        today = local_date(ctx.now(), ctx.zone(learner))
        monday = today - timedelta(days=today.weekday())
        week = await ctx.repo.daily_minutes(scope, user_id, monday)
        days_left = None if planned.end is None else (planned.end - today).days + 1
        return NextStep(
            current=current,
            summary=module.summary if module else "",
            topics=module.topics if module else (),
            resources=resources,
            progress=await ctx.module_progress(scope, user_id, plan, planned),
            weekly_hours=planned.weekly_hours or plan.hours_per_week,
            week_minutes=sum(week.values()),
            module_days_left=days_left,
            covered_topics=planner.covered_topics(module.topics if module else (), plan.background),
        )

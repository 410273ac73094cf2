"""Pure plan maths over stored facts: each module's progress, the current module, the pace.

No I/O and no clock: the services read the database and the time, then call these.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date, timedelta

from bot.study import planner
from bot.study.models import ModuleProgress, Pace, Plan, PlannedModule

# A pace measured over less than a week of the plan says little: no projection before that.
MIN_PROJECTION_DAYS = 7


def module_progress(
    planned: PlannedModule, logged: dict[str, int], completed: Collection[str]
) -> ModuleProgress:
    """A planned module with the minutes logged on it and whether it is done."""
    return ModuleProgress(
        module_id=planned.module_id,
        title=planned.title,
        logged_minutes=logged.get(planned.module_id, 0),
        planned_hours=planned.module_hours,
        done=planned.module_id in completed,
        start=planned.start,
        end=planned.end,
    )


def current_module(plan: Plan, completed: Collection[str], today: date) -> PlannedModule | None:
    """The module the plan schedules today; if it is done, the next one not done; before the
    plan starts or after it ends, the first module not done (None when all are done)."""
    pending = [m for m in plan.modules if m.module_id not in completed]
    if not pending:
        return None
    scheduled = next(
        (m for m in plan.modules if m.start and m.end and m.start <= today <= m.end), None
    )
    if scheduled is None:
        return pending[0]
    later = [m for m in pending if m.position >= scheduled.position]
    return later[0] if later else pending[0]


def pace(
    plan: Plan,
    logged: dict[str, int],
    completed: Collection[str],
    today: date,
    recent_hours_per_week: float,
) -> Pace:
    """Ahead or behind the plan by days, and the finish projected at the recent pace."""
    scheduled = [m for m in plan.modules if m.start is not None]
    plan_hours = sum(m.hours for m in scheduled)
    done_hours = 0.0
    for m in scheduled:
        if m.module_id in completed:
            done_hours += m.hours
        else:
            since = max(0, logged.get(m.module_id, 0) - m.logged_before_minutes)
            done_hours += min(m.hours, since / 60)
    yesterday = today - timedelta(days=1)
    expected = planner.expected_hours(scheduled, yesterday)
    remaining = max(0.0, plan_hours - done_hours)
    projected: date | None = None
    if all(m.module_id in completed for m in scheduled):
        status, days, projected = "complete", 0, today
    elif today < plan.start:
        status, days = "not started", (plan.start - today).days
    else:
        reached = planner.date_expecting(scheduled, done_hours, plan.start)
        delta = (reached - yesterday).days
        status = "ahead" if delta > 0 else "behind" if delta < 0 else "on track"
        days = abs(delta)
    too_early = status != "complete" and (today - plan.start).days < MIN_PROJECTION_DAYS
    if projected is None and recent_hours_per_week > 0 and not too_early:
        projected = today + timedelta(days=math.ceil(remaining / recent_hours_per_week * 7))
    return Pace(
        status=status,
        days=days,
        expected_hours=round(expected, 2),
        done_hours=round(done_hours, 2),
        plan_hours=round(plan_hours, 2),
        planned_finish=plan.finish,
        projected_finish=projected,
        recent_hours_per_week=round(recent_hours_per_week, 2),
        too_early=too_early,
    )

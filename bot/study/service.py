"""StudyService: plans, check-ins, streaks, progress, reminders and privacy, for any front end.

Every method takes `(scope, user_id, ...)`: the scope is the Discord guild id (the terminal uses
`TERMINAL_SCOPE`), so a learner's data in one community is never seen from another. Methods
return frozen dataclasses from `bot.study.models` and raise `WaypointError` subclasses with one
sentence for the learner; a bad input raises before anything is written, and every write runs in
one transaction, so a failed call changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
import zoneinfo
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.errors import InvalidInput, NotFound
from bot.storage.db import Database
from bot.storage.study import StudyRepository
from bot.study import TERMINAL_SCOPE, planner
from bot.study.models import (
    BackdatedEntry,
    Checkin,
    CheckinResult,
    CurrentModule,
    DeletedData,
    DueReminder,
    LeaderboardEntry,
    Learner,
    ModuleProgress,
    NextStep,
    Pace,
    Plan,
    PlannedModule,
    Progress,
    ResourceLink,
    StreakInfo,
    TimezoneChange,
)
from bot.study.streaks import (
    Streak,
    compute_streak,
    date_of_day,
    day_number,
    freezes_spent_between,
    local_date,
    shift_after_move,
)
from index.catalog import Catalog, Roadmap

log = logging.getLogger(__name__)

MAX_MINUTES = 1440
MAX_NOTE = 500
BACKDATE_DAYS = 7
PLAN_START_WINDOW_DAYS = 366
HEATMAP_WEEKS = 12
PACE_WINDOW_DAYS = 28
MIN_PROJECTION_DAYS = 7
EXPORT_FORMAT = "waypoint-study-export"
__all__ = ["TERMINAL_SCOPE", "StudyService"]
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _zone_names() -> tuple[str, ...]:
    # available_timezones() walks tzdata once (a few ms); the answer never changes in a process.
    names = zoneinfo.available_timezones()
    return tuple(sorted(n for n in names if "/" in n or n == "UTC"))


@functools.cache
def _zone_lookup() -> dict[str, str]:
    return {n.lower(): n for n in _zone_names()}


def resolve_timezone(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive), or InvalidInput."""
    found = _zone_lookup().get(name.strip().lower().replace(" ", "_"))
    if found is None:
        raise InvalidInput(
            f"{name.strip()[:60]!r} is not a known timezone; use an IANA name such as "
            "Europe/Paris, America/New_York or Asia/Kolkata."
        )
    return found


def suggest_timezones(query: str, limit: int = 25) -> list[str]:
    """IANA names matching what the learner typed (prefix matches first), for autocomplete."""
    text = query.strip().lower().replace(" ", "_")
    if not text:
        return list(_zone_names()[:limit])
    prefix = [n for n in _zone_names() if n.lower().startswith(text)]
    city = [n for n in _zone_names() if n.lower().rsplit("/", 1)[-1].startswith(text)]
    inner = [n for n in _zone_names() if text in n.lower()]
    return list(dict.fromkeys(prefix + city + inner))[:limit]


def parse_date(text: str, today: date | None = None) -> date:
    """A date written YYYY-MM-DD (or 'today'/'yesterday' when `today` is given)."""
    value = text.strip().lower()
    if today is not None and value in ("today", "yesterday"):
        return today if value == "today" else today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"Dates are written YYYY-MM-DD, e.g. 2026-03-14 (got {text!r})."
        ) from None


def check_minutes(minutes: int) -> int:
    """Validate a check-in's minutes (1-1440)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput("Minutes must be a whole number from 1 to 1440 (24 hours).")
    return minutes


def check_note(note: str | None) -> str | None:
    """Validate a check-in note (at most 500 characters); blank means none."""
    if note is None or not note.strip():
        return None
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            f"A note can be at most {MAX_NOTE} characters; this one has {len(note)}."
        )
    return note


def check_reminder_time(text: str) -> str:
    """Validate a reminder time, HH:MM in 24-hour time; returns it zero-padded."""
    match = _HHMM.match(text.strip())
    if match is None:
        raise InvalidInput("The reminder time must be HH:MM in 24-hour time, e.g. 19:30.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class StudyService:
    """Study tracking over one database and the knowledge base's roadmaps."""

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
        self._catalog = catalog
        self.default_timezone = resolve_timezone(default_timezone)
        self._clock = clock or _utc_now

    # Reference data -------------------------------------------------------------------------

    def roadmaps(self) -> list[Roadmap]:
        """Every path of the knowledge base, by title (for choices and autocomplete)."""
        return sorted(self._catalog().roadmaps.values(), key=lambda r: r.title.lower())

    def roadmap(self, path: str) -> Roadmap:
        """The roadmap with this id (or title, any case), or NotFound naming the valid ones."""
        roadmaps = self._catalog().roadmaps
        key = path.strip().lower()
        found = roadmaps.get(key) or next(
            (r for r in roadmaps.values() if r.title.lower() == key), None
        )
        if found is None:
            names = ", ".join(sorted(roadmaps)) or "none are loaded"
            raise NotFound(f"There is no path {path.strip()[:60]!r}; paths are: {names}.")
        return found

    suggest_timezones = staticmethod(suggest_timezones)

    def backgrounds(self, path: str | None = None) -> dict[str, str]:
        """Accepted backgrounds (id -> label): the standard four, plus the path's own."""
        if path is None:
            return dict(planner.BACKGROUNDS)
        return planner.backgrounds_for(self.roadmap(path))

    # Learners and time ----------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now

    def _zone(self, learner: Learner | None) -> zoneinfo.ZoneInfo:
        name = learner.timezone if learner and learner.timezone else self.default_timezone
        return zoneinfo.ZoneInfo(name)

    def _zone_name(self, learner: Learner | None) -> str:
        return learner.timezone if learner and learner.timezone else self.default_timezone

    async def learner(self, scope: int, user_id: int) -> Learner | None:
        """The learner's settings in this scope, or None if they never used study tracking."""
        return await self.repo.learner(scope, user_id)

    async def today(self, scope: int, user_id: int) -> date:
        """The learner's local date now."""
        return local_date(self._now(), self._zone(await self.repo.learner(scope, user_id)))

    async def set_timezone(self, scope: int, user_id: int, name: str) -> TimezoneChange:
        """Set the learner's IANA timezone; their streak is the same before and after."""
        zone = resolve_timezone(name)
        now = self._now()
        async with self.db.transaction():
            learner = await self.repo.ensure_learner(scope, user_id, now)
            old = self._zone_name(learner)
            shift = shift_after_move(
                now, zoneinfo.ZoneInfo(old), zoneinfo.ZoneInfo(zone), learner.day_shift
            )
            await self.repo.set_timezone(scope, user_id, zone, shift)
            learner = await self.repo.ensure_learner(scope, user_id, now)
            streak = await self._streak(learner, now)
        log.info("timezone scope=%s user=%s %s -> %s", scope, user_id, old, zone)
        return TimezoneChange(old, zone, now.astimezone(zoneinfo.ZoneInfo(zone)), streak)

    async def _streak_state(self, learner: Learner, now: datetime) -> Streak:
        today = day_number(local_date(now, self._zone(learner)), learner.day_shift)
        days = await self.repo.study_days(learner.scope, learner.user_id)
        return compute_streak(days, today)

    def _streak_info(self, streak: Streak, learner: Learner) -> StreakInfo:
        return StreakInfo(
            current=streak.current,
            longest=streak.longest,
            freezes_held=streak.freezes_held,
            frozen_dates=tuple(date_of_day(d, learner.day_shift) for d in streak.frozen_days),
            studied_today=streak.studied_today,
            at_risk=streak.at_risk,
        )

    async def _streak(self, learner: Learner, now: datetime) -> StreakInfo:
        return self._streak_info(await self._streak_state(learner, now), learner)

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
        roadmap = self.roadmap(path)
        planner.check_hours_per_week(hours_per_week)
        planner.module_hours(roadmap, background)  # validates the background
        done_ids = {d.strip() for d in done if d.strip()}
        unknown = sorted(done_ids - {m.id for m in roadmap.modules})
        if unknown:
            raise InvalidInput(
                f"{unknown[0]!r} is not a module of {roadmap.title}; modules are: "
                f"{', '.join(m.id for m in roadmap.modules)}."
            )
        now = self._now()
        async with self.db.transaction():
            learner = await self.repo.ensure_learner(scope, user_id, now)
            today = local_date(now, self._zone(learner))
            first = start or today
            window = timedelta(days=PLAN_START_WINDOW_DAYS)
            if not today - window <= first <= today + window:
                raise InvalidInput(
                    f"The start date must be within a year of today ({today - window} to "
                    f"{today + window})."
                )
            await self.repo.set_completed(scope, user_id, roadmap.id, done_ids, True, now)
            completed = await self.repo.completed(scope, user_id, roadmap.id)
            logged = await self.repo.minutes_by_module(scope, user_id, roadmap.id)
            draft = planner.build_plan(
                roadmap, background, hours_per_week, first, completed, logged
            )
            await self.repo.replace_plan(scope, user_id, draft, now)
            plan = (await self.repo.plans(scope, user_id, roadmap.id))[0]
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
        return await self.repo.plans(scope, user_id)

    async def plan(self, scope: int, user_id: int, path: str | None = None) -> Plan:
        """The current plan, or the plan for `path`; NotFound if there is none."""
        path_id = None if path is None else self.roadmap(path).id
        plans = await self.repo.plans(scope, user_id, path_id)
        if not plans:
            if path_id is None:
                raise NotFound("You have no study plan yet; make one with plan new first.")
            raise NotFound(f"You have no plan for {path_id}; make one with plan new first.")
        return plans[0]

    async def set_module_done(
        self, scope: int, user_id: int, module: str, *, done: bool = True, path: str | None = None
    ) -> ModuleProgress:
        """Mark a module of the plan done (or not done again)."""
        plan = await self.plan(scope, user_id, path)
        planned = self._plan_module(plan, module)
        async with self.db.transaction():
            now = self._now()
            await self.repo.set_completed(
                scope, user_id, plan.path_id, [planned.module_id], done, now
            )
            progress = await self._module_progress(scope, user_id, plan, planned)
        log.info(
            "module %s scope=%s user=%s %s", "done" if done else "reopened", scope, user_id, module
        )
        return progress

    def _plan_module(self, plan: Plan, module: str) -> PlannedModule:
        key = module.strip().lower()
        found = plan.module(key) or next((m for m in plan.modules if m.title.lower() == key), None)
        if found is None:
            names = ", ".join(m.module_id for m in plan.modules)
            raise InvalidInput(
                f"{module.strip()[:60]!r} is not a module of your {plan.path_title} plan; "
                f"choose one of: {names}."
            )
        return found

    async def export_ics(self, scope: int, user_id: int, path: str | None = None) -> bytes:
        """The plan as an iCalendar file: one all-day event per remaining module."""
        from bot.study.calendar import plan_calendar

        plan = await self.plan(scope, user_id, path)
        return plan_calendar(plan, self._now())

    async def current_module(self, scope: int, user_id: int) -> CurrentModule | None:
        """The module the learner should be on now by their current plan (None: no plan/all done).

        That is the module the plan schedules today; if it is done, the next one not done; before
        the plan starts or after it ends, the first module not done.
        """
        plans = await self.repo.plans(scope, user_id)
        if not plans:
            return None
        plan = plans[0]
        completed = await self.repo.completed(scope, user_id, plan.path_id)
        today = await self.today(scope, user_id)
        found = _current(plan, completed, today)
        if found is None:
            return None
        return CurrentModule(plan.path_id, plan.path_title, found.module_id, found.title)

    async def next_step(self, scope: int, user_id: int) -> NextStep:
        """What to study now: current module, its topics and resources, this week's target."""
        plan = await self.plan(scope, user_id)
        current = await self.current_module(scope, user_id)
        if current is None:
            raise NotFound(
                f"Every module of your {plan.path_title} plan is done; make a new plan for "
                "another path."
            )
        planned = plan.module(current.module_id)
        assert planned is not None
        catalog = self._catalog()
        roadmap = catalog.roadmaps.get(plan.path_id)
        module = roadmap.module(current.module_id) if roadmap else None
        resources = tuple(
            ResourceLink(r.title, r.url, r.kind, r.free)
            for r in catalog.resources_for(plan.path_id, current.module_id)
        )
        learner = await self.repo.learner(scope, user_id)
        today = local_date(self._now(), self._zone(learner))
        monday = today - timedelta(days=today.weekday())
        week = await self.repo.daily_minutes(scope, user_id, monday)
        days_left = None if planned.end is None else (planned.end - today).days + 1
        return NextStep(
            current=current,
            summary=module.summary if module else "",
            topics=module.topics if module else (),
            resources=resources,
            progress=await self._module_progress(scope, user_id, plan, planned),
            weekly_hours=planned.weekly_hours or plan.hours_per_week,
            week_minutes=sum(week.values()),
            module_days_left=days_left,
        )

    # Check-ins ------------------------------------------------------------------------------

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
        minutes = check_minutes(minutes)
        note = check_note(note)
        if request_key is not None:
            existing = await self.repo.checkin_by_key(scope, user_id, request_key)
            if existing is not None:
                return await self._duplicate(existing)
        plan = await self.plan(scope, user_id, path)
        planned = self._plan_module(plan, module)
        now = self._now()
        # Kept short: the write lock is held from here to the commit.
        async with self.db.transaction():
            learner = await self.repo.learner(scope, user_id)
            if learner is None:  # deleted (mydata delete) since the plan was read
                raise NotFound("You have no study plan yet; make one with plan new first.")
            zone = self._zone(learner)
            today = local_date(now, zone)
            studied = on or today
            oldest = today - timedelta(days=BACKDATE_DAYS)
            if not oldest <= studied <= today:
                raise InvalidInput(
                    f"The date must be between {oldest} and today ({today}); check-ins can be "
                    f"back-dated up to {BACKDATE_DAYS} days."
                )
            day = day_number(studied, learner.day_shift)
            per_day = await self.repo.minutes_per_day(scope, user_id)
            already = per_day.get(day, 0)
            checkin = None
            if already + minutes <= MAX_MINUTES:
                # None when a concurrent delivery of the same request committed first.
                checkin = await self.repo.add_checkin(
                    scope=scope,
                    user_id=user_id,
                    path_id=plan.path_id,
                    module_id=planned.module_id,
                    minutes=minutes,
                    note=note,
                    study_date=studied,
                    day=day,
                    timezone=self._zone_name(learner),
                    entered_at=now,
                    entered_date=today,
                    request_key=request_key,
                )
        if checkin is None and request_key is not None:
            existing = await self.repo.checkin_by_key(scope, user_id, request_key)
            if existing is not None:
                return await self._duplicate(existing)
        if checkin is None:
            raise InvalidInput(
                f"That would log more than 1440 minutes on {studied}; {already} are already "
                f"logged that day, so at most {MAX_MINUTES - already} more fit."
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
            streak=self._streak_info(after, learner),
            freezes_spent=tuple(date_of_day(d, learner.day_shift) for d in spent),
            module=await self._module_progress(scope, user_id, plan, planned),
        )

    async def _duplicate(self, checkin: Checkin) -> CheckinResult:
        scope, user_id = checkin.scope, checkin.user_id
        learner = await self.repo.learner(scope, user_id)
        assert learner is not None
        plans = await self.repo.plans(scope, user_id, checkin.path_id)
        module_progress = ModuleProgress(
            checkin.module_id, checkin.module_id, 0, 0.0, False, None, None
        )
        if plans and (planned := plans[0].module(checkin.module_id)) is not None:
            module_progress = await self._module_progress(scope, user_id, plans[0], planned)
        return CheckinResult(
            checkin=checkin,
            duplicate=True,
            first_of_day=False,
            streak=await self._streak(learner, self._now()),
            freezes_spent=(),
            module=module_progress,
        )

    async def _module_progress(
        self, scope: int, user_id: int, plan: Plan, planned: PlannedModule
    ) -> ModuleProgress:
        logged = await self.repo.minutes_by_module(scope, user_id, plan.path_id)
        completed = await self.repo.completed(scope, user_id, plan.path_id)
        return _progress_of(planned, logged, completed)

    async def backdated(self, scope: int, user_id: int) -> list[BackdatedEntry]:
        """The learner's back-dated check-ins with entry times (what a moderator audits)."""
        return await self.repo.backdated(scope, user_id)

    # Progress -------------------------------------------------------------------------------

    async def progress(
        self, scope: int, user_id: int, *, path: str | None = None, weeks: int = HEATMAP_WEEKS
    ) -> Progress:
        """Per-module time against plan, pace, streaks, totals and the daily minutes of `weeks`."""
        plan = await self.plan(scope, user_id, path)
        learner = await self.repo.learner(scope, user_id)
        assert learner is not None  # a plan implies a learner
        now = self._now()
        today = local_date(now, self._zone(learner))
        logged = await self.repo.minutes_by_module(scope, user_id, plan.path_id)
        completed = await self.repo.completed(scope, user_id, plan.path_id)
        modules = tuple(_progress_of(m, logged, completed) for m in plan.modules)
        streak = await self._streak_state(learner, now)
        total, count = await self.repo.totals(scope, user_id)
        first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
        daily = await self.repo.daily_minutes(
            scope, user_id, min(first, today - timedelta(days=PACE_WINDOW_DAYS))
        )
        # Recent pace: the complete days before today (at least a week, at most four) plus
        # whatever today already has, on this path only.
        window = max(7, min(PACE_WINDOW_DAYS, (today - plan.start).days))
        since = today - timedelta(days=window)
        recent = sum(m for d, m in daily.items() if d >= since)
        if await self.repo.plan_count(scope, user_id) > 1:
            recent = sum(
                (await self.repo.daily_minutes(scope, user_id, since, plan.path_id)).values()
            )
        pace = _pace(plan, logged, completed, today, recent / 60 / (window / 7))
        monday = today - timedelta(days=today.weekday())
        return Progress(
            scope=scope,
            user_id=user_id,
            today=today,
            timezone=self._zone_name(learner),
            plan=plan,
            modules=modules,
            streak=self._streak_info(streak, learner),
            total_minutes=total,
            checkins=count,
            study_days=streak.study_days,
            week_minutes=sum(m for d, m in daily.items() if d >= monday),
            pace=pace,
            daily_minutes=tuple(
                (first + timedelta(days=i), daily.get(first + timedelta(days=i), 0))
                for i in range((today - first).days + 1)
            ),
        )

    async def progress_png(
        self, scope: int, user_id: int, *, path: str | None = None, weeks: int = HEATMAP_WEEKS
    ) -> bytes:
        """The progress picture (heatmap + module bars) as PNG bytes, drawn in a worker thread."""
        from bot.study.charts import render_progress

        progress = await self.progress(scope, user_id, path=path, weeks=weeks)
        return await asyncio.to_thread(render_progress, progress)

    # Reminders and leaderboard --------------------------------------------------------------

    async def set_reminder(self, scope: int, user_id: int, at: str | None) -> str | None:
        """Turn the daily streak reminder on at local time `at` ('HH:MM'), or off with None."""
        value = None if at is None else check_reminder_time(at)
        async with self.db.transaction():
            await self.repo.ensure_learner(scope, user_id, self._now())
            await self.repo.set_reminder(scope, user_id, value)
        return value

    async def due_reminders(self) -> list[DueReminder]:
        """Learners to remind now: past their local reminder time, not reminded today, no
        check-in today and a streak that would end tonight.

        Call `mark_reminded` before sending each one and send only if it returns True: that
        claim is what keeps a reminder from going out twice, across restarts too.
        """
        now = self._now()
        due: list[DueReminder] = []
        for learner in await self.repo.learners_with_reminders():
            zone = self._zone(learner)
            local = now.astimezone(zone)
            assert learner.remind_at is not None
            if local.time() < time.fromisoformat(learner.remind_at):
                continue
            if learner.last_reminded is not None and learner.last_reminded >= local.date():
                continue
            streak = await self._streak_state(learner, now)
            if streak.at_risk:
                due.append(
                    DueReminder(learner.scope, learner.user_id, local.date(), streak.current)
                )
        return due

    async def mark_reminded(self, scope: int, user_id: int, on: date) -> bool:
        """Record that today's reminder went out; False if it already had (never send twice)."""
        async with self.db.transaction():
            return await self.repo.mark_reminded(scope, user_id, on)

    async def set_leaderboard(self, scope: int, user_id: int, joined: bool) -> None:
        """Join or leave this scope's leaderboard (opt-in)."""
        async with self.db.transaction():
            await self.repo.ensure_learner(scope, user_id, self._now())
            await self.repo.set_leaderboard(scope, user_id, joined)

    async def leaderboard(
        self, scope: int, period: str = "week", limit: int = 10
    ) -> list[LeaderboardEntry]:
        """Opted-in learners by study time this week (Monday on) or this month, UTC dates."""
        today = self._now().astimezone(UTC).date()
        if period == "week":
            first = today - timedelta(days=today.weekday())
        elif period == "month":
            first = today.replace(day=1)
        else:
            raise InvalidInput("The period must be week or month.")
        return await self.repo.leaderboard(scope, first, today + timedelta(days=1), limit)

    # Privacy --------------------------------------------------------------------------------

    async def export_data(self, scope: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the learner in this scope, as JSON-ready data."""
        learner = await self.repo.learner(scope, user_id)
        plans = await self.repo.plans(scope, user_id)
        checkins = await self.repo.checkins(scope, user_id)
        completed = await self.repo.all_completed(scope, user_id)
        return {
            "format": EXPORT_FORMAT,
            "version": 1,
            "exported_at": self._now().isoformat(),
            "scope": scope,
            "user_id": user_id,
            "learner": None
            if learner is None
            else {
                "timezone": learner.timezone,
                "created_at": learner.created_at.isoformat(),
                "reminder": learner.remind_at,
                "last_reminded": _iso(learner.last_reminded),
                "leaderboard": learner.leaderboard,
            },
            "plans": [
                {
                    "path": p.path_id,
                    "path_title": p.path_title,
                    "background": p.background,
                    "hours_per_week": p.hours_per_week,
                    "start": p.start.isoformat(),
                    "finish": p.finish.isoformat(),
                    "created_at": p.created_at.isoformat(),
                    "modules": [
                        {
                            "module": m.module_id,
                            "title": m.title,
                            "module_hours": m.module_hours,
                            "hours_planned": m.hours,
                            "start": _iso(m.start),
                            "end": _iso(m.end),
                            "weekly_hours": m.weekly_hours,
                        }
                        for m in p.modules
                    ],
                }
                for p in plans
            ],
            "completed_modules": [
                {"path": path, "module": module, "completed_at": when.isoformat()}
                for path, module, when in completed
            ],
            "checkins": [
                {
                    "date": c.study_date.isoformat(),
                    "path": c.path_id,
                    "module": c.module_id,
                    "minutes": c.minutes,
                    "note": c.note,
                    "timezone": c.timezone,
                    "entered_at": c.entered_at.isoformat(),
                    "backdated": c.backdated,
                }
                for c in checkins
            ],
        }

    async def delete_data(self, scope: int, user_id: int) -> DeletedData:
        """Delete everything stored about the learner in this scope."""
        async with self.db.transaction():
            deleted = await self.repo.delete_learner(scope, user_id)
        log.info(
            "deleted study data scope=%s user=%s (%d check-ins, %d plans)",
            scope,
            user_id,
            deleted.checkins,
            deleted.plans,
        )
        return deleted


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _progress_of(
    planned: PlannedModule, logged: dict[str, int], completed: Collection[str]
) -> ModuleProgress:
    return ModuleProgress(
        module_id=planned.module_id,
        title=planned.title,
        logged_minutes=logged.get(planned.module_id, 0),
        planned_hours=planned.module_hours,
        done=planned.module_id in completed,
        start=planned.start,
        end=planned.end,
    )


def _current(plan: Plan, completed: Collection[str], today: date) -> PlannedModule | None:
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


def _pace(
    plan: Plan,
    logged: dict[str, int],
    completed: Collection[str],
    today: date,
    recent_hours_per_week: float,
) -> Pace:
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
    # A pace measured over less than a week of the plan says little: no projection yet.
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

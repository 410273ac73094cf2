"""What the study services return: frozen dataclasses, no Discord, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PlannedModule:
    """One module of a plan. `start`/`end` are None for a module already done when planned."""

    module_id: str
    title: str
    position: int
    module_hours: float  # the whole module, for the learner's background
    hours: float  # still to do when the plan was made
    logged_before_minutes: int  # already logged on it when the plan was made
    start: date | None
    end: date | None
    weekly_hours: float

    @property
    def done_before(self) -> bool:
        """Whether the module was already finished when the plan was made."""
        return self.start is None

    @property
    def days(self) -> int:
        """Calendar days the plan gives this module (0 if it was done before)."""
        if self.start is None or self.end is None:
            return 0
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class PlanDraft:
    """A computed plan before it is stored."""

    path_id: str
    path_title: str
    background: str
    hours_per_week: float
    start: date
    finish: date
    modules: tuple[PlannedModule, ...]


@dataclass(frozen=True)
class Plan:
    """A learner's stored plan for one path (one per path; re-planning replaces it)."""

    id: int
    scope: int
    user_id: int
    path_id: str
    path_title: str
    background: str
    hours_per_week: float
    start: date
    finish: date
    created_at: datetime
    modules: tuple[PlannedModule, ...]

    def module(self, module_id: str) -> PlannedModule | None:
        """The plan's module with this id, or None."""
        return next((m for m in self.modules if m.module_id == module_id), None)

    @property
    def weeks(self) -> float:
        """Length of the plan in weeks, start to finish."""
        return ((self.finish - self.start).days + 1) / 7


@dataclass(frozen=True)
class Learner:
    """A learner in one scope (a Discord server, or the terminal)."""

    scope: int
    user_id: int
    timezone: str | None  # None until they set one: the service's default applies
    day_shift: int
    created_at: datetime
    remind_at: str | None = None
    last_reminded: date | None = None
    leaderboard: bool = False


# The request key of a check-in logged by a voice study room starts with this.
ROOM_KEY_PREFIX = "room:"


@dataclass(frozen=True)
class Checkin:
    """One logged study session."""

    id: int
    scope: int
    user_id: int
    path_id: str
    module_id: str
    minutes: int
    note: str | None
    study_date: date  # the local date studied
    day: int  # continuous study-day number (bot/study/streaks.py)
    timezone: str
    entered_at: datetime  # UTC: when it was recorded
    entered_date: date  # the local date when it was recorded
    request_key: str | None

    @property
    def backdated(self) -> bool:
        """Whether it was entered on a later day than the day studied."""
        return self.entered_date > self.study_date

    @property
    def from_study_room(self) -> bool:
        """Whether a stay in a voice study room logged it (not the learner's own /checkin)."""
        return self.request_key is not None and self.request_key.startswith(ROOM_KEY_PREFIX)


@dataclass(frozen=True)
class StreakInfo:
    """A learner's streak in calendar terms."""

    current: int
    longest: int
    freezes_held: int
    frozen_dates: tuple[date, ...]  # missed days covered by a freeze in the current streak
    studied_today: bool
    at_risk: bool  # a streak that ends tonight without a check-in


@dataclass(frozen=True)
class ModuleProgress:
    """Time logged on one module against the hours the plan gives it."""

    module_id: str
    title: str
    logged_minutes: int
    planned_hours: float
    done: bool
    start: date | None
    end: date | None

    @property
    def percent(self) -> int:
        """Logged time as a percentage of planned hours (100 once marked done), capped at 999."""
        if self.done:
            return 100
        if self.planned_hours <= 0:
            return 100 if self.logged_minutes else 0
        return min(999, round(self.logged_minutes / 60 / self.planned_hours * 100))

    @property
    def status(self) -> str:
        """'done', 'in progress' or 'not started'."""
        if self.done:
            return "done"
        return "in progress" if self.logged_minutes else "not started"


@dataclass(frozen=True)
class Pace:
    """Where the learner stands against their plan."""

    status: str  # 'ahead', 'behind', 'on track', 'not started', 'complete'
    days: int  # days ahead (status 'ahead') or behind ('behind'); 0 otherwise
    expected_hours: float  # the plan's hours by the end of yesterday
    done_hours: float  # plan hours covered by logged time and completed modules
    plan_hours: float
    planned_finish: date
    projected_finish: date | None  # at the recent pace; None without recent study or too early
    recent_hours_per_week: float
    too_early: bool = False  # the plan is under a week old: no projection yet


@dataclass(frozen=True)
class Progress:
    """Everything `/progress` and `waypoint progress` show."""

    scope: int
    user_id: int
    today: date
    timezone: str
    plan: Plan
    modules: tuple[ModuleProgress, ...]
    streak: StreakInfo
    total_minutes: int
    checkins: int
    study_days: int
    week_minutes: int  # this local week, Monday to today
    pace: Pace
    daily_minutes: tuple[tuple[date, int], ...]  # the last weeks, oldest first, for the heatmap
    room_minutes: int = 0  # of total_minutes, what voice study rooms logged


@dataclass(frozen=True)
class CheckinResult:
    """What a check-in did, for the reply."""

    checkin: Checkin
    duplicate: bool  # the same request was already recorded; nothing new was written
    first_of_day: bool
    streak: StreakInfo
    freezes_spent: tuple[date, ...]  # missed days this check-in's streak was saved on
    module: ModuleProgress


@dataclass(frozen=True)
class TimezoneChange:
    """The result of setting a timezone."""

    old: str
    new: str
    local_now: datetime
    streak: StreakInfo


@dataclass(frozen=True)
class CurrentModule:
    """The module a learner should be on now, by their plan."""

    path_id: str
    path_title: str
    module_id: str
    title: str


@dataclass(frozen=True)
class ResourceLink:
    """A resource of the knowledge base, as `/next` shows it."""

    title: str
    url: str
    kind: str
    free: bool


@dataclass(frozen=True)
class NextStep:
    """What to study now: the current module, its topics and resources, this week's target."""

    current: CurrentModule
    summary: str
    topics: tuple[str, ...]
    resources: tuple[ResourceLink, ...]
    progress: ModuleProgress
    weekly_hours: float
    week_minutes: int  # logged on any module this local week
    module_days_left: int | None  # days the plan still gives the module, today included
    covered_topics: tuple[str, ...] = ()  # topics the learner's background already covers


@dataclass(frozen=True)
class BackdatedEntry:
    """A back-dated check-in, for moderators: when it was entered and whether it repaired."""

    checkin: Checkin
    filled_gap: bool  # the day had no other check-in entered before it


@dataclass(frozen=True)
class LeaderboardEntry:
    """One opted-in learner's study time in a period."""

    user_id: int
    minutes: int


@dataclass(frozen=True)
class DueReminder:
    """A learner whose reminder time has come today with no check-in and a streak at risk."""

    scope: int
    user_id: int
    local_date: date
    streak: int


@dataclass(frozen=True)
class DeletedData:
    """How much was deleted by a privacy request."""

    checkins: int
    plans: int
    completions: int
    # The questions the member asked and their votes (deleted in the same transaction).
    questions: int = 0


@dataclass(frozen=True)
class LearnerZone:
    """The timezone a learner's study days follow, and their local date now."""

    zone: str
    explicit: bool  # False: they set none, so the configured default applies
    today: date


@dataclass(frozen=True)
class ReminderSetting:
    """The daily reminder after `/remind set|off`: its local time (None: off) and zone."""

    at: str | None
    zone: LearnerZone


# Voice study rooms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomStay:
    """A member's open stay in the study rooms of one server."""

    scope: int
    user_id: int
    channel_id: int  # the room they are in now
    entered_at: datetime  # UTC: when the stay began
    counting_since: datetime | None  # start of the running span; None while paused
    last_seen: datetime  # the last time the bot knew them there


@dataclass(frozen=True)
class StudyRoomToggle:
    """What `/config study-room` did."""

    channel_id: int
    added: bool  # False: it was a study room and no longer is
    rooms: tuple[int, ...]  # every study room of the server now


@dataclass(frozen=True)
class RoomStayClosed:
    """A stay that ended: the study-room minutes it counted and the check-ins it logged."""

    scope: int
    user_id: int
    counted_minutes: int  # in study-room minutes (WAYPOINT_STUDY_ROOM_MINUTE_SECONDS each)
    logged: tuple[Checkin, ...]  # empty: below the minimum, no plan, or already covered
    reason: str | None = None  # why nothing (or less) was logged, for the log line

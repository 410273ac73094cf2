"""Study days and streaks: pure functions, no I/O.

A learner's *study day* is their local date. Streaks are computed on a continuous day number,
`date.toordinal() - shift`, where `shift` starts at 0 and changes only when the learner changes
timezone: it absorbs the jump of the local date at that instant. So the day number advances
exactly at each local midnight of the zone the learner is in, and a timezone change by itself
never advances it or moves it back. Moving east therefore cannot make yesterday look two days
ago (no streak lost), and moving west cannot give the same real day a second number (no streak
doubled). Each check-in keeps its day number, fixed when it was entered. The price of holding
the number steady is that the day in progress during a move ends at the new zone's next
midnight, so it can be shorter (after moving west) or longer (east) than 24 hours; a learner
who zigzags between zones could gain at most one day per move, which a real traveller never
notices and a property test bounds.

Freezes follow streak apps: every 7th consecutive study day earns one freeze (at most
`MAX_FREEZES` held); when a day ends without a check-in, a held freeze is spent on it
automatically and the streak survives; with none held, the streak breaks. A frozen day keeps the
streak alive but does not count in it, and it restarts the count towards the next freeze.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

MAX_FREEZES = 2
DAYS_PER_FREEZE = 7


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date at `instant` (timezone-aware) in `tz`."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(tz).date()


def day_number(local: date, shift: int) -> int:
    """The continuous study-day number of a local date for a learner with this shift."""
    return local.toordinal() - shift


def date_of_day(day: int, shift: int) -> date:
    """The local date (in the learner's current numbering) of a study-day number."""
    return date.fromordinal(day + shift)


def shift_after_move(instant: datetime, old: ZoneInfo, new: ZoneInfo, shift: int) -> int:
    """The learner's new shift when they move from `old` to `new` at `instant`.

    Chosen so that `day_number` of the local date at `instant` is the same in both zones.
    """
    return shift + (local_date(instant, new).toordinal() - local_date(instant, old).toordinal())


@dataclass(frozen=True)
class Streak:
    """A learner's streak as of one study day (`today`)."""

    today: int
    current: int  # study days in the run ending today or yesterday (frozen days bridge it)
    longest: int
    freezes_held: int
    frozen_days: tuple[int, ...]  # days covered by a freeze inside the current run
    last_study_day: int | None
    study_days: int  # distinct days with a check-in, up to today

    @property
    def studied_today(self) -> bool:
        """Whether today already has a check-in."""
        return self.last_study_day == self.today

    @property
    def at_risk(self) -> bool:
        """A streak that ends tonight unless the learner checks in (or a freeze covers it)."""
        return self.current > 0 and not self.studied_today


def compute_streak(days: Iterable[int], today: int) -> Streak:
    """Current and longest streak, freezes held and spent, from the days with a check-in.

    Days after `today` are ignored (they cannot happen: day numbers never run ahead of today).
    Days that are over and had no check-in consume a freeze each while one is held.
    """
    studied = sorted({d for d in days if d <= today})
    run = 0
    longest = 0
    held = 0
    towards_freeze = 0
    frozen: list[int] = []
    previous: int | None = None

    def miss(first: int, last: int) -> None:
        """Days first..last (inclusive) ended without a check-in."""
        nonlocal run, held, towards_freeze, frozen
        missed = last - first + 1
        if missed <= 0:
            return
        towards_freeze = 0
        if missed <= held:
            held -= missed
            frozen.extend(range(first, last + 1))
        else:
            # Held freezes were spent on the first missed days, then the streak broke anyway.
            held = 0
            run = 0
            frozen = []

    for day in studied:
        if previous is not None:
            miss(previous + 1, day - 1)
        run += 1
        towards_freeze += 1
        if towards_freeze % DAYS_PER_FREEZE == 0:
            held = min(MAX_FREEZES, held + 1)
        longest = max(longest, run)
        previous = day
    if previous is not None:
        # Today is not over: only the days strictly before it can be missed.
        miss(previous + 1, today - 1)
    return Streak(
        today=today,
        current=run,
        longest=longest,
        freezes_held=held,
        frozen_days=tuple(frozen),
        last_study_day=previous,
        study_days=len(studied),
    )


def freezes_spent_between(streak: Streak, after_day: int | None) -> tuple[int, ...]:
    """Frozen days of the current run later than `after_day` (the learner's previous study day).

    This is what a check-in reports as "a freeze covered …": the gap it just closed.
    """
    if after_day is None:
        return ()
    return tuple(d for d in streak.frozen_days if d > after_day)

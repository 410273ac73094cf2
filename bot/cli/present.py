"""Study results as terminal text (the Discord front end has its embeds; both share bot.text)."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date

from bot.study.models import Pace, Plan, Progress
from bot.study.planner import BACKGROUNDS
from bot.text import date_text, hours_round, hours_text, plural


def day(d: date) -> str:
    """`Mon 2 Mar 2026`, as every date Waypoint shows (bot.text.date_text)."""
    return date_text(d)


def hours(h: float) -> str:
    """`143 h`, `7.5 h`: as Discord shows them (bot.text.hours_round)."""
    return hours_round(h)


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def width() -> int:
    """The terminal's width for wrapped paragraphs (at most 100)."""
    return min(100, shutil.get_terminal_size((90, 20)).columns)


def print_plan(plan: Plan, progress: Progress | None = None) -> None:
    """A plan, one line per module, with its status when `progress` is given."""
    background = BACKGROUNDS.get(plan.background, plan.background).lower()
    print(f"{plan.path_title}: plan for a {background}, {plan.hours_per_week:g} h a week")
    weeks = max(1, round(plan.weeks))
    print(f"Start {day(plan.start)}, finish {day(plan.finish)} ({plural(weeks, 'week')})")
    print()
    name_width = max(len(m.title) for m in plan.modules)
    status = {m.module_id: m for m in progress.modules} if progress else {}
    for i, m in enumerate(plan.modules, start=1):
        if m.start is None or m.end is None:
            print(f"  ✓ {m.title:<{name_width}}  done before this plan")
            continue
        dates = f"{day(m.start)} – {day(m.end)}"
        line = f"  {i} {m.title:<{name_width}}  {dates:<33} {hours(m.hours):>6}  ({m.days} days)"
        mp = status.get(m.module_id)
        if mp is not None and mp.status != "not started":
            line += f"  {mp.status} {mp.percent}%" if not mp.done else "  done"
        print(line)


def print_progress(progress: Progress) -> None:
    """Streak, totals, pace and one bar per module."""
    plan, streak, pace = progress.plan, progress.streak, progress.pace
    print(f"{plan.path_title}: progress on {day(progress.today)} ({progress.timezone})")
    today = "checked in today" if streak.studied_today else "not checked in today yet"
    freezes = f", {plural(streak.freezes_held, 'freeze')} held" if streak.freezes_held else ""
    if streak.current:
        print(
            f"Streak: {plural(streak.current, 'day')} (longest {streak.longest}){freezes}; {today}."
        )
    elif streak.longest:  # as /progress says it: no "0 days (longest 0)"
        print(f"Streak: none right now (longest {plural(streak.longest, 'day')}){freezes}.")
    else:
        print("Streak: none yet; a check-in starts one.")
    if streak.frozen_dates:
        covered = ", ".join(day(d) for d in streak.frozen_dates)
        print(f"Freezes kept this streak alive on: {covered}.")
    # Study-room time: the number Discord's /progress shows as "🎧 … of it in study rooms".
    rooms = (
        f" ({hours_text(progress.room_minutes)} of it in study rooms)"
        if progress.room_minutes
        else ""
    )
    print(
        f"Total: {hours_text(progress.total_minutes)} in {plural(progress.checkins, 'check-in')} "
        f"on {plural(progress.study_days, 'day')}{rooms}; "
        f"this week {hours_text(progress.week_minutes)}."
    )
    print(textwrap.fill(_pace_line(pace), width(), subsequent_indent="      "))
    print()
    name_width = max(len(m.title) for m in progress.modules)
    for m in progress.modules:
        fraction = 1.0 if m.done else m.percent / 100
        detail = (
            "done"
            if m.done
            else f"{hours_text(m.logged_minutes)} / {hours(m.planned_hours)}  {m.status}"
        )
        print(f"  {m.title:<{name_width}}  {_bar(fraction)} {m.percent:>3}%  {detail}")


def _pace_line(pace: Pace) -> str:
    if pace.status == "complete":
        return "Pace: every module of the plan is done. Well done!"
    if pace.status == "not started":
        return f"Pace: the plan starts in {plural(pace.days, 'day')}."
    if pace.expected_hours == 0:  # day one: no "0 h done, 0 h expected by yesterday"
        left = hours(pace.plan_hours - pace.done_hours)
        head = f"{hours(pace.done_hours)} done already" if pace.done_hours else "just started"
        return (
            f"Pace: {head}, {left} to go, finish planned {day(pace.planned_finish)}; your pace "
            "shows here after the first week."
        )
    where = (
        "on track"
        if pace.status == "on track"
        else f"{plural(pace.days, 'day')} {pace.status} of the plan"
    )
    line = (
        f"Pace: {where} ({hours(pace.done_hours)} done, {hours(pace.expected_hours)} expected by "
        f"yesterday)"
    )
    if pace.too_early:
        line += f"; too early to project a finish (plan: {day(pace.planned_finish)})."
    elif pace.projected_finish is not None:
        line += (
            f"; at your recent {hours(pace.recent_hours_per_week)} a week you finish "
            f"{day(pace.projected_finish)} (plan: {day(pace.planned_finish)})."
        )
    else:
        line += f"; no study in recent weeks (plan finishes {day(pace.planned_finish)})."
    return line

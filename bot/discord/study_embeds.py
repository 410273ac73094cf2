"""Study results -> Discord embeds, text and files, always within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
description 4096, field name 256 / value 1024, 25 fields, 6000 characters per message.
Plans list a field per module while they fit (roadmaps have 4-10 modules); a plan with more
modules than fields falls back to one line per module in the description, cut with a pointer to
the `.ics` export, so any plan length fits.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import discord
from discord.utils import escape_markdown

from bot.discord.embeds import ANSWERED, INFO, escape_mentions, shorten
from bot.discord.mentions import command
from bot.study.models import (
    CheckinResult,
    CurrentModule,
    DeletedData,
    DueReminder,
    LeaderboardEntry,
    ModuleProgress,
    NextStep,
    Pace,
    Plan,
    PlannedModule,
    Progress,
    ReminderSetting,
    ResourceLink,
    TimezoneChange,
)
from bot.study.planner import BACKGROUNDS
from bot.text import date_text, hours_round, hours_text, plural, span_text

FIELD_MAX = 1024
DESCRIPTION_MAX = 4096
MAX_FIELDS = 25
TOTAL_MAX = 6000
BAR_CELLS = 10
PROGRESS_PNG = "progress.png"
RESOURCES_MAX = 700  # a handful of links reads better than a wall of them
STREAK = discord.Colour(0xF28C28)


def num(value: float) -> str:
    """A number of hours without noise: 10, 7.5, 12.3."""
    return f"{round(value, 1):g}"


def bar(percent: int, cells: int = BAR_CELLS) -> str:
    """A text progress bar, `▰▰▰▱▱▱▱▱▱▱`, full at 100 % and beyond."""
    filled = max(0, min(cells, round(percent / 100 * cells)))
    return "▰" * filled + "▱" * (cells - filled)


def _fit_lines(lines: Iterable[str], limit: int, more: str = "… and {n} more") -> str:
    """Join whole lines while they fit in `limit`, ending with a count of those left out."""
    items = list(lines)
    out: list[str] = []
    used = 0
    for i, line in enumerate(items):
        left = len(items) - i - 1
        tail = len(more.format(n=len(items))) + 1 if left else 0
        if used + len(line) + 1 + tail > limit:
            out.append(more.format(n=len(items) - i))
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def _safe(text: str, limit: int) -> str:
    # Learner and knowledge text: no markdown tricks, and nothing that even looks like a ping.
    return escape_mentions(escape_markdown(shorten(text, limit)))


def background_label(background: str) -> str:
    """`Software engineer` for `software-engineer`; a path's own backgrounds read the same way."""
    return BACKGROUNDS.get(background) or background.replace("-", " ").capitalize()


# Plans ----------------------------------------------------------------------------------------


def _module_line(module: PlannedModule) -> str:
    if module.start is None or module.end is None:
        return "✓ done before this plan"
    return (
        f"{date_text(module.start)} → {date_text(module.end)} ({span_text(module.days)}) · "
        f"{hours_round(module.hours)} at {num(module.weekly_hours)} h/week"
    )


def plan_embed(plan: Plan, *, title: str | None = None) -> discord.Embed:
    """The plan: each module with its dates and weekly hours, and the finish date."""
    scheduled = [m for m in plan.modules if m.start is not None]
    hours = sum(m.hours for m in scheduled)
    head = (
        f"**{_safe(background_label(plan.background), 80)}** · "
        f"**{num(plan.hours_per_week)} h/week** · {hours_round(hours)} to go\n"
        f"Start **{date_text(plan.start)}** · finish **{date_text(plan.finish)}** "
        f"({span_text((plan.finish - plan.start).days + 1)})"
    )
    embed = discord.Embed(
        title=shorten(title or f"Your plan: {plan.path_title}", 256),
        description=head,
        colour=ANSWERED,
    )
    modules = plan.modules
    if len(modules) <= MAX_FIELDS - 1:
        for m in modules:
            embed.add_field(
                name=shorten(f"{m.position + 1}. {m.title}", 256),
                value=_module_line(m),
                inline=False,
            )
    else:
        lines = (f"**{m.position + 1}. {_safe(m.title, 80)}** — {_module_line(m)}" for m in modules)
        room = DESCRIPTION_MAX - len(head) - 2
        embed.description = (
            head
            + "\n\n"
            + _fit_lines(
                lines, room, "… and {n} more modules: " + command("plan export") + " has them all"
            )
        )
    embed.set_footer(
        text="Log study with /checkin · see where you stand with /progress · "
        "/plan export puts it in your calendar"
    )
    return _within_total(embed)


def _within_total(embed: discord.Embed) -> discord.Embed:
    # Field lines are short, so this only bites on absurd inputs; drop trailing fields to fit.
    while len(embed) > TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def ics_filename(plan: Plan) -> str:
    """`waypoint-<path>.ics`."""
    return f"waypoint-{plan.path_id}.ics"


# Check-ins ------------------------------------------------------------------------------------


def module_progress_line(progress: ModuleProgress) -> str:
    """`▰▰▱▱▱▱▱▱▱▱ 18 % · 12 h 30 min of 70 h` for one module."""
    if progress.done:
        return f"{bar(100)} done ✓ · {hours_text(progress.logged_minutes)} logged"
    return (
        f"{bar(progress.percent)} {progress.percent} % · "
        f"{hours_text(progress.logged_minutes)} of {hours_round(progress.planned_hours)}"
    )


def done_text(
    progress: ModuleProgress, following: CurrentModule | None, *, undone: bool = False
) -> str:
    """The reply to `/plan done`: the module's state, and what is next once it is done."""
    title = _safe(progress.title, 200)
    if undone:
        return f"**{title}** is no longer marked done ({progress.percent} % logged)."
    text = f"**{title}** marked done ✓ ({hours_text(progress.logged_minutes)} logged)."
    if following is None:
        return text + " Every module of your plan is done. Well done!"
    return text + f" Next up: **{_safe(following.title, 200)}**."


def checkin_embed(result: CheckinResult, today: date | None = None) -> discord.Embed:
    """The reply to a check-in: what was logged, the streak now, and that module's progress."""
    c = result.checkin
    streak = result.streak
    when = "today" if c.study_date == (today or c.entered_date) else date_text(c.study_date)
    if result.duplicate:
        title = "Already logged"
        lines = [f"This check-in was already recorded: {hours_text(c.minutes)} on {when}."]
    else:
        title = f"Logged {hours_text(c.minutes)} on {result.module.title}"
        lines = [f"Studied {when}" + (" (back-dated)" if c.backdated else "") + "."]
        if result.first_of_day:
            lines.append("✅ First check-in of the day — this day counts for your streak.")
    lines.append(
        f"🔥 Streak **{plural(streak.current, 'day')}** (longest {streak.longest})"
        + (f" · {plural(streak.freezes_held, 'freeze')} held" if streak.freezes_held else "")
    )
    if result.freezes_spent:
        spent = ", ".join(date_text(d) for d in result.freezes_spent)
        lines.append(f"🧊 A streak freeze covered {spent}, so your streak lives on.")
    if c.note:
        lines.append(f"📝 {_safe(c.note, 300)}")
    embed = discord.Embed(title=shorten(title, 256), description="\n".join(lines), colour=STREAK)
    embed.add_field(
        name=shorten(result.module.title, 256),
        value=module_progress_line(result.module),
        inline=False,
    )
    return embed


# Progress -------------------------------------------------------------------------------------


def pace_text(pace: Pace) -> str:
    """Ahead/behind by N days, planned and projected finish, in one short paragraph."""
    if pace.status == "complete":
        return "🎉 Every module of the plan is done."
    if pace.status == "not started":
        return (
            f"The plan starts in {plural(pace.days, 'day')}; "
            f"finish planned {date_text(pace.planned_finish)}."
        )
    if pace.expected_hours == 0:
        # Day one (or before any study is due): no "0 of 300 h; 0 h expected by yesterday".
        done = (
            f"{hours_round(pace.done_hours)} done already, "
            if pace.done_hours
            else "Your plan has just started: "
        )
        return (
            f"**{done}{hours_round(pace.plan_hours - pace.done_hours)} to go**, finish planned "
            f"{date_text(pace.planned_finish)}. Your pace shows here after the first week."
        )
    if pace.status == "on track":
        head = "On track with the plan"
    else:
        where = "ahead of" if pace.status == "ahead" else "behind"
        head = f"{plural(pace.days, 'day')} {where} the plan"
    parts = [
        f"**{head}** ({hours_round(pace.done_hours)} of {hours_round(pace.plan_hours)}; "
        f"{hours_round(pace.expected_hours)} expected by yesterday).",
        f"Planned finish {date_text(pace.planned_finish)}.",
    ]
    if pace.too_early:
        parts.append("A projected finish comes after your first week.")
    elif pace.projected_finish is not None:
        parts.append(
            f"At your recent {num(pace.recent_hours_per_week)} h/week: "
            f"{date_text(pace.projected_finish)}."
        )
    else:
        parts.append("No study in the last weeks, so no projection.")
    return " ".join(parts)


def progress_embed(progress: Progress, *, who: str, image: bool = True) -> discord.Embed:
    """Streak, totals, each module's progress as a bar, pace against the plan (+ the picture)."""
    streak = progress.streak
    embed = discord.Embed(
        title=shorten(f"{who}'s progress: {progress.plan.path_title}", 256),
        colour=STREAK if streak.current else INFO,
    )
    longest = f"longest {plural(streak.longest, 'day')}"
    streak_lines = [
        f"🔥 **{plural(streak.current, 'day')}** · {longest}"
        if streak.current
        # Not "🔥 0 days · longest 0 days" on a plan's first day.
        else f"No streak right now · {longest}"
        if streak.longest
        else "No streak yet: a check-in starts one."
    ]
    if streak.freezes_held:
        streak_lines.append(f"🧊 {plural(streak.freezes_held, 'freeze')} held")
    if streak.at_risk:
        streak_lines.append("⏳ Check in today to keep it.")
    elif streak.studied_today:
        streak_lines.append("✅ Studied today.")
    embed.add_field(name="Streak", value="\n".join(streak_lines))
    embed.add_field(
        name="Totals",
        value=f"{hours_text(progress.total_minutes)} · {plural(progress.checkins, 'check-in')}\n"
        f"{plural(progress.study_days, 'study day')} · "
        f"this week {hours_text(progress.week_minutes)}"
        + (
            f"\n🎧 {hours_text(progress.room_minutes)} of it in study rooms"
            if progress.room_minutes
            else ""
        ),
    )
    lines = (
        f"`{bar(m.percent)}` {m.percent} % **{_safe(m.title, 60)}** ("
        + ("done" if m.done else f"{hours_text(m.logged_minutes)} / {hours_round(m.planned_hours)}")
        + ")"
        for m in progress.modules
    )
    embed.add_field(name="Modules", value=_fit_lines(lines, FIELD_MAX), inline=False)
    embed.add_field(name="Pace", value=shorten(pace_text(progress.pace), FIELD_MAX), inline=False)
    if image:
        embed.set_image(url=f"attachment://{PROGRESS_PNG}")
    embed.set_footer(
        text=f"Study days follow {progress.timezone} · today {date_text(progress.today)}"
    )
    return embed


# Timezone, next step --------------------------------------------------------------------------


def timezone_text(change: TimezoneChange) -> str:
    """The confirmation of `/timezone`: the zone, the local time there, the streak unchanged."""
    clock = f"{change.local_now:%H:%M} on {date_text(change.local_now.date())}"
    same = change.old == change.new
    head = (
        f"Your timezone was already **{change.new}**"
        if same
        else f"Your timezone is now **{change.new}** (was {change.old})"
    )
    return (
        f"{head}; it's {clock} there. Study days and reminders follow it from now on. "
        f"Your streak is {plural(change.streak.current, 'day')}."
    )


def next_embed(step: NextStep) -> discord.Embed:
    """`/next`: the current module, its topics and resources, and this week's target."""
    current = step.current
    embed = discord.Embed(
        title=shorten(f"Next: {current.title}", 256),
        description=shorten(step.summary, 1500) if step.summary else None,
        colour=ANSWERED,
    )
    week_target = step.weekly_hours * 60
    week = f"{hours_text(step.week_minutes)} of {num(step.weekly_hours)} h logged this week"
    if step.week_minutes >= week_target:
        week += " — target met 🎯"
    module = module_progress_line(step.progress)
    if step.module_days_left is not None and step.module_days_left > 0:
        module += f"\nThe plan gives it {plural(step.module_days_left, 'more day')}."
    elif step.module_days_left is not None:
        module += (
            f"\nIts planned dates are over: {command('plan new')} re-dates the rest from today."
        )
    embed.add_field(name="This week", value=week, inline=False)
    embed.add_field(name="This module", value=module, inline=False)
    if step.topics:
        covered = set(step.covered_topics)
        topics = (
            f"✓ ~~{_safe(t, 150)}~~ (your background)" if t in covered else f"• {_safe(t, 150)}"
            for t in step.topics
        )
        embed.add_field(name="Topics", value=_fit_lines(topics, FIELD_MAX), inline=False)
    if step.resources:
        lines = [_resource_line(r) for r in step.resources]
        shown = _resources_shown(lines)
        value = "\n".join(lines[:shown])
        if shown < len(lines):
            value += f"\n… all {len(lines)} are listed below."
        embed.add_field(name="Resources", value=shorten(value, FIELD_MAX), inline=False)
    embed.set_footer(
        text=shorten(
            f"{current.path_title} · log time with /checkin module:{current.module_id}", 300
        )
    )
    return embed


def _resource_line(r: ResourceLink) -> str:
    return f"[{_link(r.title)}]({r.url.replace(')', '%29')}) · {r.kind}" + (
        " · free" if r.free else ""
    )


def _resources_shown(lines: list[str]) -> int:
    """How many resource lines the `/next` embed itself shows (a handful, at least one)."""
    shown, used = 0, 0
    while shown < len(lines) and used + len(lines[shown]) + 1 <= RESOURCES_MAX:
        used += len(lines[shown]) + 1
        shown += 1
    return max(shown, 1)


def next_embeds(step: NextStep) -> list[discord.Embed]:
    """`/next` as Discord shows it: the step, then every resource of the module (a second embed
    when they do not fit the first), all within one message's 6,000 characters."""
    first = next_embed(step)
    lines = [_resource_line(r) for r in step.resources]
    if not lines or _resources_shown(lines) >= len(lines):
        return [first]
    room = min(DESCRIPTION_MAX, TOTAL_MAX - len(first) - 100)
    more = discord.Embed(
        title=shorten(f"All {len(lines)} resources for {step.current.title}", 256),
        description=_fit_lines(lines, room),
        colour=ANSWERED,
    )
    return [first, more]


def _link(title: str) -> str:
    return escape_markdown(shorten(title, 90)).replace("[", "(").replace("]", ")")


# Reminders, leaderboard, privacy --------------------------------------------------------------


def reminder_text(due: DueReminder, guild_name: str) -> str:
    """The daily DM sent when a streak is at risk."""
    return (
        f"⏳ Your {due.streak}-day study streak in **{_safe(guild_name, 100)}** ends "
        f"at midnight your time. A quick {command('checkin')} there today keeps it going: "
        f"https://discord.com/channels/{due.scope}\n"
        f"-# You asked for this reminder; {command('remind off')} in that server stops it."
    )


def reminder_set_text(setting: ReminderSetting) -> str:
    """The confirmation of `/remind set` or `/remind off`."""
    if setting.at is None:
        return f"Daily reminders are off. {command('remind set')} turns them back on."
    timezone = setting.zone.zone
    text = (
        f"I'll DM you at **{setting.at}** ({timezone}) on days you haven't checked in yet and "
        "your streak is at risk — never more than once a day."
    )
    if not setting.zone.explicit:
        text += f" That's {timezone} time: set yours with {command('timezone')} if it's different."
    return text + " Make sure direct messages from this server's members are allowed."


PERIODS = {"week": "this week", "month": "this month"}


def leaderboard_embed(
    entries: Sequence[LeaderboardEntry], period: str, guild_name: str
) -> discord.Embed:
    """The opted-in learners by study time (mentions render as names; nobody is pinged)."""
    medals = {0: "🥇", 1: "🥈", 2: "🥉"}
    lines = [
        f"{medals.get(i, f'`{i + 1}.`')} <@{e.user_id}> — {hours_text(e.minutes)}"
        for i, e in enumerate(entries)
    ]
    label = PERIODS.get(period, period)
    embed = discord.Embed(
        title=shorten(f"Study time {label} in {guild_name}", 256),
        description="\n".join(lines)
        if lines
        else f"Nobody on the leaderboard has logged study time {label} yet.",
        colour=INFO,
    )
    embed.set_footer(text="Only learners who joined are shown · /leaderboard join · days in UTC")
    return embed


def export_file(data: dict[str, Any], guild_id: int, limit: int) -> discord.File:
    """The `/mydata export` JSON as a file, gzip-compressed if it would exceed `limit` bytes."""
    raw = json.dumps(data, indent=2, ensure_ascii=False).encode()
    name = f"waypoint-data-{guild_id}.json"
    if len(raw) > limit:
        raw, name = gzip.compress(raw), name + ".gz"
    return discord.File(io.BytesIO(raw), filename=name)


def deleted_text(deleted: DeletedData) -> str:
    """What `/mydata delete` removed."""
    asked = (
        f" Also deleted: {plural(deleted.questions, 'question')} you asked, with the votes on "
        "them, and your own votes."
        if deleted.questions
        else ""
    )
    if not (deleted.checkins or deleted.plans or deleted.completions):
        return (
            "You had no plans or check-ins in this server; any timezone, reminder or "
            "leaderboard setting here is cleared." + asked
        )
    return (
        f"Deleted: {plural(deleted.checkins, 'check-in')}, {plural(deleted.plans, 'plan')} and "
        f"{plural(deleted.completions, 'completed module')}, with your timezone, reminder and "
        "leaderboard settings in this server." + asked
    )

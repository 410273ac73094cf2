"""Study commands: `/plan new|show|done|export`, `/checkin`, `/progress`, `/timezone`, `/next`.

Each command parses its options, calls the StudyService and formats the result (see
`bot/study_embeds.py`). Study data belongs to the server it was logged in: the guild id is the
service's scope. Replies are visible to the learner only, except `/progress public: True`.
Errors are `WaypointError`s raised before any reply; `tree.on_error` shows their sentence.
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.common import IN_SERVERS, NO_PINGS, log_command, quiet, scope_of
from bot.discord.study_embeds import (
    PROGRESS_PNG,
    checkin_embed,
    done_text,
    ics_filename,
    next_embeds,
    plan_embed,
    progress_embed,
    timezone_text,
)
from bot.errors import WaypointError
from bot.study.checkins import CheckinService
from bot.study.learners import LearnerService
from bot.study.parsing import optional_date, split_modules, suggest_timezones
from bot.study.planner import BACKGROUNDS
from bot.study.plans import PlanService
from bot.study.progress import ProgressService
from bot.text import date_text

log = logging.getLogger(__name__)

MAX_CHOICES = 25
CHOICE_MAX = 100  # Discord's limit for a choice's name and value
Choice = app_commands.Choice


def _clip(text: str) -> str:
    return text if len(text) <= CHOICE_MAX else text[: CHOICE_MAX - 1] + "…"


def _matches(query: str, *texts: str) -> bool:
    q = query.strip().lower()
    return not q or any(q in t.lower() for t in texts)


def done_choices(module_ids: list[tuple[str, str]], typed: str) -> list[Choice[str]]:
    """Choices for a comma-separated list of modules: what is typed, plus one more module.

    `module_ids` are (id, title) pairs in roadmap order. Typing "prerequisites, ml" offers
    "prerequisites, ml-fundamentals"; modules already in the list are not offered again.
    """
    *given, last = [p.strip() for p in typed.split(",")] if typed.strip() else [""]
    known = {mid for mid, _ in module_ids}
    chosen = [g for g in given if g]
    # Resolve the finished items to ids (a title typed in full, any case, counts too).
    by_title = {title.lower(): mid for mid, title in module_ids}
    resolved = [g if g in known else by_title.get(g.lower(), g) for g in chosen]
    out: list[Choice[str]] = []
    if last in known and last not in resolved:
        value = ", ".join([*resolved, last])
        out.append(Choice(name=_clip(value), value=_clip(value)))
    for mid, title in module_ids:
        if mid in resolved or (out and mid == last) or not _matches(last, mid, title):
            continue
        value = ", ".join([*resolved, mid])
        if len(value) > CHOICE_MAX:
            continue
        out.append(Choice(name=_clip(f"{value}  ({title})"), value=value))
    return out[:MAX_CHOICES]


def date_choices(today: date, typed: str, days: int = 7) -> list[Choice[str]]:
    """Today and the `days` days before it (the check-in back-dating window): `Today — Tue 10
    Mar 2026`; the value sent is YYYY-MM-DD, which can be typed too."""
    out: list[Choice[str]] = []
    for back in range(days + 1):
        day = today - timedelta(days=back)
        label = {0: "Today", 1: "Yesterday"}.get(back, f"{back} days ago")
        name = f"{label} — {date_text(day)}"
        if _matches(typed, name, day.isoformat()):
            out.append(Choice(name=name, value=day.isoformat()))
    return out


class StudyCog(commands.Cog):
    """Plans, check-ins, progress and timezones, one server at a time."""

    plan = app_commands.Group(
        name="plan",
        description="Your study plan: make one, see it, put it in your calendar.",
        extras={
            "help": (
                "A plan splits a learning path into modules with start and end dates, paced by "
                "the hours you can give each week."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )

    def __init__(
        self,
        plans: PlanService,
        checkins: CheckinService,
        progress: ProgressService,
        learners: LearnerService,
    ) -> None:
        self.plans = plans
        self.checkins = checkins
        self.progress_service = progress
        self.learners = learners

    # Autocomplete (answers within Discord's 3 s from memory and a few indexed queries) ----------

    @quiet
    async def _path_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        roadmaps = self.plans.roadmaps()
        return [
            Choice(name=_clip(f"{r.title} ({len(r.modules)} modules)"), value=r.id)
            for r in roadmaps
            if _matches(current, r.id, r.title)
        ][:MAX_CHOICES]

    @quiet
    async def _done_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        path = getattr(interaction.namespace, "path", None)
        if not isinstance(path, str) or not path.strip():
            return []
        try:
            roadmap = self.plans.roadmap(path)
        except WaypointError:
            return []
        return done_choices([(m.id, m.title) for m in roadmap.modules], current)

    @quiet
    async def _module_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        scope = scope_of(interaction)
        try:
            plan = await self.plans.plan(scope, interaction.user.id)
        except WaypointError:
            return []
        now = await self.plans.current_module(scope, interaction.user.id)
        first = now.module_id if now else None
        ordered = sorted(plan.modules, key=lambda m: (m.module_id != first, m.position))
        return [
            Choice(
                name=_clip(
                    f"{m.title}"
                    + (" · current" if m.module_id == first else "")
                    + (" · done" if m.done_before else "")
                ),
                value=m.module_id,
            )
            for m in ordered
            if _matches(current, m.module_id, m.title)
        ][:MAX_CHOICES]

    @quiet
    async def _date_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        today = await self.learners.today(scope_of(interaction), interaction.user.id)
        return date_choices(today, current)

    @quiet
    async def _zone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        return [Choice(name=z, value=z) for z in suggest_timezones(current, MAX_CHOICES)]

    # /plan ----------------------------------------------------------------------------------

    @plan.command(
        name="new",
        description="Make (or remake) your plan for a path, dated from a start day.",
        extras={
            "help": (
                "Use it to start a plan, or to start over; list the modules you already know in "
                "`done` to skip them."
            ),
        },
    )
    @app_commands.describe(
        path="The learning path (a roadmap of the knowledge base).",
        background="Where you start from; it changes how long modules take.",
        hours_per_week="Hours you can study a week (1–80).",
        start="First day, YYYY-MM-DD (default: today in your timezone).",
        done="Modules you have already finished, separated by commas.",
    )
    # A fixed choice: the four backgrounds every roadmap accepts (the CLI also takes the extra
    # ones a roadmap's pathways may name).
    @app_commands.choices(
        background=[Choice(name=label, value=key) for key, label in BACKGROUNDS.items()]
    )
    async def plan_new(
        self,
        interaction: discord.Interaction,
        path: str,
        background: Choice[str],
        hours_per_week: app_commands.Range[float, 1, 80],
        start: str | None = None,
        done: str | None = None,
    ) -> None:
        """Date every remaining module at the learner's pace; re-planning keeps logged work."""
        scope = scope_of(interaction)
        made = await self.plans.new_plan(
            scope,
            interaction.user.id,
            path=path,
            background=background.value,
            hours_per_week=hours_per_week,
            start=optional_date(start),
            done=split_modules(done),
        )
        log_command(interaction, f"path={made.path_id} finish={made.finish}")
        await interaction.response.send_message(
            embed=plan_embed(made), ephemeral=True, allowed_mentions=NO_PINGS
        )

    plan_new.autocomplete("path")(_path_choices)
    plan_new.autocomplete("done")(_done_choices)

    @plan.command(
        name="show",
        description="Your current plan: each module with its dates.",
        extras={
            "help": (
                "Use it to see every module of your plan, when each starts and ends, and which "
                "ones are done."
            ),
        },
    )
    async def plan_show(self, interaction: discord.Interaction) -> None:
        """Show the learner's current plan."""
        current = await self.plans.plan(scope_of(interaction), interaction.user.id)
        log_command(interaction, f"path={current.path_id}")
        await interaction.response.send_message(
            embed=plan_embed(current), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @plan.command(
        name="done",
        description="Mark a module of your plan done (or not, again).",
        extras={
            "help": (
                "Use it when you finish a module, or to skip one you already know; `undo` reopens"
                " it."
            ),
        },
    )
    @app_commands.describe(
        module="The module of your plan you finished.",
        undo="Mark it not done again (default: mark it done).",
    )
    async def plan_done(
        self, interaction: discord.Interaction, module: str, undo: bool = False
    ) -> None:
        """Mark a module done; the reply names what is next."""
        scope = scope_of(interaction)
        progress = await self.plans.set_module_done(
            scope, interaction.user.id, module, done=not undo
        )
        following = None if undo else await self.plans.current_module(scope, interaction.user.id)
        log_command(interaction, f"module={progress.module_id} undo={undo}")
        await interaction.response.send_message(
            done_text(progress, following, undone=undo), ephemeral=True, allowed_mentions=NO_PINGS
        )

    plan_done.autocomplete("module")(_module_choices)

    @plan.command(
        name="export",
        description="Your plan as a calendar file (.ics), one event per module.",
        extras={"help": "Use it to add your plan to Google Calendar, Outlook or Apple Calendar."},
    )
    async def plan_export(self, interaction: discord.Interaction) -> None:
        """Attach the plan as an iCalendar file."""
        scope = scope_of(interaction)
        current = await self.plans.plan(scope, interaction.user.id)
        data = await self.plans.export_ics(scope, interaction.user.id, current.path_id)
        log_command(interaction, f"path={current.path_id} bytes={len(data)}")
        await interaction.response.send_message(
            f"Your **{current.path_title}** plan, one all-day event per module. Import it into "
            "Google Calendar, Outlook or Apple Calendar; importing a new plan later updates "
            "these events.",
            file=discord.File(io.BytesIO(data), filename=ics_filename(current)),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # /checkin, /progress, /timezone, /next --------------------------------------------------

    @app_commands.command(
        name="checkin",
        description="Log study time on a module of your plan.",
        extras={
            "help": (
                "Use it to tell me how long you studied and on which module, today or on a day of"
                " the past week; each check-in counts towards your streak and your progress."
            ),
        },
    )
    @app_commands.guild_only()
    @app_commands.describe(
        minutes="Minutes studied (1–1440).",
        module="The module of your plan you worked on.",
        note="What you did, if you like (up to 500 characters).",
        date_="The day you studied, if not today (up to 7 days back), YYYY-MM-DD.",
    )
    @app_commands.rename(date_="date")
    async def checkin(
        self,
        interaction: discord.Interaction,
        minutes: app_commands.Range[int, 1, 1440],
        module: str,
        note: app_commands.Range[str, None, 500] | None = None,
        date_: str | None = None,
    ) -> None:
        """Record a check-in and reply with the streak and the module's progress."""
        result = await self.checkins.checkin(
            scope_of(interaction),
            interaction.user.id,
            minutes=minutes,
            module=module,
            note=note,
            on=optional_date(date_),
            # A gateway replay delivers the same interaction id again: it is logged once.
            request_key=f"discord:{interaction.id}",
        )
        log_command(interaction, f"module={result.checkin.module_id} minutes={minutes}")
        await interaction.response.send_message(
            embed=checkin_embed(result), ephemeral=True, allowed_mentions=NO_PINGS
        )
        # Streak milestone roles are the community cog's: it listens for `on_study_checkin`.
        interaction.client.dispatch("study_checkin", interaction, result)

    checkin.autocomplete("module")(_module_choices)
    checkin.autocomplete("date_")(_date_choices)

    @app_commands.command(
        name="progress",
        description="Your streak, time per module and pace, with a study heatmap.",
        extras={
            "help": (
                "Use it to see your streak and your progress so far: how many consecutive days "
                "you studied, the time spent on each module, whether you keep pace with your "
                "plan, and a heatmap of the days you studied."
            ),
        },
    )
    @app_commands.guild_only()
    @app_commands.describe(public="Show it to the channel (default: only you see it).")
    async def progress(self, interaction: discord.Interaction, public: bool = False) -> None:
        """The progress embed with the PNG attached; ephemeral unless `public`."""
        # The numbers first (a few indexed reads): a learner without a plan gets the error
        # privately even when public; the picture, which takes a moment, after the defer.
        result = await self.progress_service.progress(scope_of(interaction), interaction.user.id)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        png = await self.progress_service.picture(result)
        log_command(interaction, f"public={public} png_bytes={len(png)}")
        await interaction.followup.send(
            embed=progress_embed(result, who=interaction.user.display_name),
            file=discord.File(io.BytesIO(png), filename=PROGRESS_PNG),
            ephemeral=not public,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name="timezone",
        description="Set your timezone: study days and reminders follow it.",
        extras={
            "help": (
                "Use it so your study days, your streak and your reminder times follow your local"
                " clock, for instance after you move or while you travel."
            ),
        },
    )
    @app_commands.guild_only()
    @app_commands.describe(zone="An IANA timezone, e.g. Europe/Paris; start typing a city.")
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        """Set the learner's timezone; the streak is the same before and after."""
        change = await self.learners.set_timezone(scope_of(interaction), interaction.user.id, zone)
        log_command(interaction, f"zone={change.new}")
        await interaction.response.send_message(
            timezone_text(change), ephemeral=True, allowed_mentions=NO_PINGS
        )

    timezone.autocomplete("zone")(_zone_choices)

    @app_commands.command(
        name="next",
        description="What to study now: your module, its topics and resources.",
        extras={
            "help": (
                "Use it when you wonder what to study today: it names your current module, its "
                "topics and links to learn from."
            ),
        },
    )
    @app_commands.guild_only()
    async def next(self, interaction: discord.Interaction) -> None:
        """The current module by the plan, its topics and resources, this week's target."""
        step = await self.plans.next_step(scope_of(interaction), interaction.user.id)
        log_command(interaction, f"module={step.current.module_id}")
        await interaction.response.send_message(
            embeds=next_embeds(step), ephemeral=True, allowed_mentions=NO_PINGS
        )

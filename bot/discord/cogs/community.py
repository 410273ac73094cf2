"""Opt-in community features: `/remind set|off` (daily DM) and `/leaderboard show|join|leave`;
streak milestone roles, granted after a check-in reaches a streak a moderator mapped to a role.

The cog owns the reminder loop (a `discord.ext.tasks` loop over `bot/discord/reminders.py`): it
starts when the cog loads and stops when it unloads, so the bot's setup only adds the cog.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord.cogs.common import IN_SERVERS, NO_PINGS, log_command, scope_of
from bot.discord.milestones import can_give, milestone_text
from bot.discord.reminders import EVERY_MINUTE, Reminders
from bot.discord.study_embeds import leaderboard_embed, reminder_set_text
from bot.study.community import CommunityService
from bot.study.models import CheckinResult

log = logging.getLogger(__name__)


class CommunityCog(commands.Cog):
    """Reminders and the leaderboard: both off until the learner turns them on."""

    remind = app_commands.Group(
        name="remind",
        description="A daily DM when your streak is at risk (opt-in).",
        extras={
            "help": (
                "Use it to be reminded to study: a direct message at the hour you choose, in the "
                "morning or the evening, on a day you have not checked in yet."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )
    leaderboard = app_commands.Group(
        name="leaderboard",
        description="Study time in this server, for those who joined (opt-in).",
        extras={
            "help": (
                "It ranks only the learners who joined it by their study hours; nobody appears on"
                " it without asking."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )

    def __init__(self, client: discord.Client, community: CommunityService) -> None:
        self.client = client
        self.community = community
        self.reminders = Reminders(client, community)

    async def cog_load(self) -> None:
        """Start the reminder loop (its first pass waits until the bot is ready)."""
        self.reminder_loop.start()

    async def cog_unload(self) -> None:
        """Stop the reminder loop."""
        self.reminder_loop.cancel()

    @tasks.loop(time=EVERY_MINUTE)
    async def reminder_loop(self) -> None:
        """One pass at every minute of the wall clock."""
        await self.reminders.tick_safely()

    @reminder_loop.before_loop
    async def _catch_up(self) -> None:
        # A reminder whose time passed while the bot was down goes out now, the same local day.
        await self.client.wait_until_ready()
        await self.reminders.tick_safely()

    @commands.Cog.listener()
    async def on_study_checkin(
        self, interaction: discord.Interaction, result: CheckinResult
    ) -> None:
        """Give the member every milestone role their streak has reached and never got.

        A role is recorded as given only once Discord accepted it, so a server that gives the
        bot Manage Roles later still grants it at the next check-in; a role is never removed.
        """
        member, guild_id = interaction.user, interaction.guild_id
        if not isinstance(member, discord.Member) or guild_id is None:
            return
        due = await self.community.milestones_due(guild_id, member.id, result.streak.current)
        for days, role_id in due:
            if all(role.id != role_id for role in member.roles):
                if not can_give(member.guild, role_id):  # above the bot's role: see /config show
                    continue
                try:
                    await member.add_roles(
                        discord.Object(role_id), reason=f"Waypoint: {days}-day study streak"
                    )
                except discord.Forbidden:
                    log.warning(
                        "milestone role %s not granted in guild %s: the bot needs Manage Roles "
                        "and a role above it",
                        role_id,
                        guild_id,
                    )
                    return
                except discord.NotFound:
                    log.warning("milestone role %s of guild %s was deleted", role_id, guild_id)
                    continue
            if await self.community.milestone_granted(guild_id, member.id, days, role_id):
                log.info(
                    "milestone %sd role=%s guild=%s user=%s", days, role_id, guild_id, member.id
                )
                await interaction.followup.send(
                    milestone_text(days, role_id), ephemeral=True, allowed_mentions=NO_PINGS
                )

    @remind.command(
        name="set",
        description="DM me at this local time on days my streak is at risk.",
        extras={
            "help": (
                "Use it to pick the hour of the reminder, in your own timezone; run it again to "
                "change it."
            ),
        },
    )
    @app_commands.describe(time="Your local time, e.g. 19:30, 7pm or 7:30 pm.")
    async def remind_set(self, interaction: discord.Interaction, time: str) -> None:
        """Turn the daily reminder on at `time` in the learner's timezone."""
        setting = await self.community.set_reminder(
            scope_of(interaction), interaction.user.id, time
        )
        log_command(interaction, f"at={setting.at}")
        await interaction.response.send_message(
            reminder_set_text(setting),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @remind.command(
        name="off",
        description="Stop the daily streak reminder.",
        extras={
            "help": (
                "Use it to stop the daily nudges; your streak and your check-ins stay as they are, "
                "and `/remind set` turns them on again."
            ),
        },
    )
    async def remind_off(self, interaction: discord.Interaction) -> None:
        """Turn the daily reminder off."""
        setting = await self.community.set_reminder(
            scope_of(interaction), interaction.user.id, None
        )
        log_command(interaction)
        await interaction.response.send_message(
            reminder_set_text(setting),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @leaderboard.command(
        name="show",
        description="Who studied most in this server (joined learners).",
        extras={
            "help": (
                "Use it to see who is at the top of the ranking of study hours this week or this "
                "month."
            ),
        },
    )
    @app_commands.describe(period="This week (from Monday) or this month; default this week.")
    @app_commands.choices(
        period=[
            app_commands.Choice(name="This week", value="week"),
            app_commands.Choice(name="This month", value="month"),
        ]
    )
    async def leaderboard_show(
        self, interaction: discord.Interaction, period: str = "week"
    ) -> None:
        """The top learners who joined, by study time; posted in the channel, pinging nobody."""
        entries = await self.community.leaderboard(scope_of(interaction), period)
        log_command(interaction, f"period={period} shown={len(entries)}")
        guild_name = interaction.guild.name if interaction.guild else "this server"
        await interaction.response.send_message(
            embed=leaderboard_embed(entries, period, guild_name), allowed_mentions=NO_PINGS
        )

    @leaderboard.command(
        name="join",
        description="Show your study time on this server's leaderboard.",
        extras={"help": "Use it to appear in the ranking with your study hours."},
    )
    async def leaderboard_join(self, interaction: discord.Interaction) -> None:
        """Opt in."""
        await self.community.set_leaderboard(scope_of(interaction), interaction.user.id, True)
        log_command(interaction)
        await interaction.response.send_message(
            "You're on this server's leaderboard: `/leaderboard show` lists study time this week "
            "or month. `/leaderboard leave` takes you off at any time.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @leaderboard.command(
        name="leave",
        description="Take your study time off the leaderboard.",
        extras={"help": "Use it to remove your name from the ranking; your check-ins stay yours."},
    )
    async def leaderboard_leave(self, interaction: discord.Interaction) -> None:
        """Opt out."""
        await self.community.set_leaderboard(scope_of(interaction), interaction.user.id, False)
        log_command(interaction)
        await interaction.response.send_message(
            "You're off the leaderboard; your study time is no longer shown to others.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

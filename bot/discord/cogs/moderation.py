"""Moderator commands: `/kb reload|status|gaps`,
`/config answer-channel|study-room|show|milestone-role`.

Moderators are members with Manage Server or the configured moderator role. The groups carry no
`default_member_permissions`: Discord would hide them from members who hold only the role, so
the check runs here, on every invocation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.common import IN_SERVERS, NO_PINGS
from bot.discord.cogs.rooms import presence, study_room_text
from bot.discord.embeds import answer_channels_text, gaps_embed, reload_embed, status_embed
from bot.discord.errors import Refused, mark_answered
from bot.discord.milestones import (
    MANAGE_ROLES_TEXT,
    above_me,
    above_me_text,
    milestone_roles_text,
    milestones_line,
    out_of_reach,
)
from bot.errors import PermissionDenied
from bot.qa.service import ChannelToggle, QuestionService

if TYPE_CHECKING:
    from bot.admin.service import KnowledgeSync
    from bot.study.community import CommunityService
    from bot.study.rooms import StudyRoomService
    from index.search import KnowledgeBase

log = logging.getLogger(__name__)


def is_moderator(interaction: discord.Interaction, role_name: str) -> bool:
    """Manage Server in this channel, or the moderator role (names compared case-insensitively)."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    if interaction.permissions.manage_guild:
        return True
    wanted = role_name.casefold()
    return any(role.name.casefold() == wanted for role in member.roles)


class ModerationCog(commands.Cog):
    """Run the knowledge base and the bot's channels from Discord."""

    kb = app_commands.Group(
        name="kb",
        description="Run the knowledge base (moderators).",
        extras={
            "help": (
                "Moderators use it after editing the knowledge folders: to make new text "
                "searchable, see what is indexed and find what learners asked that it does not "
                "cover."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )
    config = app_commands.Group(
        name="config",
        description="Configure Waypoint in this server (moderators).",
        extras={
            "help": (
                "Moderators use it to choose where I answer on my own, which voice rooms count as"
                " study time and which roles long streaks earn."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )

    def __init__(
        self,
        knowledge: KnowledgeBase,
        questions: QuestionService,
        moderator_role: str,
        *,
        rooms: StudyRoomService,
        community: CommunityService,
        sync: KnowledgeSync | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.sync = sync
        self.questions = questions
        self.moderator_role = moderator_role
        self.rooms = rooms
        self.community = community

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every command of this cog is for moderators only."""
        if is_moderator(interaction, self.moderator_role):
            return True
        raise Refused(
            PermissionDenied(
                "Only moderators can use this: members with Manage Server or the "
                f"“{self.moderator_role}” role."
            )
        )

    @kb.command(
        name="reload",
        description="Re-read the knowledge folders and swap in the new index.",
        extras={
            "help": "Use it after adding or editing an article so its text can be found at once."
        },
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        """Reload, then edit the reply with what changed (or which file is broken and why)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        # With several processes, the sync reloads every one of them and counts who switched.
        switched = None
        if self.sync is not None:
            synced = await self.sync.reload()
            report, switched = synced.report, synced.switched
        else:
            report = await self.knowledge.reload()
        log.info(
            "/kb reload guild=%s user=%s ok=%s switched=%s",
            interaction.guild_id,
            interaction.user.id,
            report.ok,
            switched,
        )
        roots = tuple(self.knowledge.config.knowledge_dirs)
        await interaction.followup.send(
            embed=reload_embed(report, roots, switched=switched),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        mark_answered(interaction)

    @kb.command(
        name="status",
        description="What the knowledge base holds and when it last changed.",
        extras={
            "help": (
                "Use it to see how many files and passages are indexed and when they last changed."
            ),
        },
    )
    async def status(self, interaction: discord.Interaction) -> None:
        """Documents, passages, folders, model, index age, last reload."""
        paths = sorted(r.title for r in self.knowledge.catalog.roadmaps.values())
        await interaction.response.send_message(
            embed=status_embed(self.knowledge.status(), paths),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @kb.command(
        name="gaps",
        description="Questions the bot could not answer and answers voted 👎.",
        extras={
            "help": "Use it to list the questions I could not answer, to know what to write next."
        },
    )
    @app_commands.describe(days="How many days back to look (1–365, default 30).")
    async def gaps(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        """The content to write next, most frequent first."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.questions.gaps(interaction.guild_id, days=days)
        await interaction.followup.send(
            embed=gaps_embed(report), ephemeral=True, allowed_mentions=NO_PINGS
        )
        mark_answered(interaction)

    @config.command(
        name="answer-channel",
        description="Answer every message in a channel (run again on the same channel to stop).",
        extras={
            "help": (
                "Use it to have a help or questions channel answered automatically, without "
                "anyone typing /ask."
            ),
        },
    )
    @app_commands.describe(
        channel="The text or forum channel whose messages (and threads) I should answer.",
        threads="Text channels: answer each question in a new thread (True) or in the channel.",
    )
    async def answer_channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
        threads: bool | None = None,
    ) -> None:
        """Toggle an answer channel, or with `threads` set it (and its mode); list the ones set."""
        assert interaction.guild_id is not None  # guild_only
        if threads is None:
            toggle = await self.questions.toggle_answer_channel(
                interaction.guild_id, channel.id, by=interaction.user.id
            )
        else:
            toggle = await self.questions.set_answer_channel(
                interaction.guild_id, channel.id, by=interaction.user.id, threads=threads
            )
        forum = isinstance(channel, discord.ForumChannel)
        await interaction.response.send_message(
            answer_channel_text(toggle, forum=forum), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @config.command(
        name="study-room",
        description="Log time in a voice channel as study (run again on the same channel to stop).",
        extras={
            "help": (
                "Use it so the minutes members spend together in a study room are logged as their"
                " check-ins."
            ),
        },
    )
    @app_commands.describe(channel="The voice channel whose members' time I should log.")
    async def study_room(
        self, interaction: discord.Interaction, channel: discord.VoiceChannel
    ) -> None:
        """Toggle a study room and list the ones set."""
        assert interaction.guild_id is not None  # guild_only
        toggle = await self.rooms.toggle_room(
            interaction.guild_id, channel.id, by=interaction.user.id
        )
        if toggle.added and interaction.guild is not None:
            # Members already sitting in the channel start counting now, not at their next move.
            await self.rooms.resume(interaction.guild_id, presence(interaction.guild))
        await interaction.response.send_message(
            study_room_text(toggle.channel_id, toggle.added, toggle.rooms),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @config.command(
        name="show",
        description="What Waypoint is set to do in this server.",
        extras={
            "help": (
                "Use it to check the current settings: answer channels, study rooms and milestone"
                " roles."
            ),
        },
    )
    async def show(self, interaction: discord.Interaction) -> None:
        """Every server setting, one line each."""
        assert interaction.guild_id is not None  # guild_only
        answer = sorted(await self.questions.answer_channels(interaction.guild_id))
        rooms = await self.rooms.rooms(interaction.guild_id)

        def listed(ids: list[int] | tuple[int, ...]) -> str:
            return ", ".join(f"<#{c}>" for c in ids) if ids else "none"

        milestones = await self.community.milestone_roles(interaction.guild_id)
        lines = [
            f"**Answer channels:** {listed(answer)}",
            f"**Study rooms:** {listed(rooms)}",
            f"**Milestone roles:** {milestones_line(milestones)}",
            f"**Moderators:** Manage Server, or the “{self.moderator_role}” role",
        ]
        # What stops milestone roles from being given, for as long as it lasts (a refused
        # grant is only logged: this is where moderators find out).
        guild = interaction.guild
        if milestones and not interaction.app_permissions.manage_roles:
            lines.append(MANAGE_ROLES_TEXT)
        elif guild is not None and guild.me is not None:
            blocked = out_of_reach(guild, milestones.values())
            if blocked:
                lines.append(above_me_text(blocked, guild.me.top_role))
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @config.command(
        name="milestone-role",
        description="Give a role at a streak length (run again with the same role to stop).",
        extras={
            "help": (
                "Use it to reward learners who keep a streak going, such as a role after 7 or 30 "
                "days in a row."
            ),
        },
    )
    @app_commands.describe(
        days="The streak length in days that earns the role.",
        role="The role to give; members keep it if their streak ends.",
    )
    async def milestone_role(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 3650],
        role: discord.Role,
    ) -> None:
        """Map a streak length to a role; warn when the bot cannot give roles."""
        assert interaction.guild_id is not None  # guild_only
        is_set, roles = await self.community.toggle_milestone_role(
            interaction.guild_id, days, role.id, by=interaction.user.id
        )
        # What servers forget: Manage Roles, and a role placed above the bot's own (Discord
        # refuses those grants). The setting is kept; a later check-in grants it once fixed.
        can_grant = interaction.app_permissions.manage_roles
        me = role.guild.me
        unreachable = (
            above_me_text([role], me.top_role)
            if is_set and me is not None and above_me(role)
            else ""
        )
        log.info(
            "/config milestone-role guild=%s days=%s set=%s above_bot=%s",
            interaction.guild_id,
            days,
            is_set,
            bool(unreachable),
        )
        await interaction.response.send_message(
            milestone_roles_text(is_set, days, roles, can_grant, unreachable),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


def answer_channel_text(toggle: ChannelToggle, *, forum: bool) -> str:
    """The confirmation of `/config answer-channel`: where and how answers now go."""
    text = answer_channels_text(toggle)
    if not toggle.added:
        return text
    if forum:
        how = "Each new post is answered inside its own thread, and so are replies there."
    elif toggle.threads:
        how = "I open a thread on each question and answer there; follow-ups go in the thread."
    else:
        how = "I answer in the channel, and in its threads."
    return f"{text}\n{how}"

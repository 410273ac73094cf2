"""Moderator commands: `/kb reload|status|gaps`, `/config answer-channel` and
`/config milestone-role`.

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
from bot.discord.embeds import answer_channels_text, gaps_embed, reload_embed, status_embed
from bot.discord.errors import Refused, mark_answered
from bot.errors import PermissionDenied
from bot.qa.service import QuestionService

if TYPE_CHECKING:
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
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )
    config = app_commands.Group(
        name="config",
        description="Configure Waypoint in this server (moderators).",
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )

    def __init__(
        self, knowledge: KnowledgeBase, questions: QuestionService, moderator_role: str
    ) -> None:
        self.knowledge = knowledge
        self.questions = questions
        self.moderator_role = moderator_role

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
        name="reload", description="Re-read the knowledge folders and swap in the new index."
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        """Reload, then edit the reply with what changed (or which file is broken and why)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.knowledge.reload()
        log.info(
            "/kb reload guild=%s user=%s ok=%s",
            interaction.guild_id,
            interaction.user.id,
            report.ok,
        )
        roots = tuple(self.knowledge.config.knowledge_dirs)
        await interaction.followup.send(
            embed=reload_embed(report, roots), ephemeral=True, allowed_mentions=NO_PINGS
        )
        mark_answered(interaction)

    @kb.command(
        name="status", description="What the knowledge base holds and when it last changed."
    )
    async def status(self, interaction: discord.Interaction) -> None:
        """Documents, passages, folders, model, index age, last reload."""
        paths = sorted(r.title for r in self.knowledge.catalog.roadmaps.values())
        await interaction.response.send_message(
            embed=status_embed(self.knowledge.status(), paths),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @kb.command(name="gaps", description="Questions the bot could not answer and answers voted 👎.")
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
    )
    @app_commands.describe(channel="The text channel whose messages I should answer.")
    async def answer_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Toggle an answer channel and list the ones set."""
        assert interaction.guild_id is not None  # guild_only
        toggle = await self.questions.toggle_answer_channel(
            interaction.guild_id, channel.id, by=interaction.user.id
        )
        await interaction.response.send_message(
            answer_channels_text(toggle), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @config.command(
        name="milestone-role",
        description="Give a role at a streak length (run again with the same role to stop).",
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
        from bot.discord.cogs.community import CommunityCog
        from bot.discord.study_embeds import milestone_roles_text

        assert interaction.guild_id is not None  # guild_only
        cog = interaction.client.get_cog("CommunityCog")  # type: ignore[attr-defined]
        assert isinstance(cog, CommunityCog)
        is_set, roles = await cog.community.toggle_milestone_role(
            interaction.guild_id, days, role.id, by=interaction.user.id
        )
        # Manage Roles is what servers forget; a role above the bot's is refused at grant
        # time (logged, and granted at a later check-in once fixed).
        can_grant = interaction.app_permissions.manage_roles
        log.info(
            "/config milestone-role guild=%s days=%s set=%s", interaction.guild_id, days, is_set
        )
        await interaction.response.send_message(
            milestone_roles_text(is_set, days, roles, can_grant),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

"""Privacy: `/mydata export` (a JSON file) and `/mydata delete` (after a confirm click).

Both act on the caller's data in this server only. The delete prompt is ephemeral and its
buttons answer only the member who asked; anyone else's click is refused and deletes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.common import IN_SERVERS, NO_PINGS, log_command, scope_of
from bot.discord.errors import ErrorHandler, send_ephemeral
from bot.discord.study_embeds import deleted_text, export_file
from bot.study.privacy import PrivacyService
from bot.text import plural

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120.0


class ConfirmDelete(discord.ui.View):
    """Delete / Cancel under the prompt; only `owner_id` may click, within two minutes."""

    def __init__(
        self, privacy: PrivacyService, errors: ErrorHandler, scope: int, owner_id: int
    ) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.privacy = privacy
        self.errors = errors
        self.scope = scope
        self.owner_id = owner_id
        self.prompt: discord.Interaction | None = None  # the command, to edit on timeout

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse anyone but the member whose data it is."""
        if interaction.user.id == self.owner_id and interaction.guild_id == self.scope:
            return True
        log.warning(
            "mydata delete click refused guild=%s owner=%s clicker=%s",
            interaction.guild_id,
            self.owner_id,
            interaction.user.id,
        )
        await send_ephemeral(
            interaction, "Only the member who asked can confirm deleting their own data."
        )
        return False

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger, emoji="🗑️")
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        """Delete everything (questions and votes included, in one transaction), then replace
        the prompt with what was removed."""
        self.stop()
        deleted = await self.privacy.delete_data(self.scope, self.owner_id)
        log.info("/mydata delete confirmed guild=%s user=%s", self.scope, self.owner_id)
        await interaction.response.edit_message(
            content=deleted_text(deleted), view=None, allowed_mentions=NO_PINGS
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        """Keep everything."""
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted.", view=None, allowed_mentions=NO_PINGS
        )

    async def on_timeout(self) -> None:
        """Take the buttons away so an old prompt cannot delete anything later."""
        if self.prompt is None:
            return
        # The ephemeral prompt may be dismissed or expired: then there is nothing to tidy.
        with contextlib.suppress(discord.HTTPException):
            await self.prompt.edit_original_response(
                content="No confirmation within two minutes: nothing was deleted.", view=None
            )

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """A click always gets an answer: the error's sentence, or a logged apology."""
        await self.errors.on_click_error(interaction, error, "mydata delete")


class MyDataCog(commands.Cog):
    """Export or delete what Waypoint stores about you in this server."""

    mydata = app_commands.Group(
        name="mydata",
        description="Your study data in this server: download it or delete it.",
        extras={
            "help": (
                "Use it to get or remove what I keep about you: plans, check-ins, reminders and "
                "your timezone."
            ),
        },
        guild_only=True,
        allowed_contexts=IN_SERVERS,
    )

    def __init__(self, privacy: PrivacyService, errors: ErrorHandler) -> None:
        self.privacy = privacy
        self.errors = errors

    @mydata.command(
        name="export",
        description="Download everything stored about you here (JSON).",
        extras={"help": "Use it to get a copy of your plans, check-ins and settings as a file."},
    )
    async def export(self, interaction: discord.Interaction) -> None:
        """Attach the learner's data as a JSON file, visible to them only."""
        scope = scope_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.privacy.export_data(scope, interaction.user.id)
        plans, checkins = len(data["plans"]), len(data["checkins"])
        log_command(interaction, f"checkins={checkins}")
        await interaction.followup.send(
            "Everything Waypoint stores about you in this server: "
            f"{plural(plans, 'plan')} and {plural(checkins, 'check-in')}.",
            file=export_file(data, scope, interaction.filesize_limit),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @mydata.command(
        name="delete",
        description="Delete all your study data in this server.",
        extras={"help": "Use it to erase your plans, check-ins, reminders and settings for good."},
    )
    async def delete(self, interaction: discord.Interaction) -> None:
        """Ask for confirmation with buttons; nothing is deleted before the confirm click."""
        scope = scope_of(interaction)
        view = ConfirmDelete(self.privacy, self.errors, scope, interaction.user.id)
        view.prompt = interaction
        log_command(interaction, "asked")
        await interaction.response.send_message(
            "Delete **all** your study data in this server — plans, check-ins, streaks, "
            "timezone, reminder and leaderboard settings, the questions you asked and your "
            "votes? This cannot be undone. "
            "(`/mydata export` first if you want a copy.)",
            view=view,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

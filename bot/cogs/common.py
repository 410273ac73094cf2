"""What every cog shares: turning errors into one ephemeral sentence, and safe replies."""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands

from bot.errors import WaypointError

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
# Study data and moderation are per server: these commands are not offered in DMs.
IN_SERVERS = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
_ANSWERED = "waypoint_answered"
UNEXPECTED = "Something went wrong on my side; it has been logged. Please try again in a moment."


class Refused(app_commands.CheckFailure):
    """A check that failed with a sentence for the user (raised from a WaypointError)."""

    def __init__(self, error: WaypointError) -> None:
        super().__init__(error.user_message)
        self.user_message = error.user_message


def user_message(error: BaseException) -> str | None:
    """The sentence to show for an expected error, or None when it is a bug to log."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, WaypointError | Refused):
        return error.user_message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"“{error.value}” is not a valid value for that option."
    if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
        return "This command changed since your Discord app loaded it; please try again."
    return None


def mark_answered(interaction: discord.Interaction) -> None:
    """Note that the command's result was sent (an error after it must not remove it)."""
    interaction.extras[_ANSWERED] = True


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply with `text` only the user sees, whether or not the interaction was answered.

    After a public defer ("Waypoint is thinking…" seen by the channel) the first follow-up
    would replace that message publicly, so the placeholder is deleted first and the sentence
    goes out as a new ephemeral message.
    """
    try:
        if interaction.response.is_done():
            deferred = discord.InteractionResponseType.deferred_channel_message
            if interaction.response.type is deferred and not interaction.extras.get(_ANSWERED):
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        # The interaction expired (15 min) or Discord is down: nothing more can be shown.
        log.warning("could not deliver an error message for interaction %s", interaction.id)


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The one handler on `tree.on_error`: a sentence for the user, a traceback for bugs."""
    command = interaction.command.qualified_name if interaction.command else "?"
    message = user_message(error)
    if message is None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error(
            "command /%s failed guild=%s user=%s",
            command,
            interaction.guild_id,
            interaction.user.id,
            exc_info=cause,
        )
        message = UNEXPECTED
    else:
        log.info("command /%s refused guild=%s: %s", command, interaction.guild_id, message)
    await send_ephemeral(interaction, message)

"""The one error-reporting path of the Discord front end.

Every failure a member can cause or meet ends here: slash commands through `tree.on_error`,
clicks through their view's `on_error` (or `report_click` for the vote buttons), and message
listeners through `report_message`. Services raise `WaypointError`s holding one sentence safe to
show (the commands they name, `/plan new`, become clickable mentions here); anything else is a
bug, logged with its traceback, and the member gets `UNEXPECTED`.
"""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands

from bot.discord.mentions import mention_commands
from bot.errors import WaypointError

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
UNEXPECTED = "Something went wrong on my side; it has been logged. Please try again in a moment."
_ANSWERED = "waypoint_answered"


class Refused(app_commands.CheckFailure):
    """A check that failed with a sentence for the user (raised from a WaypointError)."""

    def __init__(self, error: WaypointError) -> None:
        super().__init__(error.user_message)
        self.user_message = error.user_message


def mark_answered(interaction: discord.Interaction) -> None:
    """Note that the command's result was sent (an error after it must not remove it)."""
    interaction.extras[_ANSWERED] = True


class ErrorHandler:
    """Turns errors into what a member sees and what an operator reads.

    Errors are handled in this order (the first that matches wins):
    1. `CommandInvokeError` is unwrapped to the error the command raised.
    2. `WaypointError` and `Refused` (a failed check): their own sentence, logged at INFO.
    3. `NoPrivateMessage`: the command works in a server only.
    4. `CommandOnCooldown`: how long to wait.
    5. `TransformerError`: the option's value is not valid.
    6. `CommandSignatureMismatch`, `CommandNotFound`: the member's app has old commands.
    7. Anything else is a bug: logged with its traceback, the member gets `UNEXPECTED`.
    The sentence always goes out ephemeral, whether or not the interaction was answered yet.
    """

    @staticmethod
    def user_message(error: BaseException) -> str | None:
        """The sentence to show for an expected error, or None when it is a bug to log."""
        if isinstance(error, app_commands.CommandInvokeError):
            error = error.original
        if isinstance(error, WaypointError | Refused):
            # The one place service sentences reach Discord: the commands they name click.
            return mention_commands(error.user_message)
        if isinstance(error, app_commands.NoPrivateMessage):
            return "This command works in a server, not in direct messages."
        if isinstance(error, app_commands.CommandOnCooldown):
            return f"Slow down a little: try again in {error.retry_after:.0f} s."
        if isinstance(error, app_commands.TransformerError):
            return f"“{error.value}” is not a valid value for that option."
        if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
            return "This command changed since your Discord app loaded it; please try again."
        return None

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """The handler on `tree.on_error`."""
        command = interaction.command.qualified_name if interaction.command else "?"
        await self._report(interaction, error, f"command /{command}")

    async def on_click_error(
        self, interaction: discord.Interaction, error: Exception, what: str
    ) -> None:
        """For a view's `on_error` (and dynamic buttons): a click always gets an answer."""
        await self._report(interaction, error, what)

    async def _report(
        self, interaction: discord.Interaction, error: BaseException, what: str
    ) -> None:
        message = self.user_message(error)
        if message is None:
            cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error(
                "%s failed guild=%s user=%s",
                what,
                interaction.guild_id,
                interaction.user.id,
                exc_info=cause,
            )
            message = UNEXPECTED
        else:
            log.info("%s refused guild=%s: %s", what, interaction.guild_id, message)
        await send_ephemeral(interaction, message)

    def message_notice(self, error: BaseException, message: discord.Message) -> str:
        """What to reply under a member's message after `error` (logged when a bug)."""
        shown = self.user_message(error)
        if shown is None:
            log.error(
                "answering message %s failed guild=%s",
                message.id,
                message.guild.id if message.guild else None,
                exc_info=error,
            )
        return shown or UNEXPECTED


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

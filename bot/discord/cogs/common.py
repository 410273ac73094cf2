"""What the cogs share: server-only contexts, the study scope, one log line per command."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.errors import NO_PINGS
from bot.errors import WaypointError

log = logging.getLogger(__name__)

__all__ = ["IN_SERVERS", "NO_PINGS", "log_command", "quiet", "scope_of"]

# Study data and moderation are per server: these commands are not offered in DMs.
IN_SERVERS = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
Choice = app_commands.Choice


def scope_of(interaction: discord.Interaction) -> int:
    """The study scope of an interaction: its server (the commands are server-only)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def log_command(interaction: discord.Interaction, detail: str = "") -> None:
    """One line per command, with guild and user."""
    command = interaction.command.qualified_name if interaction.command else "?"
    log.info(
        "/%s guild=%s user=%s%s",
        command,
        interaction.guild_id,
        interaction.user.id,
        f" {detail}" if detail else "",
    )


CogT = TypeVar("CogT", bound=commands.Cog)
ChoicesCallback = Callable[
    [CogT, discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]
]


def quiet(callback: ChoicesCallback[CogT]) -> ChoicesCallback[CogT]:
    """Autocomplete can never show an error: log it and offer no choices instead."""

    @functools.wraps(callback)
    async def wrapper(
        cog: CogT, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        try:
            return await callback(cog, interaction, current)
        except (WaypointError, app_commands.NoPrivateMessage):
            return []  # expected (no plan, a DM): the command itself will explain
        except Exception:
            log.exception(
                "autocomplete %s failed guild=%s", callback.__name__, interaction.guild_id
            )
            return []

    return wrapper

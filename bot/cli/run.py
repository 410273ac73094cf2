"""The default verb: the Discord bot when a token is set, the terminal chat otherwise."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.cli.common import run_async, verb_parser
from bot.config import Settings
from bot.errors import ConfigError, WaypointError

log = logging.getLogger(__name__)


def register(verbs: Any) -> None:
    """Add `waypoint run`."""
    parser = verb_parser(
        verbs, "run", "Start the Discord bot (when DISCORD_TOKEN is set) or the terminal chat."
    )
    parser.set_defaults(handler=default)


def default(args: argparse.Namespace, settings: Settings) -> int:
    """What `waypoint` does with no verb."""
    if settings.discord_token is None:
        from bot.cli.knowledge import run_chat

        print("DISCORD_TOKEN is not set: starting the terminal chat instead of the Discord bot.")
        return run_chat(settings)
    return run_discord(settings)


def run_discord(settings: Settings) -> int:
    """Run the bot until it is stopped (Ctrl+C or SIGTERM)."""
    assert settings.discord_token is not None
    log.info("starting the Discord bot")
    run_async(serve(settings, settings.discord_token.get_secret_value()))
    return 0


async def serve(settings: Settings, token: str) -> None:
    """Connect to Discord and answer until the bot is closed.

    The failures an operator can fix (a wrong token, the intent not enabled, no network) become
    one sentence instead of a traceback.
    """
    import aiohttp
    import discord

    from bot import create_bot

    try:
        async with create_bot(settings) as bot:
            await bot.start(token)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected DISCORD_TOKEN: copy the bot token again from the Developer "
            "Portal (your application → Bot → Reset Token)."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused the Message Content intent: enable it on the Developer Portal's "
            "Bot page, under Privileged Gateway Intents."
        ) from None
    except (aiohttp.ClientConnectionError, ConnectionError, TimeoutError) as exc:
        # Only the network: any other OSError (a full disk, a data dir gone) is not Discord's.
        raise WaypointError(
            f"cannot reach Discord ({exc.__class__.__name__}: {exc}); check the network."
        ) from None

"""The default verb: the Discord bot when a token is set, the terminal chat otherwise."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.cli.common import run_async, verb_parser
from bot.config import Settings

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
    from bot import create_bot

    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()

    async def _main() -> None:
        bot = create_bot(settings)
        async with bot:
            await bot.start(token)

    log.info("starting the Discord bot")
    run_async(_main())
    return 0

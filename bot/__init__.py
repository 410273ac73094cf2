"""Waypoint: a Discord study companion.

The stable entry point is `from bot import Settings, create_bot`. `create_bot` imports discord.py
only when called, so the CLI and the study services start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.config import Settings

__all__ = ["Settings", "create_bot"]


def create_bot(settings: Settings) -> commands.Bot:
    """Return a ready-to-start Waypoint bot (not started: `await bot.start(token)` runs it)."""
    from bot.discord.client import create_bot as _create_bot

    return _create_bot(settings)


def __getattr__(name: str) -> Any:
    # Settings loads on first use, so `python -m bot` run by a Python without pydantic reaches
    # bot/__main__.py and says so in one sentence instead of a traceback.
    if name == "Settings":
        from bot.config import Settings

        return Settings
    raise AttributeError(f"module 'bot' has no attribute {name!r}")

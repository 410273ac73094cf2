"""The fake Discord's own tests get a world of their own (no bot, no knowledge base)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.discord_bot.conftest import World, build_world
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[World]:
    """A fresh fake Discord per test, with discord.py pointed at it."""
    fake = FakeDiscord(heartbeat_interval_ms=250)
    built = build_world(fake)
    await fake.start()
    with fake.configured():
        yield built
    await fake.stop()

"""Fixtures: the real bot connected to the fake Discord, over a small knowledge folder.

The knowledge base, `make_settings` and `start_bot` are shared by every Discord test (see
tests/conftest.py); this folder adds its world: one server with learners and moderators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from tests.conftest import (
    FIXTURE_KNOWLEDGE,
    SESSION_LOOP,
    MakeSettings,
    Running,
    StartBot,
    launch,
)
from tests.fake_discord import Channel, FakeDiscord, Guild, Member

__all__ = [
    "FIXTURE_KNOWLEDGE",
    "SESSION_LOOP",
    "MakeSettings",
    "Running",
    "StartBot",
    "World",
    "build_world",
    "launch",
]


@dataclass
class World:
    """The fake server and who is in it."""

    fake: FakeDiscord
    guild: Guild
    general: Channel
    questions: Channel
    alice: Member
    bob: Member
    moderator: Member  # holds only the moderator role
    admin: Member  # holds Manage Server, no moderator role
    other_bot: Member


def build_world(fake: FakeDiscord) -> World:
    """One server with two channels, two learners, a moderator, an admin and another bot."""
    guild = fake.add_guild("Study Hall", channels=("general", "questions"))
    guild.add_role("Moderator")
    other = fake.add_user("OtherBot", bot=True)
    return World(
        fake=fake,
        guild=guild,
        general=guild.channel("general"),
        questions=guild.channel("questions"),
        alice=fake.add_member(guild, "alice"),
        bob=fake.add_member(guild, "bob"),
        moderator=fake.add_member(guild, "mod", roles=("Moderator",)),
        admin=fake.add_member(guild, "admin", manage_guild=True),
        other_bot=guild.add_member(other),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[World]:
    """A fresh fake Discord per test, with discord.py pointed at it."""
    fake = FakeDiscord(heartbeat_interval_ms=250)
    built = build_world(fake)
    await fake.start()
    with fake.configured():
        yield built
    await fake.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def running(start_bot: StartBot, world: World) -> Running:
    """The bot, started and connected to `world`."""
    return await start_bot()

"""Fixtures: the real bot connected to the fake Discord, over a small knowledge folder.

Everything here runs on the session's event loop so the knowledge base (and its embedding
model) is opened once per test session; each test gets a fresh fake Discord and database.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import Services, index_config, open_services
from bot.config import Settings
from bot.discord.client import WaypointBot, create_bot
from index.search import KnowledgeBase
from tests.fake_discord import Channel, FakeDiscord, Guild, Member

FIXTURE_KNOWLEDGE = Path(__file__).with_name("knowledge")


# Test modules here declare `pytestmark = SESSION_LOOP`: the knowledge base, opened once, lives
# on the session's event loop, so the tests that use it must run there too.
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="session")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture articles (reload tests add and remove files in it)."""
    target = tmp_path_factory.mktemp("knowledge") / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> Path:
    """The session's data dir; Settings find the shared model export through the environment
    variable that `onnx_models` sets."""
    return tmp_path_factory.mktemp("index")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def knowledge(knowledge_dir: Path, index_root: Path) -> AsyncIterator[KnowledgeBase]:
    """The knowledge base over the fixture folder, opened once per session."""
    settings = Settings(knowledge=[knowledge_dir], data_dir=index_root)
    kb = await KnowledgeBase.open(index_config(settings))
    yield kb
    await kb.close()


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


@dataclass
class Running:
    """A started bot and what it was started with."""

    bot: WaypointBot
    services: Services
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await self.bot.close()
        await asyncio.wait_for(self.task, 10)
        await self.services.close()


StartBot = Callable[..., Awaitable[Running]]


async def launch(bot: WaypointBot) -> asyncio.Task[None]:
    """Start `bot` against the fake Discord and wait until it is ready (10 s at most)."""
    task = asyncio.create_task(bot.start("fake-token"))
    for _ in range(1000):
        if bot.is_ready():
            return task
        if task.done():
            task.result()
            raise AssertionError("the bot stopped before it was ready")
        await asyncio.sleep(0.01)
    await bot.close()
    raise AssertionError("the bot was not ready within 10 s")


MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path, knowledge_dir: Path, index_root: Path) -> Callable[..., Settings]:
    """Settings for a bot of this test (cooldown off unless asked for)."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "knowledge": [knowledge_dir],
            "data_dir": tmp_path / "data",
            "ask_cooldown_seconds": 0,
            "moderator_role": "Moderator",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def start_bot(
    world: World, knowledge: KnowledgeBase, make_settings: Callable[..., Settings]
) -> AsyncIterator[StartBot]:
    """Start a bot (as `waypoint` would, sharing the session's knowledge base); stopped after,
    before the fake Discord of `world` goes away."""
    started: list[Running] = []

    async def start(settings: Settings | None = None) -> Running:
        settings = settings or make_settings()
        services = await open_services(settings, knowledge=knowledge)
        bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
        running = Running(bot, services, await launch(bot))
        started.append(running)
        return running

    yield start
    for running in started:
        if not running.bot.is_closed():
            await running.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def running(start_bot: StartBot, world: World) -> Running:
    """The bot, started and connected to `world`."""
    return await start_bot()

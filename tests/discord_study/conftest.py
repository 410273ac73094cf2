"""Fixtures for the study commands: the real bot on the fake Discord, two servers, a clock.

The bot shares the session's knowledge base (embedding model loaded once) for questions; its
study service reads the roadmaps of `tests/discord_study/knowledge` and runs on a clock the test
controls, so streaks across midnight and reminders at a local time are tested without waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Settings
from index.catalog import Catalog, load_catalog
from tests.conftest import SESSION_LOOP, MakeSettings, StartBot
from tests.conftest import Running as StudyBot
from tests.fake_discord import FakeDiscord, Guild, Interaction, Member

STUDY_KNOWLEDGE = Path(__file__).with_name("knowledge")

__all__ = ["SESSION_LOOP", "Clock", "StudyBot", "StudyWorld"]  # StudyBot: a started bot


class Clock:
    """A settable UTC clock for the study service."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        """Set the time, e.g. "2026-03-10T14:50:00+00:00"."""
        self.now = datetime.fromisoformat(iso).astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class StudyWorld:
    """Two servers; alice and bob are members of both."""

    fake: FakeDiscord
    guild: Guild
    other: Guild
    alice: Member
    bob: Member
    alice_elsewhere: Member  # alice in `other`
    bob_elsewhere: Member


@pytest.fixture(scope="session")
def study_catalog() -> Catalog:
    catalog = load_catalog([STUDY_KNOWLEDGE])
    assert not catalog.problems, catalog.problems
    return catalog


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[StudyWorld]:
    """A fresh fake Discord per test with two servers, discord.py pointed at it."""
    fake = FakeDiscord(heartbeat_interval_ms=250)
    guild = fake.add_guild("Study Hall", channels=("general",))
    other = fake.add_guild("Night Owls", channels=("lobby",))
    alice = fake.add_member(guild, "alice")
    bob = fake.add_member(guild, "bob")
    built = StudyWorld(
        fake=fake,
        guild=guild,
        other=other,
        alice=alice,
        bob=bob,
        alice_elsewhere=other.add_member(alice.user),
        bob_elsewhere=other.add_member(bob.user),
    )
    await fake.start()
    with fake.configured():
        yield built
    await fake.stop()


StartStudyBot = Callable[..., Awaitable[StudyBot]]


@pytest.fixture
def start_study_bot(start_bot: StartBot, study_catalog: Catalog) -> StartStudyBot:
    """`start_bot` on the study roadmaps: `start(settings, clock)` (a restart passes the same)."""

    async def start(settings: Settings, clock: Clock) -> StudyBot:
        return await start_bot(settings, clock=clock, catalog=study_catalog)

    return start


@pytest_asyncio.fixture(loop_scope="session")
async def running(
    start_study_bot: StartStudyBot, make_settings: MakeSettings, world: StudyWorld
) -> StudyBot:
    """The bot connected to `world`; the clock starts on Tuesday 2026-03-10 12:00 UTC."""
    return await start_study_bot(make_settings(), Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)))


async def make_plan(
    world: StudyWorld, who: Member, guild: Guild | None = None, **options: Any
) -> Interaction:
    """`/plan new` with sensible defaults (Practical ML, software engineer, 10 h a week)."""
    values: dict[str, Any] = {
        "path": "practical-ml",
        "background": "software-engineer",
        "hours_per_week": 10,
    }
    values.update(options)
    result = await world.fake.slash(guild or world.guild, who, "plan new", **values)
    assert result.ephemeral
    return result


def command_mention(world: StudyWorld, name: str) -> str:
    """`</plan new:ID>`: how a reply names a synced command (Discord shows it clickable)."""
    top = name.split()[0]
    found = next(c["id"] for c in world.fake.global_commands if c["name"] == top)
    return f"</{name}:{found}>"


def no_plan_text(world: StudyWorld) -> str:
    """The reply to a study command from a member without a plan."""
    return f"You have no study plan yet; make one with {command_mention(world, 'plan new')} first."

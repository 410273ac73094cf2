"""Two bot processes on one PostgreSQL, end to end through the fake Discord: shard 0 of 2 in
one, shard 1 in the other (each with its own connections, knowledge base and index, as
separate processes have). What a learner sees must not depend on which process serves them."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from bot.app import open_services
from bot.config import Settings
from bot.discord.client import create_bot
from bot.discord.cogs.community import CommunityCog
from index.catalog import load_catalog
from tests.conftest import FIXTURE_KNOWLEDGE, SESSION_LOOP, Running, launch
from tests.discord_study.conftest import STUDY_KNOWLEDGE, Clock
from tests.fake_discord import FakeDiscord, Guild, Member
from tests.multiprocess.test_knowledge_sync import NEW_ARTICLE
from tests.storage.backends import needs_postgres, postgres_schema

pytestmark = [SESSION_LOOP, needs_postgres]

# Tuesday noon UTC: a 09:00 reminder is due, and Monday's check-in makes a streak at risk.
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class ShardedWorld:
    """One server on each of two shards, learners in both, a moderator in the first."""

    fake: FakeDiscord
    guilds: tuple[Guild, Guild]  # guilds[i] is routed to shard i of 2
    learners: tuple[list[Member], list[Member]]
    moderator: Member
    moderator_b: Member  # in guilds[1]


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[ShardedWorld]:
    fake = FakeDiscord(heartbeat_interval_ms=250)
    first, second = fake.add_guilds_on_shards(2)
    guilds = (first, second)
    learners = tuple(
        [fake.add_member(g, f"learner{g.id % 97}-{n}") for n in range(5)] for g in guilds
    )
    moderator = fake.add_member(guilds[0], "mod", roles=("Moderator",))
    moderator_b = fake.add_member(guilds[1], "mod-b", roles=("Moderator",))
    await fake.start()
    with fake.configured():
        yield ShardedWorld(fake, guilds, (learners[0], learners[1]), moderator, moderator_b)
    await fake.stop()


StartProcess = Callable[..., Awaitable[Running]]


@pytest_asyncio.fixture(loop_scope="session")
async def start_process(
    world: ShardedWorld, tmp_path: Path, onnx_models: Path
) -> AsyncIterator[StartProcess]:
    """Start a bot "process" serving `shards` of 2 on this test's PostgreSQL schema."""
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    catalog = load_catalog([STUDY_KNOWLEDGE])
    clock = Clock(NOON)
    started: list[Running] = []
    async with postgres_schema() as url:

        async def start(name: str, shards: list[int], **more: object) -> Running:
            settings = Settings(
                knowledge=[folder],
                data_dir=tmp_path / name,
                database_url=url,
                shard_count=2,
                shard_ids=shards,
                ask_cooldown_seconds=0,
                moderator_role="Moderator",
                **more,
            )
            services = await open_services(settings, catalog=lambda: catalog, clock=clock)
            bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
            running = Running(bot, services, await launch(bot), clock)
            started.append(running)
            return running

        yield start
        for running in started:
            if not running.bot.is_closed():
                await running.stop()


async def _plan(world: ShardedWorld, guild: Guild, who: Member) -> None:
    result = await world.fake.slash(
        guild,
        who,
        "plan new",
        path="practical-ml",
        background="software-engineer",
        hours_per_week=10,
        start="2026-03-02",
    )
    assert result.message.embeds[0]["title"] == "Your plan: Practical ML", result.message


async def test_a_plan_made_in_one_process_is_shown_by_another_after_a_shard_move(
    world: ShardedWorld, start_process: StartProcess
) -> None:
    first = await start_process("a", [0])
    await start_process("b", [1])
    alice = world.learners[0][0]
    await _plan(world, world.guilds[0], alice)
    await first.stop()  # shard 0 moves: another process takes it over
    await start_process("c", [0])
    shown = await world.fake.slash(world.guilds[0], alice, "plan show")
    assert shown.message.embeds[0]["title"] == "Your plan: Practical ML"


async def test_a_hundred_check_ins_at_once_over_both_processes_are_stored_once(
    world: ShardedWorld, start_process: StartProcess
) -> None:
    first = await start_process("a", [0])
    await start_process("b", [1])
    everyone = [
        (g, m) for g, members in zip(world.guilds, world.learners, strict=True) for m in members
    ]
    await asyncio.gather(*(_plan(world, g, m) for g, m in everyone))
    started = time.monotonic()
    replies = await asyncio.gather(
        *(
            world.fake.slash(g, m, "checkin", minutes=10 + n, module="python-basics")
            for n in range(10)
            for g, m in everyone
        )
    )
    took = time.monotonic() - started
    assert all(r.message.embeds[0]["title"].startswith("Logged") for r in replies)
    db = first.services.db
    assert await db.fetch_value("SELECT count(*) FROM checkins") == 100
    assert await db.fetch_value("SELECT sum(minutes) FROM checkins") == 10 * sum(
        10 + n for n in range(10)
    )
    print(f"100 check-ins over two processes through the fake Discord: {took:.2f} s")


async def test_due_reminders_go_out_once_with_both_processes_running(
    world: ShardedWorld, start_process: StartProcess
) -> None:
    processes = [await start_process("a", [0]), await start_process("b", [1])]
    everyone = [
        (g, m) for g, members in zip(world.guilds, world.learners, strict=True) for m in members
    ]
    for guild, member in everyone:
        await _plan(world, guild, member)
        await world.fake.slash(
            guild, member, "checkin", minutes=30, module="python-basics", date="2026-03-09"
        )
        await world.fake.slash(guild, member, "remind set", time="09:00")

    async def tick(running: Running) -> int:
        cog = running.bot.get_cog("CommunityCog")
        assert isinstance(cog, CommunityCog)
        return await cog.reminders.tick()

    sent = await asyncio.gather(*(tick(p) for p in processes * 3))
    for shard, running in enumerate(processes):
        cog = running.bot.get_cog("CommunityCog")
        assert isinstance(cog, CommunityCog)
        assert cog.reminders.shards() == ([shard], 2)
    # Each process reminded its own shard's server (the minute loop may have sent some too).
    dms = {m.user.id: world.fake.bot_messages(world.fake.dm_channel(m.user)) for _, m in everyone}
    assert {user: len(messages) for user, messages in dms.items()} == {
        m.user.id: 1 for _, m in everyone
    }
    assert sum(sent) <= len(everyone)
    names = {m.user.id: g.name for g, m in everyone}
    assert all(names[user] in messages[0].content for user, messages in dms.items())


async def test_kb_reload_in_one_process_makes_both_answer_from_the_new_knowledge(
    world: ShardedWorld, start_process: StartProcess, tmp_path: Path
) -> None:
    await start_process("a", [0])
    await start_process("b", [1])
    question = "What is a zorblax plateau?"
    far_learner = world.learners[1][0]
    before = await world.fake.slash(world.guilds[1], far_learner, "ask", question=question)
    assert before.message.embeds[0]["title"] == "Not covered yet"

    (tmp_path / "knowledge" / "articles" / "plateau.md").write_text(NEW_ARTICLE, "utf-8")
    started = time.monotonic()
    reply = await world.fake.slash(world.guilds[0], world.moderator, "kb reload", within=30)
    print(f"/kb reload answered, both processes switched: {time.monotonic() - started:.2f} s")
    fields = {f["name"]: f["value"] for f in reply.message.embeds[0]["fields"]}
    assert reply.message.embeds[0]["title"] == "Knowledge base reloaded"
    assert fields["Processes"] == "2 of 2 running processes switched"
    # Once the moderator reads "2 of 2", the other process answers from the new article too.
    near = await world.fake.slash(world.guilds[0], world.learners[0][0], "ask", question=question)
    far = await world.fake.slash(world.guilds[1], far_learner, "ask", question=question)
    for answer in (near, far):
        assert "stays flat for many epochs" in str(answer.message.embeds), answer.message


async def test_kb_reload_in_a_process_without_folders_reloads_every_process(
    world: ShardedWorld, start_process: StartProcess, tmp_path: Path
) -> None:
    await start_process("a", [0])
    await start_process("b", [1], knowledge_source="database")
    learner = world.learners[1][0]
    question = "What is a zorblax plateau?"
    before = await world.fake.slash(world.guilds[1], learner, "ask", question=question)
    assert before.message.embeds[0]["title"] == "Not covered yet"

    (tmp_path / "knowledge" / "articles" / "plateau.md").write_text(NEW_ARTICLE, "utf-8")
    reply = await world.fake.slash(world.guilds[1], world.moderator_b, "kb reload", within=30)
    assert reply.message.embeds, reply.message
    fields = {f["name"]: f["value"] for f in reply.message.embeds[0]["fields"]}
    assert reply.message.embeds[0]["title"] == "Knowledge base reloaded", reply.message
    assert fields["Documents"].startswith("+1 added")
    assert fields["Processes"] == "2 of 2 running processes switched"
    after = await world.fake.slash(world.guilds[1], learner, "ask", question=question)
    assert "stays flat for many epochs" in str(after.message.embeds), after.message

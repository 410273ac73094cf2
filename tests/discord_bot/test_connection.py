"""Connecting, syncing commands, staying connected: what Discord sees of the bot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from discord.ext import commands

from bot.discord.client import WaypointBot, create_bot
from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, StartBot, World

pytestmark = SESSION_LOOP


def _by_name(commands: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(c for c in commands if c["name"] == name)


async def test_identifies_with_message_content_intent(running: Running, world: World) -> None:
    identify = world.fake.identifies[0]
    assert identify["token"] == "fake-token"
    message_content = 1 << 15
    assert identify["intents"] & message_content
    assert running.bot.get_guild(world.guild.id) is not None


async def test_command_sync_payload(running: Running, world: World) -> None:
    commands = world.fake.global_commands
    names = [c["name"] for c in commands]
    assert {"ask", "config", "kb"} <= set(names)
    assert len(names) == len(set(names))

    ask = _by_name(commands, "ask")
    assert ask["description"]
    (question,) = ask["options"]
    assert question["name"] == "question"
    assert question["type"] == 3
    assert question["required"] is True
    assert question["description"]

    kb = _by_name(commands, "kb")
    subcommands = {o["name"]: o for o in kb["options"]}
    assert set(subcommands) == {"reload", "status", "gaps"}
    assert all(o["type"] == 1 and o["description"] for o in subcommands.values())
    (days,) = subcommands["gaps"]["options"]
    assert (days["type"], days["min_value"], days["max_value"]) == (4, 1, 365)
    assert days["description"]
    assert not days.get("required")
    # Members holding only the moderator role must still see /kb.
    assert kb["default_member_permissions"] is None
    assert kb["contexts"] == [0]  # guild only

    config = _by_name(commands, "config")
    answer_channel = _by_name(config["options"], "answer-channel")
    (channel,) = answer_channel["options"]
    assert channel["type"] == 7
    assert channel["required"] is True
    assert 0 in channel["channel_types"]  # text channels
    assert channel["description"]
    assert config["default_member_permissions"] is None
    assert config["contexts"] == [0]


async def test_unchanged_commands_not_synced_again(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    first = await start_bot(settings)
    await first.stop()
    second = await start_bot(settings)
    assert len(world.fake.requests_to("PUT /applications/{id}/commands")) == 1
    assert second.bot.tree.get_command("ask") is not None


async def test_sharded_bot_runs_every_configured_shard(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    second_guild = world.fake.add_guild("Second Server")
    learner = world.fake.add_member(second_guild, "carol")
    running = await start_bot(make_settings(shard_count=2, shard_ids=[0, 1]))
    assert sorted(tuple(i["shard"]) for i in world.fake.identifies) == [(0, 2), (1, 2)]
    assert running.bot.shard_count == 2
    for guild, member in ((world.guild, world.alice), (second_guild, learner)):
        result = await world.fake.slash(guild, member, "ask", question="What is overfitting?")
        assert result.message.embeds


async def test_create_bot_opens_and_closes_its_own_services(
    world: World, knowledge_dir: Path, index_root: Path
) -> None:
    from bot import Settings, create_bot

    # The stable entry point, as `waypoint` runs it: the bot opens the index and the database
    # in setup_hook (the persisted index of this session is reused) and closes them itself.
    settings = Settings(knowledge=[knowledge_dir], data_dir=index_root, ask_cooldown_seconds=0)
    bot = create_bot(settings)
    assert isinstance(bot, WaypointBot)
    assert not isinstance(bot, commands.AutoShardedBot)
    async with bot:
        task = asyncio.create_task(bot.start("fake-token"))
        while not bot.is_ready():
            assert not task.done(), task
            await asyncio.sleep(0.01)
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="What is overfitting?"
        )
        assert result.message.embeds
        services = bot.services
    await task
    with pytest.raises(ValueError, match="no active connection"):
        await services.db.fetch_value("SELECT 1")


async def test_sharding_settings_make_an_auto_sharded_bot(make_settings: MakeSettings) -> None:
    async with create_bot(make_settings(shard_count=4, shard_ids=[2, 3])) as bot:
        assert isinstance(bot, commands.AutoShardedBot)
        assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])

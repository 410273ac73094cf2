"""`/remind` and the daily reminder DM, `/leaderboard`, end to end."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.cogs.community import CommunityCog
from tests.discord_study.conftest import (
    SESSION_LOOP,
    StudyBot,
    StudyWorld,
    make_plan,
)
from tests.fake_discord import Message

pytestmark = SESSION_LOOP


def _dms(world: StudyWorld, who: Any) -> list[Message]:
    return world.fake.bot_messages(world.fake.dm_channel(who.user))


async def _tick(running: StudyBot) -> None:
    """One pass of the reminder loop. The bot's own minute loop may run a pass too; the
    assertions count the DMs that arrived, which is what the learner sees either way."""
    cog = running.bot.get_cog("CommunityCog")
    assert isinstance(cog, CommunityCog)
    await cog.reminders.tick()


@pytest.mark.parametrize("time", ["25:00", "13pm", "7", "19:60", "0am", ""])
async def test_remind_set_bad_time(running: StudyBot, world: StudyWorld, time: str) -> None:
    before = await running.counts()
    result = await world.fake.slash(world.guild, world.alice, "remind set", time=time)
    assert result.ephemeral
    assert result.message.content == (
        "Give the reminder time as 19:30, 7pm or 7:30 pm (your local time)."
    )
    assert await running.counts() == before


async def test_reminder_sent_once_at_local_time(
    start_study_bot: Any, running: StudyBot, world: StudyWorld, make_settings: Any
) -> None:
    fake, clock = world.fake, running.clock
    await fake.slash(world.guild, world.alice, "timezone", zone="Europe/Paris")  # UTC+1 in March
    await make_plan(world, world.alice, start="2026-03-02")
    await fake.slash(
        world.guild, world.alice, "checkin", minutes=30, module="python-basics", date="2026-03-09"
    )
    reply = await fake.slash(world.guild, world.alice, "remind set", time="19:30")
    assert reply.ephemeral
    assert reply.message.content.startswith("I'll DM you at **19:30** (Europe/Paris)")
    # Bob asks for reminders too, but has no streak to lose: he is never messaged.
    await fake.slash(world.guild, world.bob, "remind set", time="08:00")

    clock.set("2026-03-10T18:29:00+00:00")  # 19:29 in Paris
    await _tick(running)
    assert _dms(world, world.alice) == []

    clock.set("2026-03-10T18:30:05+00:00")  # 19:30 in Paris
    await _tick(running)
    [dm] = _dms(world, world.alice)
    assert dm.content.startswith("⏳ Your 1-day study streak in **Study Hall** ends at midnight")
    assert dm.pings_nobody

    clock.set("2026-03-10T22:00:00+00:00")
    await _tick(running)
    assert len(_dms(world, world.alice)) == 1

    # The same day after a restart: the database remembers it was sent.
    settings = running.services.settings
    await running.stop()
    again = await start_study_bot(settings, clock)
    await _tick(again)
    assert len(_dms(world, world.alice)) == 1

    # She checks in; the next day's reminder comes at 19:30 again, and none the day she studies.
    clock.set("2026-03-10T22:30:00+00:00")
    await fake.slash(world.guild, world.alice, "checkin", minutes=30, module="python-basics")
    clock.set("2026-03-11T18:31:00+00:00")
    await _tick(again)
    assert len(_dms(world, world.alice)) == 2
    assert "Your 2-day study streak" in _dms(world, world.alice)[-1].content
    clock.set("2026-03-12T09:00:00+00:00")
    await fake.slash(world.guild, world.alice, "checkin", minutes=30, module="python-basics")
    clock.set("2026-03-12T18:31:00+00:00")
    await _tick(again)
    assert len(_dms(world, world.alice)) == 2
    assert _dms(world, world.bob) == []

    off = await fake.slash(world.guild, world.alice, "remind off")
    assert off.ephemeral
    assert off.message.content.startswith("Daily reminders are off.")
    clock.set("2026-03-13T18:31:00+00:00")  # streak at risk again, but reminders are off
    await _tick(again)
    assert len(_dms(world, world.alice)) == 2


async def test_leaderboard_shows_only_learners_who_joined(
    running: StudyBot, world: StudyWorld
) -> None:
    fake = world.fake
    for who, minutes in ((world.alice, 90), (world.bob, 150)):
        await make_plan(world, who)
        await fake.slash(world.guild, who, "checkin", minutes=minutes, module="python-basics")

    empty = await fake.slash(world.guild, world.alice, "leaderboard show")
    assert "Nobody on the leaderboard has logged study time this week yet." in empty.message.text

    joined = await fake.slash(world.guild, world.alice, "leaderboard join")
    assert joined.ephemeral
    assert "You're on this server's leaderboard" in joined.message.content
    board = await fake.slash(world.guild, world.bob, "leaderboard show")
    assert not board.ephemeral
    assert board.message.pings_nobody
    [embed] = board.message.embeds
    assert embed["title"] == "Study time this week in Study Hall"
    assert embed["description"] == f"🥇 <@{world.alice.id}> — 1 h 30 min"

    await fake.slash(world.guild, world.bob, "leaderboard join")
    month = await fake.slash(world.guild, world.bob, "leaderboard show", period="month")
    assert month.message.embeds[0]["description"].split("\n") == [
        f"🥇 <@{world.bob.id}> — 2 h 30 min",
        f"🥈 <@{world.alice.id}> — 1 h 30 min",
    ]

    left = await fake.slash(world.guild, world.alice, "leaderboard leave")
    assert left.ephemeral
    after = await fake.slash(world.guild, world.bob, "leaderboard show")
    assert str(world.alice.id) not in after.message.text

    elsewhere = await fake.slash(world.other, world.bob_elsewhere, "leaderboard show")
    assert "Nobody on the leaderboard" in elsewhere.message.text

    bad = await fake.slash(world.guild, world.bob, "leaderboard show", period="year")
    assert bad.ephemeral
    assert bad.message.content == "The period must be week or month."


async def test_reminder_loop_catches_up_after_a_restart(
    start_study_bot: Any, running: StudyBot, world: StudyWorld
) -> None:
    """A reminder time that passed while the bot was down is sent by the loop on start-up."""
    fake, clock = world.fake, running.clock
    await make_plan(world, world.alice, start="2026-03-02")
    await fake.slash(
        world.guild, world.alice, "checkin", minutes=30, module="python-basics", date="2026-03-09"
    )
    await fake.slash(world.guild, world.alice, "remind set", time="19:00")
    settings = running.services.settings
    await running.stop()

    clock.set("2026-03-10T19:20:00+00:00")  # 19:20 UTC: the bot was down at 19:00
    await start_study_bot(settings, clock)
    await fake.wait_for(lambda: bool(_dms(world, world.alice)), 5.0, "the catch-up reminder")
    [dm] = _dms(world, world.alice)
    assert "Your 1-day study streak in **Study Hall**" in dm.content


async def test_replies_mention_commands_by_their_synced_ids(
    running: StudyBot, world: StudyWorld
) -> None:
    remind_id = next(c["id"] for c in world.fake.global_commands if c["name"] == "remind")
    result = await world.fake.slash(world.guild, world.alice, "remind off")
    assert result.message.content == (
        f"Daily reminders are off. </remind set:{remind_id}> turns them back on."
    )

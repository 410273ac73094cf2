"""Voice study rooms end to end: time in a study room is logged as a check-in when a member
leaves, through the fake Discord's voice states, with a study-room minute of one second."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tests.conftest import MakeSettings
from tests.discord_study.conftest import (
    SESSION_LOOP,
    Clock,
    StartStudyBot,
    StudyBot,
    StudyWorld,
    make_plan,
)
from tests.fake_discord import Channel, Member

pytestmark = SESSION_LOOP


class Rooms:
    """The world with two study rooms, a plain voice channel and a started bot."""

    def __init__(self, world: StudyWorld, start: Callable[[], Awaitable[StudyBot]]) -> None:
        fake = world.fake
        self.world = world
        self.focus = fake.add_voice_channel(world.guild, "focus-room")
        self.quiet = fake.add_voice_channel(world.guild, "quiet-room")
        self.lounge = fake.add_voice_channel(world.guild, "lounge")
        self.mod = fake.add_member(world.guild, "mod", manage_guild=True)
        self._start = start
        self.bot: StudyBot | None = None

    @property
    def running(self) -> StudyBot:
        assert self.bot is not None
        return self.bot

    @property
    def clock(self) -> Clock:
        clock = self.running.clock
        assert isinstance(clock, Clock)
        return clock

    async def start(self) -> StudyBot:
        self.bot = await self._start()
        return self.bot

    async def mark(self, *channels: Channel) -> None:
        for channel in channels:
            reply = await self.world.fake.slash(
                self.world.guild, self.mod, "config study-room", channel=channel
            )
            assert "is now a study room" in reply.message.content, reply.message.content
            # The room just marked is named once, not again in the list of rooms.
            assert reply.message.content.count(channel.mention) == 1, reply.message.content

    async def rows(self, sql: str, *params: Any) -> list[Any]:
        return list(await self.running.services.db.fetch_all(sql, params))

    async def stays(self) -> set[int]:
        return {r[0] for r in await self.rows("SELECT user_id FROM room_stays")}

    async def until(self, what: str, check: Callable[[], Awaitable[bool]]) -> None:
        for _ in range(500):
            if await check():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    async def enter(self, who: Member, channel: Channel, **state: bool) -> None:
        """`who` joins (or moves to) a channel; returns once the bot saw it."""
        await self.world.fake.voice(who, channel, **state)
        if channel in (self.focus, self.quiet):

            async def seen() -> bool:
                rows = await self.rows(
                    "SELECT channel_id FROM room_stays WHERE user_id = ?", who.id
                )
                return bool(rows) and rows[0][0] == channel.id

            await self.until(f"{who.user.name} in {channel.name}", seen)

    async def leave(self, who: Member) -> None:
        """`who` leaves voice; returns once the bot closed their stay."""
        await self.world.fake.voice(who, None)

        async def closed() -> bool:
            return who.id not in await self.stays()

        await self.until(f"{who.user.name}'s stay to close", closed)

    async def checkins(self, who: Member) -> list[tuple[str, int, str | None]]:
        rows = await self.rows(
            "SELECT study_date, minutes, request_key FROM checkins WHERE user_id = ?"
            " ORDER BY study_date, id",
            who.id,
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def _rooms(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> Rooms:
    settings = make_settings(study_room_minute_seconds=1)
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    rooms = Rooms(world, lambda: start_study_bot(settings, clock))
    await rooms.start()
    await rooms.mark(rooms.focus, rooms.quiet)
    return rooms


async def test_time_in_a_study_room_is_logged_when_the_member_leaves(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    rooms.clock.advance(seconds=14)
    await rooms.leave(world.alice)

    [(studied, minutes, key)] = await rooms.checkins(world.alice)
    assert (studied, minutes) == ("2026-03-10", 14)
    assert key is not None
    assert key.startswith("room:")
    export = await world.fake.slash(world.guild, world.alice, "mydata export")
    [entry] = json.loads(export.message.attachments[0].data)["checkins"]
    assert entry["source"] == "study room"
    assert entry["module"] == "python-basics"
    # It counts like a typed check-in: the streak started today.
    progress = await world.fake.slash(world.guild, world.alice, "progress")
    assert "**1 day**" in progress.message.text
    assert not world.fake.bot_messages(rooms.focus), "nothing is posted in the room's chat"


async def test_nothing_below_the_minimum_and_nothing_in_other_voice_channels(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    rooms.clock.advance(seconds=9)
    await rooms.leave(world.alice)
    assert await rooms.checkins(world.alice) == []

    await rooms.enter(world.alice, rooms.lounge)
    rooms.clock.advance(seconds=60)
    # Bob's stay is the sign the bot has handled alice's move into the lounge before it.
    await make_plan(world, world.bob)
    await rooms.enter(world.bob, rooms.focus)
    assert await rooms.stays() == {world.bob.id}
    await world.fake.voice(world.alice, None)
    rooms.clock.advance(seconds=11)
    await rooms.leave(world.bob)
    assert await rooms.checkins(world.alice) == []
    assert [m for _, m, _ in await rooms.checkins(world.bob)] == [11]


async def test_moving_between_study_rooms_counts_every_minute_once(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    rooms.clock.advance(seconds=7)
    await rooms.enter(world.alice, rooms.quiet)
    rooms.clock.advance(seconds=8)
    await rooms.leave(world.alice)
    assert [m for _, m, _ in await rooms.checkins(world.alice)] == [15]


async def test_a_stay_continues_across_a_restart_and_is_logged_once(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    rooms.clock.advance(seconds=6)
    await rooms.running.stop()
    rooms.clock.advance(seconds=30)  # the bot is down; alice stays in the room
    await rooms.start()
    await rooms.until("alice's stay to be resumed", lambda: _stays_has(rooms, world.alice))
    rooms.clock.advance(seconds=5)
    await rooms.leave(world.alice)
    # From the stored entry to the leave, the downtime included; one check-in.
    assert [m for _, m, _ in await rooms.checkins(world.alice)] == [41]


async def test_a_member_who_left_while_the_bot_was_down_is_closed_at_the_last_known_time(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    rooms.clock.advance(seconds=12)
    await rooms.running.stop()  # a clean stop notes the open stays one last time
    await world.fake.voice(world.alice, None, dispatch=False)
    rooms.clock.advance(seconds=300)
    await rooms.start()
    await rooms.until("the stay to close", lambda: _no_stays(rooms))
    assert [m for _, m, _ in await rooms.checkins(world.alice)] == [12]


async def _stays_has(rooms: Rooms, who: Member) -> bool:
    return who.id in await rooms.stays()


async def _no_stays(rooms: Rooms) -> bool:
    return not await rooms.stays()


async def test_config_lists_study_rooms_and_refuses_members(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    fake = world.fake
    show = await fake.slash(world.guild, rooms.mod, "config show")
    assert show.ephemeral
    assert f"**Study rooms:** {rooms.focus.mention}, {rooms.quiet.mention}" in show.message.text
    assert "**Answer channels:** none" in show.message.text

    off = await fake.slash(world.guild, rooms.mod, "config study-room", channel=rooms.focus)
    assert off.message.content.startswith(f"{rooms.focus.mention} is no longer a study room.")
    assert f"Study rooms: {rooms.quiet.mention}." in off.message.content

    refused = await fake.slash(world.guild, world.alice, "config study-room", channel=rooms.lounge)
    assert refused.ephemeral
    assert refused.message.content.startswith("Only moderators can use this")
    assert await rooms.running.study.rooms.rooms(world.guild.id) == (rooms.quiet.id,)


async def test_a_member_without_a_plan_logs_nothing_and_hears_nothing(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await world.fake.voice(world.bob, rooms.focus)
    rooms.clock.advance(seconds=30)
    await world.fake.voice(world.bob, None)
    # Alice's stay is the sign the bot has handled bob's two events before it.
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus)
    assert await rooms.stays() == {world.alice.id}
    assert await rooms.checkins(world.bob) == []
    assert not world.fake.bot_messages(rooms.focus)
    assert not world.fake.requests_to("POST /users/@me/channels"), "no DM opened"


async def test_deafened_alone_pauses_until_someone_joins_and_progress_shows_room_time(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await rooms.enter(world.alice, rooms.focus, self_deaf=True)
    rooms.clock.advance(seconds=40)  # deafened and alone: not study time
    await world.fake.voice(world.bob, rooms.focus)  # bob has no plan, but alice is not alone

    async def resumed() -> bool:
        rows = await rooms.rows("SELECT counting_since FROM room_stays")
        return bool(rows) and rows[0][0] is not None

    await rooms.until("alice's time to count again", resumed)
    rooms.clock.advance(seconds=12)
    await rooms.leave(world.alice)
    assert [m for _, m, _ in await rooms.checkins(world.alice)] == [12]
    progress = await world.fake.slash(world.guild, world.alice, "progress")
    assert "🎧 12 min of it in study rooms" in progress.message.text


async def test_members_already_in_a_channel_count_from_when_it_becomes_a_study_room(
    world: StudyWorld, start_study_bot: StartStudyBot, make_settings: MakeSettings
) -> None:
    rooms = await _rooms(world, start_study_bot, make_settings)
    await make_plan(world, world.alice)
    await world.fake.voice(world.alice, rooms.lounge)
    rooms.clock.advance(seconds=100)  # not a study room yet: not counted
    await rooms.mark(rooms.lounge)
    assert await rooms.stays() == {world.alice.id}
    rooms.clock.advance(seconds=10)
    await rooms.leave(world.alice)
    assert [m for _, m, _ in await rooms.checkins(world.alice)] == [10]

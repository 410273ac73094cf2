"""Voice study rooms on Discord: follows members' voice states and hands them to the service.

Discord sends every voice state of a server in GUILD_CREATE and each change as
VOICE_STATE_UPDATE (the GUILD_VOICE_STATES intent). On (re)connect the cog hands the service the
members it finds in voice, so stays stored before a restart continue or close; while connected it
notes regularly that open stays are still there, so a stay that ended while the bot was down is
closed at the last time it was known, never later.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

if TYPE_CHECKING:
    from bot.study.rooms import StudyRoomService

log = logging.getLogger(__name__)

Presence = dict[int, tuple[int, bool]]  # member -> (voice channel, counting)


def study_room_text(channel_id: int, added: bool, rooms: tuple[int, ...]) -> str:
    """The confirmation of `/config study-room`."""
    if added:
        head = (
            f"<#{channel_id}> is now a study room: members with a plan who stay 10 minutes or "
            "more get the time logged on their current module when they leave."
        )
    else:
        head = f"<#{channel_id}> is no longer a study room."
    others = [c for c in rooms if c != channel_id]
    if not rooms:
        return head + " No study rooms are set."
    if added and not others:
        return f"{head} Run the command again on it to remove it."
    # The channel just named is not listed again: the list says what else counts.
    listed = ", ".join(f"<#{c}>" for c in others)
    label = "Other study rooms" if added else "Study rooms"
    return f"{head} {label}: {listed}. Run the command again on a channel to remove it."


def presence(guild: discord.Guild) -> Presence:
    """Where each member (not bots) of the server is in voice, and whether that time counts:
    not while they sit deafened and alone."""
    found: Presence = {}
    for channel in guild.channels:
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            continue
        people = {
            user_id: state
            for user_id, state in channel.voice_states.items()
            if not ((m := guild.get_member(user_id)) is not None and m.bot)
        }
        for user_id, state in people.items():
            deafened = state.self_deaf or state.deaf
            found[user_id] = (channel.id, not (deafened and len(people) == 1))
    return found


class StudyRoomsCog(commands.Cog):
    """Logs time in study rooms (no commands: moderators mark rooms with /config study-room)."""

    def __init__(self, bot: commands.Bot, rooms: StudyRoomService) -> None:
        self.bot = bot
        self.rooms = rooms
        # One lock per server: voice events of a server are handled in the order they came.
        self._locks: dict[int, asyncio.Lock] = {}
        # Servers whose voice states are current (resumed since the last disconnect): only
        # their stays are touched, so downtime is never taken as presence.
        self._live: set[int] = set()

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def cog_load(self) -> None:
        """Start noting, once a study-room minute, that open stays are still there."""
        self._touch.change_interval(seconds=max(1.0, self.rooms.minute_seconds))
        self._touch.start()

    async def cog_unload(self) -> None:
        """Stop the loop and note the stays one last time (a clean stop closes them here)."""
        self._touch.cancel()
        await self._touch_all()

    @tasks.loop(seconds=60)
    async def _touch(self) -> None:
        await self._touch_all()

    @_touch.error
    async def _touch_failed(self, error: BaseException) -> None:
        log.error("study rooms: noting open stays failed", exc_info=error)

    async def _touch_all(self) -> None:
        for guild_id in sorted(self._live):
            async with self._lock(guild_id):
                await self.rooms.touch(guild_id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """(Re)connected: continue the stays of members still in a study room, close the rest."""
        async with self._lock(guild.id):
            closed = await self.rooms.resume(guild.id, presence(guild))
            self._live.add(guild.id)
        if closed:
            log.info("study rooms guild=%s: %d stays closed on reconnect", guild.id, len(closed))

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self._live.clear()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        # Missed voice events are replayed on RESUME, so the states are current again.
        self._live.update(g.id for g in self.bot.guilds)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self._live.discard(guild.id)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """A member joined, left, moved, or (un)deafened: update them and everyone in the
        channels involved (someone joining or leaving changes who sits alone)."""
        guild = member.guild
        affected = set() if member.bot else {member.id}
        for channel in (before.channel, after.channel):
            if channel is not None:
                affected.update(channel.voice_states)
        async with self._lock(guild.id):
            where = presence(guild)
            for user_id in sorted(affected):
                if user_id != member.id and user_id not in where:
                    continue  # a bot in the channel
                channel_id, counting = where.get(user_id, (None, True))
                await self.rooms.observe(guild.id, user_id, channel_id, counting=counting)

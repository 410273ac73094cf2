"""Repository for per-guild settings moderators change from Discord (answer channels)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.storage.db import Database

# The notice sent when a guild's answer channels change (payload: the guild id).
ANSWER_CHANNELS_CHANGED = "waypoint_answer_channels"


class GuildConfigRepository:
    """All SQL about guild configuration."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def answer_channels(self, guild_id: int) -> frozenset[int]:
        """The channels of `guild_id` where every message is treated as a question."""
        return frozenset(await self.answer_channel_modes(guild_id))

    async def answer_channel_modes(self, guild_id: int) -> dict[int, bool]:
        """Each answer channel of `guild_id`, with True when it answers in a new thread."""
        rows = await self._db.fetch_all(
            "SELECT channel_id, threads FROM answer_channels WHERE guild_id = ?", (guild_id,)
        )
        return {int(r["channel_id"]): bool(r["threads"]) for r in rows}

    async def set_answer_channel(
        self, guild_id: int, channel_id: int, by: int, at: datetime, *, threads: bool
    ) -> bool:
        """Make the channel an answer channel with this thread mode (added, or its mode
        changed); True when it was not one before."""
        async with self._db.transaction():
            changed = await self._db.execute(
                "UPDATE answer_channels SET threads = ? WHERE guild_id = ? AND channel_id = ?",
                (int(threads), guild_id, channel_id),
            )
            await self._db.notify(ANSWER_CHANNELS_CHANGED, str(guild_id))
            if changed.rowcount:
                return False
            await self._db.execute(
                "INSERT INTO answer_channels (guild_id, channel_id, added_by, added_at, threads)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, channel_id, by, at.isoformat(), int(threads)),
            )
        return True

    async def toggle_answer_channel(
        self, guild_id: int, channel_id: int, by: int, at: datetime
    ) -> bool:
        """Add the channel, or remove it when already there; True when it was added."""
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM answer_channels WHERE guild_id = ? AND channel_id = ?",
                (guild_id, channel_id),
            )
            # Other processes drop their cached copy of this guild's channels on commit.
            await self._db.notify(ANSWER_CHANNELS_CHANGED, str(guild_id))
            if removed.rowcount:
                return False
            await self._db.execute(
                "INSERT INTO answer_channels (guild_id, channel_id, added_by, added_at)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, channel_id, by, at.isoformat()),
            )
        return True

    async def on_answer_channels_changed(self, callback: Callable[[int | None], None]) -> None:
        """Call `callback(guild_id)` when any process changes a guild's answer channels, and
        `callback(None)` when changes may have been missed (a lost connection)."""

        def parsed(payload: str | None) -> None:
            callback(None if payload is None else int(payload))

        await self._db.listen(ANSWER_CHANNELS_CHANGED, parsed)

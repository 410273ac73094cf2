"""The daily streak reminder: a direct message at the learner's local time, opt-in.

Every minute (discord.py's `tasks.loop` on each minute of the wall clock, so `19:30` goes out
within a second or two of 19:30, and once when the bot is ready, to catch up after a restart),
`tick()` asks the community service who is due: past their local reminder time, not reminded
that local day, no check-in yet today and a streak that would end at midnight. Each is first
marked reminded in the database, then messaged: the mark is the guard that makes a reminder go
out at most once per day, across restarts, overlapping ticks and several processes sharing the
database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, time

import discord

from bot.discord.errors import NO_PINGS
from bot.discord.study_embeds import reminder_text
from bot.study.community import CommunityService

log = logging.getLogger(__name__)

# Every minute of the day, UTC: tasks.loop fires at each, aligned to the wall clock.
EVERY_MINUTE = [time(h, m, tzinfo=UTC) for h in range(24) for m in range(60)]


class Reminders:
    """Sends due reminders through `client`; `tick()` is one pass."""

    def __init__(self, client: discord.Client, community: CommunityService) -> None:
        self.client = client
        self.community = community
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """Send every reminder due now; returns how many were delivered."""
        async with self._lock:  # one pass at a time in this process; the database guards others
            sent = 0
            for due in await self.community.due_reminders():
                guild = self.client.get_guild(due.scope)
                if guild is None:
                    # Not (or no longer) in that server: a /checkin there is impossible anyway.
                    log.debug(
                        "reminder skipped guild=%s user=%s: guild unknown", due.scope, due.user_id
                    )
                    continue
                if not await self.community.mark_reminded(due.scope, due.user_id, due.local_date):
                    continue  # another pass already sent today's
                try:
                    channel = await self.client.create_dm(discord.Object(due.user_id))
                    await channel.send(reminder_text(due, guild.name), allowed_mentions=NO_PINGS)
                except discord.Forbidden:
                    log.info(
                        "reminder not delivered guild=%s user=%s: direct messages closed",
                        due.scope,
                        due.user_id,
                    )
                except discord.HTTPException as exc:
                    log.warning(
                        "reminder not delivered guild=%s user=%s: %s", due.scope, due.user_id, exc
                    )
                else:
                    sent += 1
                    log.info(
                        "reminder sent guild=%s user=%s streak=%d day=%s",
                        due.scope,
                        due.user_id,
                        due.streak,
                        due.local_date,
                    )
            return sent

    async def tick_safely(self) -> None:
        """`tick()` for the loop: a database hiccup must not end reminders for everyone."""
        try:
            await self.tick()
        except Exception:
            log.exception("reminder pass failed")

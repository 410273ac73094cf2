"""The daily streak reminder: a direct message at the learner's local time, opt-in.

Every minute (discord.py's `tasks.loop` on each minute of the wall clock, so `19:30` goes out
within a second or two of 19:30, and once when the bot is ready, to catch up after a restart),
`tick()` asks the community service who is due: past their local reminder time, not reminded
that local day, no check-in yet today and a streak that would end at midnight. They are first
claimed in the database (one `UPDATE … RETURNING` per local date), then messaged: the claim is
the guard that makes a reminder go out at most once per day, across restarts, overlapping ticks
and several processes sharing the database.

Several processes: each looks at and claims only the learners of its own shards' servers
(`(guild_id >> 22) % shard_count`, the rule Discord routes servers by), so every due learner has
one process responsible for it and a shard move hands it over with the server. Cooldowns (the
question cooldown of `bot/qa/cooldown.py`) stay per process on purpose: Discord routes a server
to one shard, so a member's commands in one server reach one process.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, time

import discord

from bot.discord.errors import NO_PINGS
from bot.discord.study_embeds import reminder_text
from bot.study.community import CommunityService
from bot.study.models import DueReminder

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
            shard_ids, shard_count = self.shards()
            reachable: list[tuple[DueReminder, discord.Guild]] = []
            for due in await self.community.due_reminders(shard_ids, shard_count):
                guild = self.client.get_guild(due.scope)
                if guild is None:
                    # Not (or no longer) in that server: a /checkin there is impossible anyway.
                    log.debug(
                        "reminder skipped guild=%s user=%s: guild unknown", due.scope, due.user_id
                    )
                    continue
                reachable.append((due, guild))
            guilds = {due.scope: guild for due, guild in reachable}
            # Another pass or process may have sent some already: send only what we claimed.
            claimed = await self.community.claim_reminders(
                (due for due, _ in reachable), shard_ids, shard_count
            )
            for due in claimed:
                guild = guilds[due.scope]
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

    def shards(self) -> tuple[list[int] | None, int | None]:
        """(this process's shard ids, the shard count), or (None, None) when unsharded (one
        process serving every server)."""
        count = self.client.shard_count
        if count is None or count <= 1:
            return None, None
        if isinstance(self.client, discord.AutoShardedClient):
            ids = self.client.shard_ids
            return (list(range(count)) if ids is None else sorted(ids)), count
        shard = self.client.shard_id
        return ([0] if shard is None else [shard]), count

    async def tick_safely(self) -> None:
        """`tick()` for the loop: a database hiccup must not end reminders for everyone."""
        try:
            await self.tick()
        except Exception:
            log.exception("reminder pass failed")

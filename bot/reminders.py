"""The daily streak reminder: a direct message at the learner's local time, opt-in.

Every minute (aligned to the wall clock, so `19:30` goes out within a second or two of 19:30),
`tick()` asks the study service who is due: past their local reminder time, not reminded that
local day, no check-in yet today and a streak that would end at midnight. Each is first marked
reminded in the database, then messaged: the mark is the guard that makes a reminder go out at
most once per day, across restarts, overlapping ticks and several processes sharing the
database. A reminder whose time passed while the bot was down goes out at the next tick, the
same local day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import discord

from bot.cogs.common import NO_PINGS
from bot.study.service import StudyService
from bot.study_embeds import reminder_text

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0


class Reminders:
    """Sends due reminders through `client`; `start()` runs the minute loop, `tick()` one pass."""

    def __init__(
        self, client: discord.Client, study: StudyService, *, interval: float = TICK_SECONDS
    ) -> None:
        self.client = client
        self.study = study
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """Send every reminder due now; returns how many were delivered."""
        async with self._lock:  # one pass at a time in this process; the database guards others
            sent = 0
            for due in await self.study.due_reminders():
                guild = self.client.get_guild(due.scope)
                if guild is None:
                    # Not (or no longer) in that server: a /checkin there is impossible anyway.
                    log.debug(
                        "reminder skipped guild=%s user=%s: guild unknown", due.scope, due.user_id
                    )
                    continue
                if not await self.study.mark_reminded(due.scope, due.user_id, due.local_date):
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

    def start(self) -> None:
        """Run the loop in the background (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="waypoint-reminders")

    async def stop(self) -> None:
        """Stop the loop and wait for it to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _delay(self) -> float:
        # Sleep to just past the next interval boundary of the wall clock.
        return self.interval - (time.time() % self.interval) + 0.5

    async def _run(self) -> None:
        await self.client.wait_until_ready()
        while True:
            try:
                await self.tick()
            except Exception:
                # A database hiccup must not end reminders for everyone; try again next minute.
                log.exception("reminder pass failed")
            await asyncio.sleep(self._delay())

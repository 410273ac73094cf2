"""Voice study rooms: time spent in the voice channels a server marked is logged by itself.

A member with a plan who enters a study room opens a *stay*, stored at once so a restart does not
lose it. Moving between study rooms continues the same stay (no minute counted twice); sitting
deafened and alone pauses it. When the member leaves, the counted time is split by their local
day and logged as check-ins on their current module, if it reaches the minimum (10 study-room
minutes; a minute lasts `minute_seconds`, 60 outside tests and demos).

- A stay's check-ins carry the request key `room:<entered at>:<date>`, so closing the same stay
  twice (a crash between the two) logs it once, and `Checkin.from_study_room` tells them apart.
- The learner's own `/checkin` entered during a stay describes that same session: its minutes are
  taken off the room's minutes for that day, so the time is not counted twice.
- Members without a plan log nothing and get no message: a bot cannot answer ephemerally outside
  a command, and a public line in the room's text chat would ping them (and show everyone in the
  room) for joining a voice channel, which is the kind of bot noise members mute.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.storage.rooms import RoomRepository
from bot.study.checkins import BACKDATE_DAYS, CheckinService
from bot.study.context import StudyContext
from bot.study.models import ROOM_KEY_PREFIX, Checkin, RoomStay, RoomStayClosed, StudyRoomToggle
from bot.study.parsing import MAX_MINUTES
from bot.study.plans import PlanService
from bot.study.streaks import day_number, local_date

log = logging.getLogger(__name__)

MINIMUM_MINUTES = 10


def seconds_per_day(
    spans: Iterable[tuple[datetime, datetime]], zone: ZoneInfo
) -> dict[date, float]:
    """Seconds of `spans` on each local date of `zone` (a span across midnight is split)."""
    per_day: dict[date, float] = {}
    for start, end in spans:
        current = start.astimezone(UTC)
        end = end.astimezone(UTC)
        while current < end:
            local = current.astimezone(zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), zone)
            stop = min(end, midnight.astimezone(UTC))
            if stop <= current:  # a zone whose midnight does not exist that day: step an hour
                stop = min(end, current + timedelta(hours=1))
            day = local.date()
            per_day[day] = per_day.get(day, 0.0) + (stop - current).total_seconds()
            current = stop
    return per_day


class StudyRoomService:
    """Study rooms of a server and the stays of its members in them."""

    def __init__(
        self,
        ctx: StudyContext,
        checkins: CheckinService,
        plans: PlanService,
        *,
        minute_seconds: float = 60.0,
        minimum_minutes: int = MINIMUM_MINUTES,
    ) -> None:
        if minute_seconds <= 0:
            raise ValueError("minute_seconds must be positive")
        self._ctx = ctx
        self._repo = RoomRepository(ctx.db)
        self._checkins = checkins
        self._plans = plans
        self.minute_seconds = minute_seconds
        self.minimum_minutes = minimum_minutes

    # Rooms ----------------------------------------------------------------------------------

    async def toggle_room(self, scope: int, channel_id: int, *, by: int) -> StudyRoomToggle:
        """Mark a voice channel as a study room, or unmark it when it already is one."""
        async with self._ctx.db.transaction():
            added = await self._repo.toggle_room(scope, channel_id, by, self._ctx.now())
            rooms = await self._repo.rooms(scope)
        log.info(
            "study room %s scope=%s channel=%s by=%s",
            "added" if added else "removed",
            scope,
            channel_id,
            by,
        )
        if not added:
            # Time in it stops counting now, not when each member happens to leave.
            for stay in await self._repo.stays(scope):
                if stay.channel_id == channel_id:
                    await self._close(stay, self._ctx.now())
        return StudyRoomToggle(channel_id, added, tuple(rooms))

    async def rooms(self, scope: int) -> tuple[int, ...]:
        """The server's study rooms (voice channel ids)."""
        return tuple(await self._repo.rooms(scope))

    # Stays ----------------------------------------------------------------------------------

    async def observe(
        self, scope: int, user_id: int, channel_id: int | None, *, counting: bool = True
    ) -> RoomStayClosed | None:
        """Where a member is now: `channel_id` is their voice channel (None: not in voice);
        `counting` is False while they sit deafened and alone. Returns the closed stay when they
        just left the study rooms."""
        rooms = set(await self._repo.rooms(scope))
        return await self._observe(scope, user_id, channel_id in rooms, channel_id, counting)

    async def _observe(
        self, scope: int, user_id: int, in_room: bool, channel_id: int | None, counting: bool
    ) -> RoomStayClosed | None:
        now = self._ctx.now()
        stay = await self._repo.stay(scope, user_id)
        if not in_room or channel_id is None:
            return None if stay is None else await self._close(stay, now)
        if stay is None:
            if await self._plans.current_module(scope, user_id) is None:
                return None  # no plan (or every module done): nothing to log, no message
            async with self._ctx.db.transaction():
                await self._repo.open_stay(scope, user_id, channel_id, now, counting=counting)
            log.info("study room stay begins scope=%s user=%s", scope, user_id)
            return None
        since = stay.counting_since
        async with self._ctx.db.transaction():
            if counting and since is None:
                since = now
            elif not counting and since is not None:
                await self._repo.add_span(scope, user_id, since, now)
                since = None
            await self._repo.update_stay(
                scope, user_id, channel_id=channel_id, counting_since=since, last_seen=now
            )
        return None

    async def resume(
        self, scope: int, present: Mapping[int, tuple[int, bool]]
    ) -> list[RoomStayClosed]:
        """After (re)connecting: `present` maps each member in a voice channel of the server to
        (channel, counting). Stored stays of members still in a study room continue from their
        stored entry (the downtime counts); those of members who left meanwhile are closed at
        the last time the bot knew them there."""
        rooms = set(await self._repo.rooms(scope))
        closed: list[RoomStayClosed] = []
        for stay in await self._repo.stays(scope):
            where = present.get(stay.user_id)
            if where is None or where[0] not in rooms:
                closed.append(await self._close(stay, stay.last_seen))
        for user_id, (channel_id, counting) in present.items():
            if channel_id in rooms:
                await self._observe(scope, user_id, True, channel_id, counting)
        return closed

    async def touch(self, scope: int) -> None:
        """Note that the open stays of the server are still there now (the bot calls this
        regularly and when it stops; a stay found ended after a restart closes at that time)."""
        await self._repo.touch(scope, self._ctx.now())

    async def room_minutes(self, scope: int, user_id: int) -> int:
        """Minutes study rooms logged for the learner (part of their totals)."""
        return await self._repo.room_minutes(scope, user_id)

    async def _close(self, stay: RoomStay, end: datetime) -> RoomStayClosed:
        """End a stay at `end`: log its time per local day, then forget it (one transaction)."""
        ctx, scope, user_id = self._ctx, stay.scope, stay.user_id
        spans = await self._repo.spans(scope, user_id)
        if stay.counting_since is not None and end > stay.counting_since:
            spans.append((stay.counting_since, end))
        learner = await ctx.repo.learner(scope, user_id)
        zone = ctx.zone(learner)
        per_day = seconds_per_day(spans, zone)
        counted = int(sum(per_day.values()) // self.minute_seconds)
        current = await self._plans.current_module(scope, user_id)
        reason: str | None = None
        logged: list[Checkin] = []
        async with ctx.db.transaction():
            await self._repo.delete_stay(scope, user_id)
            if counted < self.minimum_minutes:
                reason = f"below the {self.minimum_minutes}-minute minimum"
            elif learner is None or current is None:
                reason = "no plan with a module to do"
            else:
                today = local_date(ctx.now(), zone)
                typed = await self._repo.typed_minutes(scope, user_id, stay.entered_at, end)
                already = await ctx.repo.minutes_per_day(scope, user_id)
                for studied, seconds in sorted(per_day.items()):
                    minutes = int(seconds // self.minute_seconds) - typed.get(studied, 0)
                    room = MAX_MINUTES - already.get(day_number(studied, learner.day_shift), 0)
                    minutes = min(minutes, room)
                    if minutes <= 0 or studied < today - timedelta(days=BACKDATE_DAYS):
                        continue
                    result = await self._checkins.checkin(
                        scope,
                        user_id,
                        minutes=minutes,
                        module=current.module_id,
                        note="Logged by a voice study room",
                        on=studied,
                        request_key=f"{ROOM_KEY_PREFIX}{stay.entered_at.isoformat()}:{studied}",
                        path=current.path_id,
                    )
                    logged.append(result.checkin)
                if not logged:
                    reason = "already logged with /checkin or the daily cap"
        log.info(
            "study room stay ends scope=%s user=%s counted=%d logged=%d%s",
            scope,
            user_id,
            counted,
            sum(c.minutes for c in logged),
            f" ({reason})" if reason else "",
        )
        return RoomStayClosed(scope, user_id, counted, tuple(logged), reason)

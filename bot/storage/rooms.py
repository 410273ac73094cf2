"""Repository for voice study rooms: the rooms a server marked, open stays and their spans.

Times are stored as UTC ISO 8601 text (as everywhere in Waypoint), so they compare as text on
both backends. The service decides the transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.storage.db import Database, Row
from bot.study.models import ROOM_KEY_PREFIX, RoomStay


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _stay(row: Row) -> RoomStay:
    return RoomStay(
        scope=row["scope"],
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        entered_at=datetime.fromisoformat(row["entered_at"]),
        counting_since=_when(row["counting_since"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
    )


class RoomRepository:
    """SQL for study rooms over one `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Rooms ----------------------------------------------------------------------------------

    async def toggle_room(self, scope: int, channel_id: int, by: int, now: datetime) -> bool:
        """Mark the channel as a study room, or unmark it if it was one; True when marked."""
        removed = await self.db.execute(
            "DELETE FROM study_rooms WHERE scope = ? AND channel_id = ?", (scope, channel_id)
        )
        if removed.rowcount:
            return False
        await self.db.execute(
            "INSERT INTO study_rooms (scope, channel_id, added_by, added_at) VALUES (?, ?, ?, ?)",
            (scope, channel_id, by, _iso(now)),
        )
        return True

    async def rooms(self, scope: int) -> list[int]:
        """The server's study rooms, in the order they were marked."""
        rows = await self.db.fetch_all(
            "SELECT channel_id FROM study_rooms WHERE scope = ? ORDER BY added_at, channel_id",
            (scope,),
        )
        return [r[0] for r in rows]

    # Stays ----------------------------------------------------------------------------------

    async def stay(self, scope: int, user_id: int) -> RoomStay | None:
        """The member's open stay in this server, if any."""
        row = await self.db.fetch_one(
            "SELECT * FROM room_stays WHERE scope = ? AND user_id = ?", (scope, user_id)
        )
        return None if row is None else _stay(row)

    async def stays(self, scope: int) -> list[RoomStay]:
        """Every open stay in the server."""
        rows = await self.db.fetch_all(
            "SELECT * FROM room_stays WHERE scope = ? ORDER BY user_id", (scope,)
        )
        return [_stay(r) for r in rows]

    async def open_stay(
        self, scope: int, user_id: int, channel_id: int, now: datetime, *, counting: bool
    ) -> None:
        """Store a new stay beginning `now` (its span running unless `counting` is False)."""
        await self.db.execute(
            "INSERT INTO room_stays (scope, user_id, channel_id, entered_at, counting_since,"
            " last_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, user_id) DO NOTHING",
            (scope, user_id, channel_id, _iso(now), _iso(now) if counting else None, _iso(now)),
        )

    async def update_stay(
        self,
        scope: int,
        user_id: int,
        *,
        channel_id: int,
        counting_since: datetime | None,
        last_seen: datetime,
    ) -> None:
        """Move the stay to another room, pause or resume its span, and note the time seen."""
        await self.db.execute(
            "UPDATE room_stays SET channel_id = ?, counting_since = ?, last_seen = ?"
            " WHERE scope = ? AND user_id = ?",
            (
                channel_id,
                None if counting_since is None else _iso(counting_since),
                _iso(last_seen),
                scope,
                user_id,
            ),
        )

    async def add_span(self, scope: int, user_id: int, start: datetime, end: datetime) -> None:
        """Keep a finished counted span of the open stay."""
        await self.db.execute(
            "INSERT INTO room_spans (scope, user_id, started_at, ended_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (scope, user_id, started_at) DO NOTHING",
            (scope, user_id, _iso(start), _iso(end)),
        )

    async def spans(self, scope: int, user_id: int) -> list[tuple[datetime, datetime]]:
        """The finished spans of the open stay, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT started_at, ended_at FROM room_spans WHERE scope = ? AND user_id = ?"
            " ORDER BY started_at",
            (scope, user_id),
        )
        return [(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1])) for r in rows]

    async def delete_stay(self, scope: int, user_id: int) -> bool:
        """Forget the stay and its spans (they cascade); False if there was none."""
        done = await self.db.execute(
            "DELETE FROM room_stays WHERE scope = ? AND user_id = ?", (scope, user_id)
        )
        return done.rowcount > 0

    async def touch(self, scope: int, now: datetime) -> int:
        """Note that every open stay of the server is still there at `now`."""
        done = await self.db.execute(
            "UPDATE room_stays SET last_seen = ? WHERE scope = ? AND last_seen < ?",
            (_iso(now), scope, _iso(now)),
        )
        return done.rowcount

    # Check-ins the learner typed during a stay ----------------------------------------------

    async def typed_minutes(
        self, scope: int, user_id: int, since: datetime, until: datetime
    ) -> dict[date, int]:
        """Minutes per study date of the learner's own check-ins entered between `since` and
        `until` (not those a study room logged)."""
        rows = await self.db.fetch_all(
            "SELECT study_date, sum(minutes) FROM checkins WHERE scope = ? AND user_id = ?"
            " AND entered_at >= ? AND entered_at <= ?"
            " AND (request_key IS NULL OR request_key NOT LIKE ?) GROUP BY study_date",
            (scope, user_id, _iso(since), _iso(until), ROOM_KEY_PREFIX + "%"),
        )
        return {date.fromisoformat(r[0]): int(r[1]) for r in rows}

    async def room_minutes(self, scope: int, user_id: int) -> int:
        """Minutes a learner's study rooms logged, over every path."""
        value = await self.db.fetch_value(
            "SELECT coalesce(sum(minutes), 0) FROM checkins WHERE scope = ? AND user_id = ?"
            " AND request_key LIKE ?",
            (scope, user_id, ROOM_KEY_PREFIX + "%"),
        )
        return int(value)

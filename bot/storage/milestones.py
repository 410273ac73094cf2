"""Repository for streak milestone roles: which role a guild gives at which streak length, and
which members were given which (each at most once)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database


class MilestoneRepository:
    """All SQL about milestone roles."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def roles(self, guild_id: int) -> dict[int, int]:
        """Streak length (days) -> role id, for `guild_id`."""
        rows = await self._db.fetch_all(
            "SELECT days, role_id FROM milestone_roles WHERE guild_id = ? ORDER BY days",
            (guild_id,),
        )
        return {int(r["days"]): int(r["role_id"]) for r in rows}

    async def toggle_role(
        self, guild_id: int, days: int, role_id: int, by: int, at: datetime
    ) -> bool:
        """Give `role_id` at `days`, replacing the role set there before; the same role again
        removes the milestone. True when it is set afterwards."""
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM milestone_roles WHERE guild_id = ? AND days = ? AND role_id = ?",
                (guild_id, days, role_id),
            )
            if removed.rowcount:
                return False
            await self._db.execute(
                "DELETE FROM milestone_roles WHERE guild_id = ? AND days = ?", (guild_id, days)
            )
            await self._db.execute(
                "INSERT INTO milestone_roles (guild_id, days, role_id, set_by, set_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, days, role_id, by, at.isoformat()),
            )
        return True

    async def ungranted(self, guild_id: int, user_id: int, streak: int) -> list[tuple[int, int]]:
        """(days, role id) of the milestones up to `streak` days not yet given to the member."""
        rows = await self._db.fetch_all(
            "SELECT r.days, r.role_id FROM milestone_roles r"
            " LEFT JOIN milestone_grants g"
            " ON g.guild_id = r.guild_id AND g.days = r.days AND g.user_id = ?"
            " WHERE r.guild_id = ? AND r.days <= ? AND g.user_id IS NULL ORDER BY r.days",
            (user_id, guild_id, streak),
        )
        return [(int(r["days"]), int(r["role_id"])) for r in rows]

    async def record_grant(
        self, guild_id: int, user_id: int, days: int, role_id: int, at: datetime
    ) -> bool:
        """Note that the member was given the milestone; False when it already was."""
        result = await self._db.execute(
            "INSERT INTO milestone_grants (guild_id, user_id, days, role_id, granted_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, user_id, days, role_id, at.isoformat()),
        )
        return result.rowcount > 0

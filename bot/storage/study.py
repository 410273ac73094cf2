"""Repository for the study tables (learners, plans, completions, check-ins).

Every SQL statement of study tracking lives here, with bound parameters; rows are turned into
the frozen dataclasses of `bot.study.models` before they leave. The service decides the
transaction: these methods run inside whatever `Database.transaction()` is open.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from bot.storage.db import Database, Row
from bot.study.models import (
    BackdatedEntry,
    Checkin,
    DeletedData,
    LeaderboardEntry,
    Learner,
    Plan,
    PlanDraft,
    PlannedModule,
)

# Learners claimed per statement (two parameters each, well inside both backends' limits).
_CLAIM_BATCH = 200


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _learner(row: Row) -> Learner:
    return Learner(
        scope=row["scope"],
        user_id=row["user_id"],
        timezone=row["timezone"],
        day_shift=row["day_shift"],
        created_at=datetime.fromisoformat(row["created_at"]),
        remind_at=row["remind_at"],
        last_reminded=_date(row["last_reminded"]),
        leaderboard=bool(row["leaderboard"]),
    )


def _checkin(row: Row) -> Checkin:
    return Checkin(
        id=row["id"],
        scope=row["scope"],
        user_id=row["user_id"],
        path_id=row["path_id"],
        module_id=row["module_id"],
        minutes=row["minutes"],
        note=row["note"],
        study_date=date.fromisoformat(row["study_date"]),
        day=row["day"],
        timezone=row["timezone"],
        entered_at=datetime.fromisoformat(row["entered_at"]),
        entered_date=date.fromisoformat(row["entered_date"]),
        request_key=row["request_key"],
    )


def _module(row: Row) -> PlannedModule:
    return PlannedModule(
        module_id=row["module_id"],
        title=row["title"],
        position=row["position"],
        module_hours=row["module_hours"],
        hours=row["hours"],
        logged_before_minutes=row["logged_before"],
        start=_date(row["start_date"]),
        end=_date(row["end_date"]),
        weekly_hours=row["weekly_hours"] or 0.0,
    )


class StudyRepository:
    """SQL for study tracking over one `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Learners -------------------------------------------------------------------------------

    async def learner(self, scope: int, user_id: int) -> Learner | None:
        """The learner, or None if they never used study tracking in this scope."""
        row = await self.db.fetch_one(
            "SELECT * FROM learners WHERE scope = ? AND user_id = ?", (scope, user_id)
        )
        return None if row is None else _learner(row)

    async def ensure_learner(self, scope: int, user_id: int, now: datetime) -> Learner:
        """The learner, created on first use (call inside a transaction)."""
        await self.db.execute(
            "INSERT INTO learners (scope, user_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (scope, user_id) DO NOTHING",
            (scope, user_id, now.isoformat()),
        )
        learner = await self.learner(scope, user_id)
        assert learner is not None
        return learner

    async def set_timezone(self, scope: int, user_id: int, timezone: str, day_shift: int) -> None:
        """Store a learner's timezone and the day shift that keeps their day number."""
        await self.db.execute(
            "UPDATE learners SET timezone = ?, day_shift = ? WHERE scope = ? AND user_id = ?",
            (timezone, day_shift, scope, user_id),
        )

    async def set_reminder(self, scope: int, user_id: int, remind_at: str | None) -> None:
        """Set ('HH:MM') or clear (None) the daily reminder."""
        await self.db.execute(
            "UPDATE learners SET remind_at = ? WHERE scope = ? AND user_id = ?",
            (remind_at, scope, user_id),
        )

    async def mark_reminded(self, scope: int, user_id: int, on: date) -> bool:
        """Record a reminder for local date `on`; False if one was already recorded for it."""
        done = await self.db.execute(
            "UPDATE learners SET last_reminded = ? WHERE scope = ? AND user_id = ? "
            "AND remind_at IS NOT NULL AND (last_reminded IS NULL OR last_reminded < ?)",
            (on.isoformat(), scope, user_id, on.isoformat()),
        )
        return done.rowcount == 1

    async def claim_reminders(
        self,
        on: date,
        learners: Collection[tuple[int, int]],
        shard_ids: Collection[int] | None = None,
        shard_count: int | None = None,
    ) -> list[tuple[int, int]]:
        """Mark local date `on`'s reminder sent for those of `learners` (scope, user) not yet
        reminded that day, in this process's shards only; the (scope, user) pairs claimed.

        One statement per batch: the row-level check (`last_reminded < on`) is re-evaluated
        after a concurrent claim commits, so when several processes race for one learner
        exactly one gets it back.
        """
        wanted = sorted(set(learners))
        if shard_ids is not None and shard_count is not None:
            shards = sorted(set(shard_ids))
            if not shards:
                return []
            shard_sql = f" AND (scope >> 22) % ? IN ({', '.join('?' for _ in shards)})"
            shard_params: list[object] = [shard_count, *shards]
        else:
            shard_sql, shard_params = "", []
        claimed: list[tuple[int, int]] = []
        for start in range(0, len(wanted), _CLAIM_BATCH):
            batch = wanted[start : start + _CLAIM_BATCH]
            # (scope, user_id) IN ((?, ?), …) is not SQLite; an OR of pairs reads the same
            # primary key on both backends.
            pairs = " OR ".join("(scope = ? AND user_id = ?)" for _ in batch)
            rows = await self.db.fetch_all(
                "UPDATE learners SET last_reminded = ? WHERE remind_at IS NOT NULL"
                " AND (last_reminded IS NULL OR last_reminded < ?)"
                f"{shard_sql} AND ({pairs}) RETURNING scope, user_id",
                [
                    on.isoformat(),
                    on.isoformat(),
                    *shard_params,
                    *(value for pair in batch for value in pair),
                ],
            )
            claimed += [(int(r[0]), int(r[1])) for r in rows]
        return claimed

    async def learners_with_reminders(
        self, shard_ids: Collection[int] | None = None, shard_count: int | None = None
    ) -> list[Learner]:
        """Every learner who turned reminders on, in every scope or, given this process's
        shards, only in the servers Discord routes to them (`(guild_id >> 22) % shard_count`),
        so processes sharing the database each remind their own servers' learners."""
        sql = "SELECT * FROM learners WHERE remind_at IS NOT NULL"
        params: list[int] = []
        if shard_ids is not None and shard_count is not None:
            shards = sorted(set(shard_ids))
            if not shards:
                return []
            sql += f" AND (scope >> 22) % ? IN ({', '.join('?' for _ in shards)})"
            params = [shard_count, *shards]
        rows = await self.db.fetch_all(sql, params)
        return [_learner(r) for r in rows]

    async def set_leaderboard(self, scope: int, user_id: int, joined: bool) -> None:
        """Opt in to (or out of) the scope's leaderboard."""
        await self.db.execute(
            "UPDATE learners SET leaderboard = ? WHERE scope = ? AND user_id = ?",
            (int(joined), scope, user_id),
        )

    # Plans ----------------------------------------------------------------------------------

    async def replace_plan(
        self, scope: int, user_id: int, draft: PlanDraft, created_at: datetime
    ) -> int:
        """Store `draft` as the learner's plan for its path, replacing any previous one."""
        await self.db.execute(
            "DELETE FROM plans WHERE scope = ? AND user_id = ? AND path_id = ?",
            (scope, user_id, draft.path_id),
        )
        plan_id = await self.db.insert(
            "INSERT INTO plans (scope, user_id, path_id, path_title, background, hours_per_week,"
            " start_date, finish_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (
                scope,
                user_id,
                draft.path_id,
                draft.path_title,
                draft.background,
                draft.hours_per_week,
                draft.start.isoformat(),
                draft.finish.isoformat(),
                created_at.isoformat(),
            ),
        )
        assert plan_id is not None
        await self.db.executemany(
            "INSERT INTO plan_modules (plan_id, position, module_id, title, module_hours, hours,"
            " logged_before, start_date, end_date, weekly_hours)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    plan_id,
                    m.position,
                    m.module_id,
                    m.title,
                    m.module_hours,
                    m.hours,
                    m.logged_before_minutes,
                    None if m.start is None else m.start.isoformat(),
                    None if m.end is None else m.end.isoformat(),
                    m.weekly_hours,
                )
                for m in draft.modules
            ],
        )
        return plan_id

    async def plans(self, scope: int, user_id: int, path_id: str | None = None) -> list[Plan]:
        """The learner's plans, most recently made first (optionally only one path's)."""
        sql = "SELECT * FROM plans WHERE scope = ? AND user_id = ?"
        params: list[object] = [scope, user_id]
        if path_id is not None:
            sql += " AND path_id = ?"
            params.append(path_id)
        rows = await self.db.fetch_all(sql + " ORDER BY created_at DESC, id DESC", params)
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ", ".join("?" for _ in ids)
        module_rows = await self.db.fetch_all(
            f"SELECT * FROM plan_modules WHERE plan_id IN ({marks}) ORDER BY plan_id, position",
            ids,
        )
        by_plan: dict[int, list[PlannedModule]] = {i: [] for i in ids}
        for m in module_rows:
            by_plan[m["plan_id"]].append(_module(m))
        return [
            Plan(
                id=r["id"],
                scope=r["scope"],
                user_id=r["user_id"],
                path_id=r["path_id"],
                path_title=r["path_title"],
                background=r["background"],
                hours_per_week=r["hours_per_week"],
                start=date.fromisoformat(r["start_date"]),
                finish=date.fromisoformat(r["finish_date"]),
                created_at=datetime.fromisoformat(r["created_at"]),
                modules=tuple(by_plan[r["id"]]),
            )
            for r in rows
        ]

    async def plan_count(self, scope: int, user_id: int) -> int:
        """How many paths the learner has a plan for."""
        value = await self.db.fetch_value(
            "SELECT count(*) FROM plans WHERE scope = ? AND user_id = ?", (scope, user_id)
        )
        return int(value)

    async def all_completed(self, scope: int, user_id: int) -> list[tuple[str, str, datetime]]:
        """(path, module, when) for every module the learner marked done, for exports."""
        rows = await self.db.fetch_all(
            "SELECT path_id, module_id, completed_at FROM completions"
            " WHERE scope = ? AND user_id = ? ORDER BY completed_at, path_id, module_id",
            (scope, user_id),
        )
        return [(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def completed(self, scope: int, user_id: int, path_id: str) -> set[str]:
        """Ids of the modules of a path the learner marked done."""
        rows = await self.db.fetch_all(
            "SELECT module_id FROM completions WHERE scope = ? AND user_id = ? AND path_id = ?",
            (scope, user_id, path_id),
        )
        return {r["module_id"] for r in rows}

    async def set_completed(
        self,
        scope: int,
        user_id: int,
        path_id: str,
        module_ids: Collection[str],
        done: bool,
        now: datetime,
    ) -> None:
        """Mark modules done (or not done again)."""
        if done:
            await self.db.executemany(
                "INSERT INTO completions (scope, user_id, path_id, module_id, completed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(scope, user_id, path_id, m, now.isoformat()) for m in module_ids],
            )
        else:
            await self.db.executemany(
                "DELETE FROM completions WHERE scope = ? AND user_id = ? AND path_id = ?"
                " AND module_id = ?",
                [(scope, user_id, path_id, m) for m in module_ids],
            )

    # Check-ins ------------------------------------------------------------------------------

    async def checkin_by_key(self, scope: int, user_id: int, request_key: str) -> Checkin | None:
        """The check-in recorded for an idempotency key, if any."""
        row = await self.db.fetch_one(
            "SELECT * FROM checkins WHERE scope = ? AND user_id = ? AND request_key = ?",
            (scope, user_id, request_key),
        )
        return None if row is None else _checkin(row)

    async def add_checkin(
        self,
        *,
        scope: int,
        user_id: int,
        path_id: str,
        module_id: str,
        minutes: int,
        note: str | None,
        study_date: date,
        day: int,
        timezone: str,
        entered_at: datetime,
        entered_date: date,
        request_key: str | None,
    ) -> Checkin | None:
        """Insert one check-in and return it; None if its request key is already recorded."""
        checkin_id = await self.db.insert(
            "INSERT INTO checkins (scope, user_id, path_id, module_id, minutes, note, study_date,"
            " day, timezone, entered_at, entered_date, request_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (scope, user_id, request_key) DO NOTHING RETURNING id",
            (
                scope,
                user_id,
                path_id,
                module_id,
                minutes,
                note,
                study_date.isoformat(),
                day,
                timezone,
                entered_at.isoformat(),
                entered_date.isoformat(),
                request_key,
            ),
        )
        if checkin_id is None:
            return None
        return Checkin(
            checkin_id,
            scope,
            user_id,
            path_id,
            module_id,
            minutes,
            note,
            study_date,
            day,
            timezone,
            entered_at,
            entered_date,
            request_key,
        )

    async def minutes_per_day(self, scope: int, user_id: int) -> dict[int, int]:
        """Minutes logged per study-day number (one indexed read: streak days and day totals)."""
        rows = await self.db.fetch_all(
            "SELECT day, sum(minutes) FROM checkins WHERE scope = ? AND user_id = ?"
            " GROUP BY day ORDER BY day",
            (scope, user_id),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def study_days(self, scope: int, user_id: int) -> list[int]:
        """The distinct study-day numbers with a check-in, ascending."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT day FROM checkins WHERE scope = ? AND user_id = ? ORDER BY day",
            (scope, user_id),
        )
        return [r[0] for r in rows]

    async def minutes_by_module(self, scope: int, user_id: int, path_id: str) -> dict[str, int]:
        """Total minutes per module of one path."""
        rows = await self.db.fetch_all(
            "SELECT module_id, sum(minutes) FROM checkins"
            " WHERE scope = ? AND user_id = ? AND path_id = ? GROUP BY module_id",
            (scope, user_id, path_id),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def totals(self, scope: int, user_id: int) -> tuple[int, int]:
        """(total minutes, number of check-ins) over every path."""
        row = await self.db.fetch_one(
            "SELECT coalesce(sum(minutes), 0), count(*) FROM checkins"
            " WHERE scope = ? AND user_id = ?",
            (scope, user_id),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def daily_minutes(
        self, scope: int, user_id: int, since: date, path_id: str | None = None
    ) -> dict[date, int]:
        """Minutes per local study date from `since` on (optionally one path only)."""
        sql = (
            "SELECT study_date, sum(minutes) FROM checkins"
            " WHERE scope = ? AND user_id = ? AND study_date >= ?"
        )
        params: list[object] = [scope, user_id, since.isoformat()]
        if path_id is not None:
            sql += " AND path_id = ?"
            params.append(path_id)
        rows = await self.db.fetch_all(sql + " GROUP BY study_date", params)
        return {date.fromisoformat(r[0]): int(r[1]) for r in rows}

    async def checkins(self, scope: int, user_id: int) -> list[Checkin]:
        """Every check-in of a learner, oldest study date first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM checkins WHERE scope = ? AND user_id = ? ORDER BY day, id",
            (scope, user_id),
        )
        return [_checkin(r) for r in rows]

    async def backdated(self, scope: int, user_id: int) -> list[BackdatedEntry]:
        """Back-dated check-ins, newest first, with whether each filled an empty day."""
        rows = await self.db.fetch_all(
            "SELECT c.*, NOT EXISTS (SELECT 1 FROM checkins o WHERE o.scope = c.scope"
            " AND o.user_id = c.user_id AND o.day = c.day AND o.entered_at < c.entered_at)"
            " AS filled_gap FROM checkins c"
            " WHERE c.scope = ? AND c.user_id = ? AND c.entered_date > c.study_date"
            " ORDER BY c.entered_at DESC",
            (scope, user_id),
        )
        return [BackdatedEntry(_checkin(r), bool(r["filled_gap"])) for r in rows]

    async def leaderboard(
        self, scope: int, first: date, last: date, limit: int
    ) -> list[LeaderboardEntry]:
        """Opted-in learners of a scope by minutes studied between two local dates."""
        # CROSS JOIN makes SQLite start from the (few) opted-in learners and read each one's
        # dates through its index, instead of scanning the whole community's month; PostgreSQL
        # has no CROSS JOIN … ON and plans the plain join itself.
        join = "CROSS JOIN" if self.db.dialect == "sqlite" else "JOIN"
        rows = await self.db.fetch_all(
            f"SELECT l.user_id, sum(c.minutes) AS total FROM learners l {join} checkins c"
            " ON c.scope = l.scope AND c.user_id = l.user_id"
            " WHERE l.scope = ? AND l.leaderboard = 1 AND c.study_date BETWEEN ? AND ?"
            " GROUP BY l.user_id ORDER BY total DESC, l.user_id LIMIT ?",
            (scope, first.isoformat(), last.isoformat(), limit),
        )
        return [LeaderboardEntry(r[0], int(r[1])) for r in rows]

    async def delete_learner(self, scope: int, user_id: int) -> DeletedData:
        """Delete a learner and everything they own in this scope."""
        counts = []
        for table in ("checkins", "plans", "completions"):
            # Table names come from the fixed tuple above, never from input.
            done = await self.db.execute(
                f"DELETE FROM {table} WHERE scope = ? AND user_id = ?", (scope, user_id)
            )
            counts.append(done.rowcount)
        # Milestone roles already given stay on the member; the record of them goes.
        await self.db.execute(
            "DELETE FROM milestone_grants WHERE guild_id = ? AND user_id = ?", (scope, user_id)
        )
        await self.db.execute(
            "DELETE FROM learners WHERE scope = ? AND user_id = ?", (scope, user_id)
        )
        return DeletedData(checkins=counts[0], plans=counts[1], completions=counts[2])

"""Copy a whole Waypoint database into another (an SQLite file into PostgreSQL).

Row ids are renumbered by the target (its identity columns), and the rows that point at them
(a plan's modules, a question's votes) follow their parent's new id. Everything is copied in one
transaction of the target: an import that fails leaves the target as empty as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import StorageError
from bot.storage.db import Database

# Rows read from the source per query, so a large community is never all in memory.
BATCH = 5_000

_LEARNERS = "scope, user_id, timezone, day_shift, created_at, remind_at, last_reminded, leaderboard"
_PLANS = (
    "scope, user_id, path_id, path_title, background, hours_per_week, start_date, finish_date,"
    " created_at"
)
_PLAN_MODULES = (
    "plan_id, position, module_id, title, module_hours, hours, logged_before, start_date,"
    " end_date, weekly_hours"
)
_COMPLETIONS = "scope, user_id, path_id, module_id, completed_at"
_CHECKINS = (
    "scope, user_id, path_id, module_id, minutes, note, study_date, day, timezone, entered_at,"
    " entered_date, request_key"
)
_QUESTIONS = (
    "guild_id, channel_id, user_id, message_id, via, question, normalized, answered, top_score,"
    " sources, asked_at"
)
_FEEDBACK = "question_id, user_id, helpful, voted_at"
_ANSWER_CHANNELS = "guild_id, channel_id, added_by, added_at, threads"


@dataclass(frozen=True)
class Copied:
    """How many rows of each kind were copied."""

    learners: int = 0
    plans: int = 0
    completions: int = 0
    checkins: int = 0
    questions: int = 0
    votes: int = 0
    answer_channels: int = 0


def _insert(table: str, columns: str) -> str:
    marks = ", ".join("?" for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"


async def _copy_all(source: Database, target: Database, table: str, columns: str) -> int:
    """Copy a table without ids of its own (keys are Discord ids and names)."""
    rows = await source.fetch_all(f"SELECT {columns} FROM {table}")
    await target.executemany(_insert(table, columns), [tuple(r) for r in rows])
    return len(rows)


async def _copy_renumbered(
    source: Database, target: Database, table: str, columns: str, *, keep_map: bool
) -> tuple[int, dict[int, int]]:
    """Copy a table with an id column in id order, letting the target number the rows; the
    old-to-new id map is kept when other rows point at this table."""
    new_ids: dict[int, int] = {}
    copied, last = 0, -(2**63)
    insert = _insert(table, columns)
    while True:
        rows = await source.fetch_all(
            f"SELECT id, {columns} FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
        )
        if not rows:
            return copied, new_ids
        if keep_map:
            for row in rows:
                new_id = await target.insert(insert + " RETURNING id", tuple(row)[1:])
                assert new_id is not None
                new_ids[int(row[0])] = new_id
        else:
            await target.executemany(insert, [tuple(r)[1:] for r in rows])
        copied += len(rows)
        last = int(rows[-1][0])


async def _copy_children(
    source: Database, target: Database, table: str, columns: str, parents: dict[int, int]
) -> int:
    """Copy rows whose first column is a parent's id, pointing them at its new id."""
    rows = await source.fetch_all(f"SELECT {columns} FROM {table}")
    await target.executemany(
        _insert(table, columns), [(parents[int(r[0])], *tuple(r)[1:]) for r in rows]
    )
    return len(rows)


async def _is_empty(db: Database, tables: Sequence[str]) -> bool:
    for table in tables:
        if await db.fetch_value(f"SELECT count(*) FROM {table}"):
            return False
    return True


async def copy_database(source: Database, target: Database) -> Copied:
    """Copy every row of `source` into the empty database `target`, renumbering ids."""
    async with target.transaction():
        if not await _is_empty(target, ("learners", "questions", "answer_channels")):
            raise StorageError(
                f"The database {target.where} already holds Waypoint data; import only into "
                "an empty database, so nothing is doubled or overwritten."
            )
        learners = await _copy_all(source, target, "learners", _LEARNERS)
        plans, plan_ids = await _copy_renumbered(source, target, "plans", _PLANS, keep_map=True)
        await _copy_children(source, target, "plan_modules", _PLAN_MODULES, plan_ids)
        completions = await _copy_all(source, target, "completions", _COMPLETIONS)
        checkins, _ = await _copy_renumbered(source, target, "checkins", _CHECKINS, keep_map=False)
        questions, question_ids = await _copy_renumbered(
            source, target, "questions", _QUESTIONS, keep_map=True
        )
        votes = await _copy_children(source, target, "feedback", _FEEDBACK, question_ids)
        channels = await _copy_all(source, target, "answer_channels", _ANSWER_CHANNELS)
    return Copied(learners, plans, completions, checkins, questions, votes, channels)

"""Due reminders claimed by several processes on one database: every due learner is claimed
exactly once for the day, and only by the process whose shards serve the learner's server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.study.models import DueReminder
from bot.study.service import StudyServices
from tests.storage.backends import BACKENDS, postgres_schema
from tests.study.conftest import CATALOG, Clock

# A Monday at noon UTC; reminders are set for 09:00, so they are due from the start.
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Server ids spread over two shards the way Discord's are: (guild_id >> 22) % 2.
GUILDS = [1_100_000_000_000_000_000 + n * 7_919_000_003 for n in range(12)]
USERS = (1, 2, 3)


@asynccontextmanager
async def _processes(
    backend: str, folder: Path, count: int, clock: Clock
) -> AsyncIterator[list[StudyServices]]:
    """`count` independent service stacks (own connections, as separate processes have)."""
    async with _target(backend, folder) as target:
        dbs = [await Database.open(target) for _ in range(count)]
        try:
            yield [
                StudyServices.build(db, lambda: CATALOG, default_timezone="UTC", clock=clock)
                for db in dbs
            ]
        finally:
            for db in dbs:
                await db.close()


@asynccontextmanager
async def _target(backend: str, folder: Path) -> AsyncIterator[str | Path]:
    if backend == "sqlite":
        yield folder / "waypoint.sqlite3"
        return
    async with postgres_schema() as url:
        yield url


async def _learners_at_risk(service: StudyServices, clock: Clock) -> set[tuple[int, int]]:
    """Every learner studied yesterday and asked for a 09:00 reminder: all due today."""
    clock.now = START
    for guild in GUILDS:
        for user in USERS:
            await service.plans.new_plan(
                guild, user, path="ml", background="beginner", hours_per_week=10
            )
            await service.checkins.checkin(guild, user, minutes=30, path="ml", module="basics")
            await service.community.set_reminder(guild, user, "09:00")
    clock.now = START.replace(day=3)
    return {(g, u) for g in GUILDS for u in USERS}


async def _one_pass(
    service: StudyServices, shard_ids: list[int] | None, shard_count: int | None
) -> list[DueReminder]:
    due = await service.community.due_reminders(shard_ids, shard_count)
    return await service.community.claim_reminders(due, shard_ids, shard_count)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_sharded_processes_claim_each_due_learner_once(
    backend: str, tmp_path: Path
) -> None:
    clock = Clock(START)
    async with _processes(backend, tmp_path, 2, clock) as (zero, one):
        everyone = await _learners_at_risk(zero, clock)
        # Overlapping passes in both processes, as a slow minute would give.
        passes = await asyncio.gather(
            _one_pass(zero, [0], 2),
            _one_pass(one, [1], 2),
            _one_pass(zero, [0], 2),
            _one_pass(one, [1], 2),
        )
        by_zero = [(d.scope, d.user_id) for d in passes[0] + passes[2]]
        by_one = [(d.scope, d.user_id) for d in passes[1] + passes[3]]
        assert sorted(by_zero + by_one) == sorted(everyone)  # each once, none missed
        assert by_zero
        assert by_one
        assert all((g >> 22) % 2 == 0 for g, _ in by_zero)
        assert all((g >> 22) % 2 == 1 for g, _ in by_one)
        assert {d.local_date for d in passes[0] + passes[1]} == {date(2026, 3, 3)}
        # The next minute nobody is due any more; the next day everyone is again.
        assert await _one_pass(zero, [0], 2) == []
        assert await _one_pass(one, None, None) == []
        clock.now = START.replace(day=4)
        assert len(await _one_pass(one, None, None)) == 0  # the streak ended at midnight
        await zero.checkins.checkin(GUILDS[0], 1, minutes=30, path="ml", module="basics")
        clock.now = START.replace(day=5)
        again = await _one_pass(zero, [0, 1], 2)
        assert [(d.scope, d.user_id, d.local_date) for d in again] == [
            (GUILDS[0], 1, date(2026, 3, 5))
        ]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_unsharded_processes_racing_still_send_each_reminder_once(
    backend: str, tmp_path: Path
) -> None:
    clock = Clock(START)
    async with _processes(backend, tmp_path, 3, clock) as stacks:
        everyone = await _learners_at_risk(stacks[0], clock)
        passes = await asyncio.gather(*(_one_pass(s, None, None) for s in stacks * 2))
        claimed = [(d.scope, d.user_id) for p in passes for d in p]
        assert sorted(claimed) == sorted(everyone)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_process_never_claims_another_shards_learner(backend: str, tmp_path: Path) -> None:
    clock = Clock(START)
    async with _processes(backend, tmp_path, 1, clock) as (only,):
        await _learners_at_risk(only, clock)
        every_due = await only.community.due_reminders()
        # A stale list handed to the claim: the shard rule is checked in the statement too.
        claimed = await only.community.claim_reminders(every_due, [1], 2)
        assert claimed
        assert all((d.scope >> 22) % 2 == 1 for d in claimed)
        assert len(claimed) < len(every_due)
        assert await only.community.claim_reminders(every_due, [], 2) == []

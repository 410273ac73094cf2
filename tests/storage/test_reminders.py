"""Reminders with several processes on one database: each process sees its own shards'
learners, and a learner's reminder for a day is claimed exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.study import StudyRepository
from tests.storage.backends import BACKENDS, postgres_schema

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Guild ids spread over shards the way Discord's are: the shard is (guild_id >> 22) % count.
GUILDS = [(1_100_000_000_000_000_000 + n * 7_919_000_003) for n in range(25)]


@asynccontextmanager
async def _two_processes(backend: str, folder: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two independent handles (own connections, as two processes have) on one database."""
    if backend == "sqlite":
        target: str | Path = folder / "waypoint.sqlite3"
        a = await Database.open(target)
        b = await Database.open(target)
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()
        return
    async with postgres_schema() as url:
        a = await Database.open(url)
        b = await Database.open(url)
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()


async def _learners(db: Database) -> list[tuple[int, int]]:
    repo = StudyRepository(db)
    made = []
    async with db.transaction():
        for guild in GUILDS:
            for user in (1, 2, 3, 4):
                await repo.ensure_learner(guild, user, NOW)
                await repo.set_reminder(guild, user, "19:30")
                made.append((guild, user))
    return made


@pytest.mark.parametrize("backend", BACKENDS)
async def test_each_process_sees_only_its_own_shards(backend: str, tmp_path: Path) -> None:
    async with _two_processes(backend, tmp_path) as (a, b):
        made = await _learners(a)
        first = await StudyRepository(a).learners_with_reminders(shard_ids=[0], shard_count=2)
        second = await StudyRepository(b).learners_with_reminders(shard_ids=[1], shard_count=2)
        ones = {(x.scope, x.user_id) for x in first}
        twos = {(x.scope, x.user_id) for x in second}
        assert ones
        assert twos
        assert not ones & twos
        assert ones | twos == set(made)
        assert all((g >> 22) % 2 == 0 for g, _ in ones)
        assert await StudyRepository(a).learners_with_reminders(shard_ids=[], shard_count=2) == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_reminder_is_claimed_once_when_processes_race(backend: str, tmp_path: Path) -> None:
    async with _two_processes(backend, tmp_path) as (a, b):
        made = await _learners(a)
        today = date(2026, 3, 2)

        async def claim_all(db: Database) -> list[tuple[int, int]]:
            repo = StudyRepository(db)
            due = await repo.learners_with_reminders()
            won = await asyncio.gather(
                *(repo.mark_reminded(x.scope, x.user_id, today) for x in due)
            )
            return [(x.scope, x.user_id) for x, ok in zip(due, won, strict=True) if ok]

        claims = await asyncio.gather(claim_all(a), claim_all(b), claim_all(a), claim_all(b))
        every = [c for claimed in claims for c in claimed]
        assert sorted(every) == sorted(made)  # each learner once, none missed

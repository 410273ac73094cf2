"""Change notices between processes sharing a database: a guild's answer channels changed in
one process reach the others' caches (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.guild_config import GuildConfigRepository
from tests.storage.backends import BACKENDS, needs_postgres, open_test_database, postgres_schema

GUILD = 1_180_000_000_000_000_123
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Heard:
    """What a listener was told, with a way to wait for the next notice."""

    def __init__(self) -> None:
        self.notices: list[int | None] = []
        self._new = asyncio.Event()

    def __call__(self, guild_id: int | None) -> None:
        self.notices.append(guild_id)
        self._new.set()

    async def next(self, within: float = 2.0) -> int | None:
        async with asyncio.timeout(within):
            while not self.notices:
                self._new.clear()
                await self._new.wait()
        return self.notices.pop(0)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_change_is_announced_to_this_process(backend: str, tmp_path: Path) -> None:
    async with open_test_database(backend, tmp_path) as db:
        repo = GuildConfigRepository(db)
        heard = Heard()
        await repo.on_answer_channels_changed(heard)
        await repo.toggle_answer_channel(GUILD, 5, 7, NOW)
        assert await heard.next() == GUILD


async def _pair(url: str) -> tuple[Database, Database]:
    return await Database.open(url), await Database.open(url)


@needs_postgres
async def test_a_change_in_one_process_reaches_the_other_on_commit_only() -> None:
    async with postgres_schema() as url:
        mine, theirs = await _pair(url)
        try:
            heard = Heard()
            await GuildConfigRepository(mine).on_answer_channels_changed(heard)
            other = GuildConfigRepository(theirs)

            async def change_then_fail() -> None:
                async with theirs.transaction():
                    await other.toggle_answer_channel(GUILD, 5, 7, NOW)
                    raise RuntimeError("rolled back")

            with pytest.raises(RuntimeError):
                await change_then_fail()
            await other.toggle_answer_channel(GUILD, 6, 7, NOW)
            assert await heard.next() == GUILD
            assert heard.notices == []  # the rolled-back change was never announced
            assert await GuildConfigRepository(mine).answer_channels(GUILD) == frozenset({6})
        finally:
            await mine.close()
            await theirs.close()


@needs_postgres
async def test_after_a_lost_connection_everything_is_reread_and_notices_resume() -> None:
    async with postgres_schema() as url:
        mine, theirs = await _pair(url)
        try:
            heard = Heard()
            await GuildConfigRepository(mine).on_answer_channels_changed(heard)
            # The server ends the listening session (a restart, a network cut).
            await theirs.fetch_value(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
            assert await heard.next() is None  # "anything may have changed"
            assert await heard.next(within=10) is None  # listening again
            await GuildConfigRepository(theirs).toggle_answer_channel(GUILD, 5, 7, NOW)
            assert await heard.next() == GUILD
        finally:
            await mine.close()
            await theirs.close()

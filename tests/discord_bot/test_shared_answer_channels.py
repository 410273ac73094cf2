"""Two bot processes on one PostgreSQL: an answer channel added through one is answered by the
other too, although each keeps the guild's channels cached in memory."""

from __future__ import annotations

import asyncio

from bot.qa.service import QuestionService
from bot.storage.db import Database
from bot.study.service import StudyServices
from index.search import KnowledgeBase
from tests.discord_bot.conftest import SESSION_LOOP
from tests.storage.backends import needs_postgres, postgres_schema

pytestmark = [SESSION_LOOP, needs_postgres]
GUILD = 1_180_000_000_000_000_123


async def _within_two_seconds(service: QuestionService, expected: frozenset[int]) -> bool:
    for _ in range(100):
        if await service.answer_channels(GUILD) == expected:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_channel_added_in_one_process_is_seen_by_the_other(
    knowledge: KnowledgeBase,
) -> None:
    async with postgres_schema() as url:
        dbs = [await Database.open(url), await Database.open(url)]
        try:
            first, second = (
                QuestionService(
                    knowledge, db, StudyServices.build(db, lambda: knowledge.catalog).plans
                )
                for db in dbs
            )
            assert await second.answer_channels(GUILD) == frozenset()  # now cached there
            await first.toggle_answer_channel(GUILD, 55, by=7)
            assert await _within_two_seconds(second, frozenset({55}))
            await first.toggle_answer_channel(GUILD, 55, by=7)
            assert await _within_two_seconds(second, frozenset())
        finally:
            for db in dbs:
                await db.close()

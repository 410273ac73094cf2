"""Per-learner write locks on PostgreSQL: two learners' check-in transactions run side by
side, one learner's wait for each other, and every other transaction still runs alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.storage.db import Database
from tests.storage.backends import needs_postgres, postgres_schema

pytestmark = needs_postgres

ALICE, BOB = (111, 1), (111, 2)


@pytest_asyncio.fixture
async def two() -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' handles on one database."""
    async with postgres_schema() as url:
        a, b = await Database.open(url), await Database.open(url)
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()


async def _finishes(coro: asyncio.Future[None] | asyncio.Task[None], within: float) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(coro), within)
    except TimeoutError:
        return False
    return True


async def test_learners_write_in_parallel_and_everything_else_waits(
    two: tuple[Database, Database],
) -> None:
    a, b = two
    release = asyncio.Event()
    holding = asyncio.Event()

    async def hold_alice() -> None:
        async with a.transaction(learner=ALICE):
            holding.set()
            await release.wait()

    async def just(db: Database, learner: tuple[int, int] | None) -> None:
        async with db.transaction(learner=learner):
            await db.fetch_value("SELECT 1")

    held = asyncio.create_task(hold_alice())
    await holding.wait()
    assert await _finishes(asyncio.create_task(just(b, BOB)), 2.0)  # another learner: no wait
    same_learner = asyncio.create_task(just(b, ALICE))
    everything = asyncio.create_task(just(b, None))
    assert not await _finishes(same_learner, 0.3)
    assert not await _finishes(everything, 0.3)
    release.set()
    await held
    assert await _finishes(same_learner, 2.0)
    assert await _finishes(everything, 2.0)


async def test_a_whole_database_transaction_holds_off_every_learner(
    two: tuple[Database, Database],
) -> None:
    a, b = two
    release = asyncio.Event()
    holding = asyncio.Event()

    async def hold_all() -> None:
        async with a.transaction():
            holding.set()
            await release.wait()

    async def bob() -> None:
        async with b.transaction(learner=BOB):
            await b.fetch_value("SELECT 1")

    held = asyncio.create_task(hold_all())
    await holding.wait()
    waiting = asyncio.create_task(bob())
    assert not await _finishes(waiting, 0.3)
    release.set()
    await held
    assert await _finishes(waiting, 2.0)

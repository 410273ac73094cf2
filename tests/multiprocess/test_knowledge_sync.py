"""`/kb reload` past one process: a reload in one process reaches every process sharing the
PostgreSQL database (a notice, or the slow poll when the notice was missed), two reloads never
race, and the reload says how many running processes switched. On SQLite nothing changes."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.admin.service import KnowledgeSync
from bot.app import open_knowledge
from bot.config import Settings
from bot.storage.db import Database
from bot.storage.knowledge_state import KnowledgeStateRepository
from index.search import KnowledgeBase
from tests.conftest import FIXTURE_KNOWLEDGE, SESSION_LOOP
from tests.storage.backends import needs_postgres, postgres_schema

pytestmark = SESSION_LOOP

NEW_ARTICLE = """---
title: What is a learning curve plateau?
tags: [training]
---

## Plateaus

A zorblax plateau is when the validation loss of a model stays flat for many epochs while
the learning rate is still high; lowering the learning rate usually ends the plateau.
"""


@dataclass
class Process:
    """What one bot process holds for this: its own knowledge base, connections and sync."""

    knowledge: KnowledgeBase
    db: Database
    sync: KnowledgeSync


@pytest.fixture
def folder(tmp_path: Path, onnx_models: Path) -> Path:
    """Knowledge folders the processes share (as a mounted volume would be)."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, target)
    return target


@pytest_asyncio.fixture(loop_scope="session")
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as exits:
        yield exits


async def _process(
    exits: AsyncExitStack, target: str | Path, folder: Path, data: Path, **sync_options: float
) -> Process:
    knowledge = await open_knowledge(Settings(knowledge=[folder], data_dir=data))
    exits.push_async_callback(knowledge.close)
    db = await Database.open(target)
    exits.push_async_callback(db.close)
    sync = KnowledgeSync(knowledge, db, **sync_options)
    exits.push_async_callback(sync.close)
    await sync.start()
    return Process(knowledge, db, sync)


async def knows_the_new_article(knowledge: KnowledgeBase) -> bool:
    """Whether `knowledge` finds NEW_ARTICLE for the question it answers."""
    hits = await knowledge.search("What is a zorblax plateau?", top_k=3)
    return any("zorblax" in hit.chunk.text for hit in hits)


async def within(seconds: float, knowledge: KnowledgeBase) -> float | None:
    """Seconds until `knowledge` answers from the new article, or None if not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await knows_the_new_article(knowledge):
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    return None


@needs_postgres
async def test_a_reload_in_one_process_reaches_the_other_within_two_seconds(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    first = await _process(stack, url, folder, tmp_path / "a")
    second = await _process(stack, url, folder, tmp_path / "b")
    assert not await knows_the_new_article(second.knowledge)
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")

    started = time.monotonic()
    synced = await first.sync.reload()
    assert synced.report.ok
    assert synced.report.documents_added == 1
    # The reply waits for the switch (5 s at most): when it says 2 of 2, both answer anew.
    assert synced.switched == (2, 2)
    print(f"reload published and switched in both processes: {time.monotonic() - started:.2f} s")
    assert await knows_the_new_article(first.knowledge)
    assert await knows_the_new_article(second.knowledge)
    assert (first.sync.serving, second.sync.serving) == (1, 1)


@needs_postgres
async def test_a_missed_notice_is_caught_up_by_the_slow_poll(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    second = await _process(stack, url, folder, tmp_path / "b", poll_seconds=0.3)
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    # Another process reloaded while this one's listener was away: the generation moved and
    # no notice will ever arrive.
    other = await stack.enter_async_context(_bare(url))
    async with other.transaction():
        await KnowledgeStateRepository(other).bump(datetime.now(UTC))
    assert await within(5.0, second.knowledge) is not None
    assert second.sync.serving == 1


@needs_postgres
async def test_two_reloads_at_once_both_succeed_one_after_the_other(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    first = await _process(stack, url, folder, tmp_path / "a")
    second = await _process(stack, url, folder, tmp_path / "b")
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    one, two = await asyncio.gather(first.sync.reload(), second.sync.reload())
    assert one.report.ok
    assert two.report.ok
    # Each process indexes its own folders: both saw the new article once, in turn.
    assert one.report.documents_added == two.report.documents_added == 1
    repo = KnowledgeStateRepository(first.db)
    assert await repo.generation() == 2
    assert (first.sync.serving, second.sync.serving) == (2, 2)
    assert one.switched == two.switched == (2, 2)


@needs_postgres
async def test_the_reply_counts_only_running_processes_and_says_who_lags(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    first = await _process(stack, url, folder, tmp_path / "a", switch_wait_seconds=0.5)
    repo = KnowledgeStateRepository(first.db)
    now = datetime.now(UTC)
    await repo.acknowledge("killed-long-ago", 0, now - timedelta(hours=1))  # no heartbeat
    await repo.acknowledge("stuck", 0, now + timedelta(minutes=5))  # alive, never switches
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    synced = await first.sync.reload()
    assert synced.switched == (1, 2)


@needs_postgres
async def test_a_failed_reload_publishes_nothing(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    first = await _process(stack, url, folder, tmp_path / "a")
    (folder / "articles" / "broken.md").write_text("---\ntitle: [x\n---\n\nText\n", "utf-8")
    synced = await first.sync.reload()
    assert not synced.report.ok
    assert synced.switched is None
    assert await KnowledgeStateRepository(first.db).generation() == 0


async def test_on_sqlite_a_reload_is_the_plain_reload(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    only = await _process(stack, tmp_path / "waypoint.sqlite3", folder, tmp_path / "a")
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    synced = await only.sync.reload()
    assert synced.report.documents_added == 1
    assert synced.switched is None
    assert await knows_the_new_article(only.knowledge)
    assert await only.db.fetch_value("SELECT count(*) FROM knowledge_processes") == 0


def _bare(url: str) -> _OpenDatabase:
    return _OpenDatabase(url)


class _OpenDatabase:
    """`async with` a plain Database handle (another process's)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._db: Database | None = None

    async def __aenter__(self) -> Database:
        self._db = await Database.open(self._url)
        return self._db

    async def __aexit__(self, *exc: object) -> None:
        assert self._db is not None
        await self._db.close()


async def test_the_reply_says_how_many_processes_switched() -> None:
    from bot.discord.embeds import reload_embed
    from index.documents import ReloadReport

    report = ReloadReport(True, documents_added=1, chunks_added=2)
    fields = {f.name: f.value for f in reload_embed(report, switched=(2, 2)).fields}
    assert fields["Processes"] == "2 of 2 running processes switched"
    lagging = {f.name: f.value for f in reload_embed(report, switched=(1, 3)).fields}
    assert lagging["Processes"].startswith("1 of 3 running processes switched so far")
    alone = {f.name for f in reload_embed(report).fields}
    assert "Processes" not in alone

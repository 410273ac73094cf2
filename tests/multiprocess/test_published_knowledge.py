"""One knowledge base for every process: a process with knowledge folders publishes its index
to PostgreSQL, and a process without folders (WAYPOINT_KNOWLEDGE_SOURCE=database) downloads
it, answers from it, and swaps in each new generation; a damaged download changes nothing."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from bot.admin.service import NO_BUILDER, KnowledgeSync
from bot.app import Services, index_config, open_services
from bot.config import Settings
from bot.errors import ConfigError, InvalidInput
from bot.storage.db import Database
from bot.storage.knowledge_files import PART_BYTES, KnowledgeFilesRepository, PublishedDamaged
from index.saved import SavedKnowledgeBase
from index.search import KnowledgeBase
from tests.conftest import FIXTURE_KNOWLEDGE, SESSION_LOOP
from tests.discord_study.conftest import STUDY_KNOWLEDGE
from tests.multiprocess.test_knowledge_sync import NEW_ARTICLE, knows_the_new_article, within
from tests.storage.backends import needs_postgres, open_test_database, postgres_schema

pytestmark = SESSION_LOOP


@pytest.fixture
def folder(tmp_path: Path, onnx_models: Path) -> Path:
    """The builder's knowledge folder: articles, and roadmaps for the catalog."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, target)
    shutil.copytree(STUDY_KNOWLEDGE / "paths", target / "paths")
    return target


@pytest_asyncio.fixture(loop_scope="session")
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as exits:
        yield exits


async def _bot(exits: AsyncExitStack, url: str, data: Path, **settings: object) -> Services:
    """A bot process's services, following the other processes (as `register` starts them)."""
    services = await open_services(Settings(data_dir=data, database_url=url, **settings))
    exits.push_async_callback(services.close)
    assert services.knowledge_sync is not None
    await services.knowledge_sync.start()
    return services


async def _builder(exits: AsyncExitStack, url: str, folder: Path, data: Path) -> Services:
    return await _bot(exits, url, data, knowledge=[folder])


async def _reader(exits: AsyncExitStack, url: str, data: Path) -> Services:
    return await _bot(exits, url, data, knowledge_source="database")


def _sync(services: Services) -> KnowledgeSync:
    assert services.knowledge_sync is not None
    return services.knowledge_sync


def _kb(services: Services) -> KnowledgeBase:
    assert services.knowledge is not None
    return services.knowledge


async def _builder_and_reader(
    stack: AsyncExitStack, url: str, folder: Path, tmp_path: Path
) -> tuple[Services, Services]:
    """A running process with folders, then a running reader."""
    builder = await _builder(stack, url, folder, tmp_path / "a")
    return builder, await _reader(stack, url, tmp_path / "b")


@needs_postgres
async def test_a_reader_serves_the_published_index_when_the_folders_are_gone(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    async with AsyncExitStack() as builder_only:
        builder = await _builder(builder_only, url, folder, tmp_path / "a")
        assert builder.knowledge is not None
        expected = await builder.knowledge.ask("How do I fix overfitting?")
    shutil.rmtree(folder)  # the reader never had them; now nobody has them

    reader = await _reader(stack, url, tmp_path / "b")
    assert isinstance(reader.knowledge, SavedKnowledgeBase)
    answer = await reader.knowledge.ask("How do I fix overfitting?")
    assert answer.answered
    assert answer.passages == expected.passages
    assert answer.confidence == pytest.approx(expected.confidence)
    # Roadmaps come from the published catalog, not from folders.
    assert set(reader.knowledge.catalog.roadmaps) == {"data-basics", "practical-ml"}
    assert reader.knowledge.status().knowledge_dirs == ()


@needs_postgres
async def test_a_reload_reaches_a_reader_within_two_seconds_and_the_reply_counts_it(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    builder, reader = await _builder_and_reader(stack, url, folder, tmp_path)
    assert not await knows_the_new_article(_kb(reader))
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")

    started = time.monotonic()
    synced = await _sync(builder).reload()
    assert synced.report.documents_added == 1
    assert synced.switched == (2, 2)
    took = time.monotonic() - started
    print(f"reload published and swapped in by a folder-less reader: {took:.2f} s")
    assert took <= 2.0
    assert await knows_the_new_article(_kb(reader))
    assert _sync(reader).serving == _sync(builder).serving == 1  # 0: published at start


@needs_postgres
async def test_only_the_last_two_generations_are_kept_in_the_database_and_on_disk(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    builder, reader = await _builder_and_reader(stack, url, folder, tmp_path)
    for n in range(3):
        extra = f"---\ntitle: Extra {n}\n---\n\n## Part\n\nText number {n}.\n"
        (folder / "articles" / f"extra{n}.md").write_text(extra, "utf-8")
        assert (await _sync(builder).reload()).switched == (2, 2)
    rows = await builder.db.fetch_all("SELECT DISTINCT generation FROM knowledge_files")
    assert sorted(r[0] for r in rows) == [2, 3]
    parts = await builder.db.fetch_all("SELECT DISTINCT generation FROM knowledge_file_parts")
    assert sorted(r[0] for r in parts) == [2, 3]
    downloaded = sorted(p.name.split("-")[0] for p in (tmp_path / "b/index/published").iterdir())
    assert downloaded == ["g2", "g3"]
    assert reader.knowledge is not None
    assert builder.knowledge is not None
    assert "0:articles/extra2.md" in reader.knowledge.snapshot.documents
    assert reader.knowledge.snapshot.documents == builder.knowledge.snapshot.documents


@needs_postgres
async def test_a_damaged_download_keeps_the_previous_index_answering(
    folder: Path, tmp_path: Path, stack: AsyncExitStack, caplog: pytest.LogCaptureFixture
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    builder = await _builder(stack, url, folder, tmp_path / "a")
    # A reader that follows only when told to (its follower is not started).
    db = await Database.open(url)
    stack.push_async_callback(db.close)
    settings = Settings(data_dir=tmp_path / "b", database_url=url, knowledge_source="database")
    config = replace(index_config(settings), knowledge_dirs=())
    reader = await KnowledgeSync.open_reader(config, db, tmp_path / "b" / "published")
    stack.push_async_callback(reader.knowledge.close)
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert (await _sync(builder).reload()).report.ok
    await db.execute("UPDATE knowledge_file_parts SET data = ? WHERE generation = 1", (b"x",))

    with caplog.at_level("WARNING"):
        await reader.catch_up()
    assert reader.serving == 0
    assert "knowledge generation 1 not loaded here" in caplog.text
    assert "corrupt download" in caplog.text
    assert (await reader.knowledge.ask("How do I fix overfitting?")).answered
    assert not await knows_the_new_article(reader.knowledge)
    # Nothing half-downloaded is left behind.
    assert [p.name[:3] for p in (tmp_path / "b" / "published").iterdir()] == ["g0-"]


@needs_postgres
async def test_kb_reload_in_a_reader_asks_a_process_with_folders_and_shows_its_report(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    _, reader = await _builder_and_reader(stack, url, folder, tmp_path)
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    synced = await _sync(reader).reload()
    assert synced.report.documents_added == 1
    assert synced.switched == (2, 2)
    assert await knows_the_new_article(_kb(reader))
    (folder / "articles" / "broken.md").write_text("---\ntitle: [x\n---\n\nText\n", "utf-8")
    failed = await _sync(reader).reload()
    assert not failed.report.ok
    assert "broken.md" in str(failed.report.errors[0].file)


@needs_postgres
async def test_kb_reload_in_a_reader_with_no_process_with_folders_says_what_to_do(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    async with AsyncExitStack() as builder_only:
        await _builder(builder_only, url, folder, tmp_path / "a")
    reader = await _reader(stack, url, tmp_path / "b")
    _sync(reader).claim_wait_seconds = 0.5
    with pytest.raises(InvalidInput) as refused:
        await _sync(reader).reload()
    assert refused.value.user_message == NO_BUILDER
    assert await reader.db.fetch_value("SELECT count(*) FROM knowledge_reload_requests") == 0


@needs_postgres
async def test_a_reader_with_nothing_published_says_what_to_start(
    tmp_path: Path, stack: AsyncExitStack, onnx_models: Path
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    db = await Database.open(url)
    stack.push_async_callback(db.close)
    settings = Settings(data_dir=tmp_path, database_url=url, knowledge_source="database")
    with pytest.raises(ConfigError, match="No knowledge base is published"):
        await KnowledgeSync.open_reader(index_config(settings), db, tmp_path, wait_seconds=0)


async def test_reader_mode_needs_a_shared_database() -> None:
    with pytest.raises(ConfigError, match="WAYPOINT_KNOWLEDGE_SOURCE=database needs"):
        Settings.from_env(knowledge_source="database")


async def test_files_are_stored_in_1_mb_parts_and_checked_on_download(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (PART_BYTES * 5 // 2 // 256 + 1))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    async with open_test_database("sqlite", tmp_path) as db:
        files = KnowledgeFilesRepository(db)
        staged = await files.stage(1, [("index/big.bin", big), ("index/empty", empty)])
        assert [f.parts for f in staged] == [3, 1]
        assert not await files.has_files(1)  # staged, not listed: readers see nothing yet
        await files.record(1, staged)
        await files.download(1, tmp_path / "out")
        copy = (tmp_path / "out" / "index" / "big.bin").read_bytes()
        assert hashlib.sha256(copy).digest() == hashlib.sha256(big.read_bytes()).digest()
        assert (tmp_path / "out" / "index" / "empty").read_bytes() == b""
        await db.execute("UPDATE knowledge_file_parts SET data = ? WHERE part = 1", (b"x",))
        with pytest.raises(PublishedDamaged, match="corrupt download"):
            await files.download(1, tmp_path / "again")


async def test_a_published_name_cannot_leave_the_download_folder(tmp_path: Path) -> None:
    async with open_test_database("sqlite", tmp_path) as db:
        await db.execute(
            "INSERT INTO knowledge_files (generation, name, size, digest, parts)"
            " VALUES (1, '../../etc/evil', 0, '', 1)"
        )
        with pytest.raises(PublishedDamaged, match="not a plain relative path"):
            await KnowledgeFilesRepository(db).download(1, tmp_path / "out")
    assert not (tmp_path.parent.parent / "etc" / "evil").exists()


async def _waypoint(*argv: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the `waypoint` command line as its own process; (exit status, stdout + stderr)."""
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).with_name("waypoint"),
        *argv,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode is not None
    return process.returncode, out.decode()


@needs_postgres
async def test_index_reload_in_the_terminal_publishes_and_says_how_many_switched(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    _, reader = await _builder_and_reader(stack, url, folder, tmp_path)
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    env = {"WAYPOINT_DATABASE_URL": url}
    # Where the folders are: beside the bot that builds from them, on its data directory.
    status, out = await _waypoint(
        "index", "reload", "--knowledge", str(folder), "--data-dir", str(tmp_path / "a"), env=env
    )
    assert status == 0, out
    assert "documents +1" in out
    assert "Published knowledge generation 1: 2 of 2 running processes switched." in out
    assert await knows_the_new_article(_kb(reader))

    # In a terminal without folders, the reload is asked of a running process with folders.
    (folder / "articles" / "more.md").write_text(NEW_ARTICLE.replace("zorblax", "quuxly"), "utf-8")
    status, out = await _waypoint(
        "index", "reload", "--data-dir", str(tmp_path / "cli-reader"),
        env={**env, "WAYPOINT_KNOWLEDGE_SOURCE": "database"},
    )  # fmt: skip
    assert status == 0, out
    assert "Published knowledge generation 2: 2 of 2 running processes switched." in out


@needs_postgres
async def test_a_reader_whose_connection_dropped_catches_up_after_reconnecting(
    folder: Path, tmp_path: Path, stack: AsyncExitStack
) -> None:
    url = await stack.enter_async_context(postgres_schema())
    builder, reader = await _builder_and_reader(stack, url, folder, tmp_path)
    # The server drops every listening connection (a network cut, a failover): a notice sent
    # meanwhile is lost, so the reader re-reads the generation once it is back.
    dropped = await builder.db.fetch_value(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%') AS t"
    )
    assert dropped >= 2  # the builder's and the reader's
    (folder / "articles" / "plateau.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert (await _sync(builder).reload()).report.ok
    assert await within(10.0, _kb(reader)) is not None
    assert _sync(reader).serving == 1

"""Running Waypoint past one process: moving a single-process deployment's SQLite file into
the PostgreSQL database several processes share (`waypoint db import`), and keeping every
process on the same knowledge base (`KnowledgeSync`, behind `/kb reload`)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.admin.published import Downloads, report_from_json, report_to_json, stage_index
from bot.errors import ConfigError, InvalidInput, StorageError, WaypointError
from bot.storage.db import Database, is_postgres_url
from bot.storage.knowledge_files import KnowledgeFilesRepository, PublishedDamaged
from bot.storage.knowledge_state import (
    KNOWLEDGE_LOCK,
    KnowledgeStateRepository,
    ReloadRequestsRepository,
)
from bot.storage.transfer import Copied, copy_database
from index.documents import ReloadReport
from index.problems import Problem

if TYPE_CHECKING:
    from index.search import IndexConfig, KnowledgeBase

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def import_sqlite(source: Path, target: Path | str) -> Copied:
    """Copy every row of the SQLite file `source` into the empty PostgreSQL database `target`
    (ids renumbered); the source is brought to the current schema first and otherwise left as
    it was."""
    if not is_postgres_url(target):
        raise InvalidInput(
            "Set WAYPOINT_DATABASE_URL to the PostgreSQL database to import into "
            "(postgresql://user:password@host:port/database)."
        )
    if not await asyncio.to_thread(source.is_file):
        raise InvalidInput(f"{source} is not an SQLite file to import.")
    old = await Database.open(source)
    try:
        new = await Database.open(target)
        try:
            copied = await copy_database(old, new)
        finally:
            await new.close()
    finally:
        await old.close()
    log.info("imported %s into %s: %s", source, new.where, copied)
    return copied


# How often a process re-reads the generation and says it is alive. A NOTIFY is not replayed to
# a listener that was away, so this poll (and the re-read after a reconnect) is what catches up.
POLL_SECONDS = 30.0
# A process not heard from for this many polls is taken for dead (killed without a goodbye).
ALIVE_POLLS = 3
# How long `/kb reload` waits for the other processes to switch before it replies.
SWITCH_WAIT_SECONDS = 5.0
# `/kb reload` in a process without folders: how long it waits for a process with folders to
# take the request, then for that process's reload to finish.
CLAIM_WAIT_SECONDS = 5.0
ANSWER_WAIT_SECONDS = 120.0
CHANNEL = "waypoint_knowledge"
REQUESTS = "waypoint_knowledge_reload"
NO_BUILDER = (
    "This process serves the knowledge base published in the database and no process with "
    "knowledge folders answered: run `waypoint index reload` where the folders are, or start "
    "a bot with WAYPOINT_KNOWLEDGE_SOURCE=folders."
)


@dataclass(frozen=True)
class SyncedReload:
    """A reload's report and, with several processes, how many serve the new generation."""

    report: ReloadReport
    # (processes switched, processes running), or None when only this process is concerned
    # (SQLite, or a reload that failed and so changed nothing anywhere).
    switched: tuple[int, int] | None = None
    generation: int | None = None  # the generation published, when one was


class KnowledgeSync:
    """Keeps every process sharing a PostgreSQL database on the same knowledge base.

    A process with knowledge folders (a builder) reloads under an advisory lock (two reloads
    never race), publishes the saved index to the database for the new generation, bumps the
    generation and NOTIFYs, all visible in one commit. Other builders re-read their own folders
    when the generation moves; a reader (`downloads` given: no folders) downloads the published
    generation and swaps it in. Either catches up on a notice, a listener reconnect or the slow
    poll, and records the generation it serves, which is how a reload counts who switched.
    `/kb reload` in a reader asks a builder through the database and shows its answer.
    On SQLite (one process) a reload is just `KnowledgeBase.reload()`.
    """

    def __init__(
        self,
        knowledge: KnowledgeBase,
        db: Database,
        *,
        poll_seconds: float = POLL_SECONDS,
        switch_wait_seconds: float = SWITCH_WAIT_SECONDS,
        clock: Callable[[], datetime] = _utc_now,
        downloads: Downloads | None = None,
        serving: int = 0,
    ) -> None:
        self.knowledge = knowledge
        self._db = db
        self._repo = KnowledgeStateRepository(db)
        self._files = KnowledgeFilesRepository(db)
        self._requests = ReloadRequestsRepository(db)
        self._poll_seconds = poll_seconds
        self._switch_wait = switch_wait_seconds
        self.claim_wait_seconds = CLAIM_WAIT_SECONDS
        self._clock = clock
        self._downloads = downloads
        self.process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.serving = serving  # the generation this process's knowledge base holds
        self._shared = db.dialect == "postgresql"
        self._started = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._wanted = asyncio.Event()  # set when the generation may have moved
        self._previous: tuple[int, ...] = ()  # a reader's generation before the current one

    @property
    def reader(self) -> bool:
        """True when this process has no knowledge folders and serves what was published."""
        return self._downloads is not None

    @classmethod
    async def open_reader(
        cls, config: IndexConfig, db: Database, root: Path, *, wait_seconds: float = 120.0
    ) -> KnowledgeSync:
        """Download the published knowledge base into `root` and open it (reader mode).

        Waits up to `wait_seconds` for a first publication (processes starting together);
        then one sentence saying what to do."""
        from index.saved import SavedIndexError, SavedKnowledgeBase

        repo, files = KnowledgeStateRepository(db), KnowledgeFilesRepository(db)
        deadline = time.monotonic() + wait_seconds
        generation = await repo.generation()
        if not await files.has_files(generation):
            log.info("waiting for a process with knowledge folders to publish the index")
        while not await files.has_files(generation):
            if time.monotonic() >= deadline:
                raise ConfigError(
                    "No knowledge base is published in the database yet: start a process "
                    "with knowledge folders (WAYPOINT_KNOWLEDGE_SOURCE=folders) or run "
                    "`waypoint index reload` where the folders are."
                )
            await asyncio.sleep(1.0)
            generation = await repo.generation()
        downloads = Downloads(root)
        for attempt in range(3):
            try:
                folder = await downloads.fetch(db, generation)
                break
            except PublishedDamaged:
                # Two newer generations were published meanwhile (this one was dropped).
                if attempt == 2:
                    raise
                generation = await repo.generation()
        try:
            knowledge = await SavedKnowledgeBase.open_folder(config, folder)
        except SavedIndexError as exc:
            raise ConfigError(f"The published knowledge base cannot be served: {exc}.") from exc
        await downloads.keep({generation})
        log.info("serving knowledge generation %d published in the database", generation)
        return cls(knowledge, db, downloads=downloads, serving=generation)

    async def start(self) -> None:
        """Follow reloads made by other processes (PostgreSQL; nothing to do on SQLite).

        A builder's knowledge base was just opened from its folders: it serves the current
        generation, and publishes it when nothing is published yet (or its folders changed
        since); a reader serves the generation it downloaded."""
        if self._started or not self._shared:
            return
        self._started = True
        if not self.reader:
            try:
                self.serving = await self._publish_at_start()
            except (WaypointError, OSError) as exc:
                # This process still serves its own folders; readers keep what they have.
                self.serving = await self._repo.generation()
                log.warning("could not publish the knowledge index: %s", exc)
            await self._db.listen(REQUESTS, self._on_request)
        await self._repo.acknowledge(self.process, self.serving, self._clock())
        await self._db.listen(CHANNEL, self._on_notice)
        self._poller = asyncio.get_running_loop().create_task(self._follow())

    async def close(self) -> None:
        """Stop following and drop this process from the running ones; safe to call twice."""
        if not self._started:
            return
        self._started = False
        for task in [*self._tasks, *([self._poller] if self._poller else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self._repo.forget(self.process)
        except WaypointError as exc:  # the database is gone: the heartbeat ages out instead
            log.warning("could not unregister process %s: %s", self.process, exc)

    async def reload(self) -> SyncedReload:
        """Reload the knowledge base here and, when it worked, in every other process."""
        if not self._shared:
            return SyncedReload(await self.knowledge.reload())
        if self.reader:
            return await self._ask_a_builder()
        async with self._db.exclusive(KNOWLEDGE_LOCK):
            report = await self.knowledge.reload()
            if not report.ok:
                return SyncedReload(report)
            generation = await self._publish(bump=True)
        return SyncedReload(report, await self._wait_for_switch(generation), generation)

    async def _publish_at_start(self) -> int:
        async with self._db.exclusive(KNOWLEDGE_LOCK):
            generation = await self._repo.generation()
            published = await self._files.has_files(generation)
            if published and await self._repo.fingerprint() == self._fingerprint():
                return generation
            # Nothing published yet, or this process's folders hold other knowledge.
            return await self._publish(bump=published)

    def _fingerprint(self) -> str:
        documents = sorted(self.knowledge.snapshot.documents.items())
        return hashlib.blake2b(repr(documents).encode(), digest_size=16).hexdigest()

    async def _publish(self, *, bump: bool) -> int:
        """Publish the saved index as the next generation (`bump`) or for the current one when
        it has none; call under KNOWLEDGE_LOCK. The files are staged first (a reader never
        reads a generation before it is current) so the write lock is held only to list them,
        bump and notify."""
        current = await self._repo.generation()
        target = current + 1 if bump else current
        await self._files.discard_after(current)  # left by a publisher that died mid-way
        if not bump:
            await self._files.discard_parts(current)
        staged = await stage_index(self._db, self.knowledge, target)
        async with self._db.transaction():
            if bump and await self._repo.bump(self._clock()) != target:
                raise StorageError("the knowledge generation moved during a publication")
            await self._files.record(target, staged)
            await self._repo.set_fingerprint(self._fingerprint())
            await self._files.keep_last(target)
            if self._started:
                await self._repo.acknowledge(self.process, target, self._clock())
            await self._db.notify(CHANNEL, str(target))
        self.serving = target
        size = sum(f.size for f in staged)
        log.info(
            "knowledge generation %d published (%d files, %d bytes)", target, len(staged), size
        )
        return target

    async def _ask_a_builder(self) -> SyncedReload:
        """`/kb reload` without folders: a builder claims the request and reloads; its report
        is shown here. One sentence when no builder takes it."""
        request = uuid.uuid4().hex
        await self._requests.ask(request, self._clock())
        await self._db.notify(REQUESTS, request)
        loop = asyncio.get_running_loop()
        claim_by = loop.time() + self.claim_wait_seconds
        answer_by = loop.time() + ANSWER_WAIT_SECONDS
        try:
            while True:
                claimed, answer = await self._requests.state(request)
                if answer is not None:
                    break
                if claimed is None and loop.time() >= claim_by:
                    raise InvalidInput(NO_BUILDER)
                if loop.time() >= answer_by:
                    raise InvalidInput(
                        f"The reload taken by {claimed} has not finished after "
                        f"{ANSWER_WAIT_SECONDS:.0f} s: see that process's log; this process "
                        "switches once the new knowledge is published."
                    )
                await asyncio.sleep(0.1)
        finally:
            await self._requests.forget(request)
        report, generation, _ = report_from_json(answer)
        if not report.ok:
            return SyncedReload(report)
        self._wanted.set()
        return SyncedReload(report, await self._wait_for_switch(generation), generation)

    def _on_request(self, payload: str | None) -> None:
        task = asyncio.get_running_loop().create_task(self._answer_requests())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_requests(self) -> None:
        """Reload for every open request of a reader that this process claims."""
        try:
            since = self._clock() - timedelta(seconds=ANSWER_WAIT_SECONDS)
            await self._requests.forget_before(since - timedelta(days=1))
            for request in await self._requests.open_requests(since):
                if not await self._requests.claim(request, self.process):
                    continue
                try:
                    synced = await self.reload()
                except WaypointError as exc:  # the database failed: the asker hears why
                    problem = Problem(self.knowledge.config.home, None, exc.user_message)
                    synced = SyncedReload(ReloadReport(False, errors=(problem,)))
                answer = report_to_json(synced.report, self.serving, synced.switched)
                await self._requests.answer(request, answer, self._clock())
        except Exception:
            log.exception("could not answer a reload request")

    async def _wait_for_switch(self, generation: int) -> tuple[int, int]:
        deadline = asyncio.get_running_loop().time() + self._switch_wait
        while True:
            switched = await self._repo.serving(generation, self._alive_since())
            if switched[0] >= switched[1] or asyncio.get_running_loop().time() >= deadline:
                return switched
            await asyncio.sleep(0.1)

    def _alive_since(self) -> datetime:
        return self._clock() - timedelta(seconds=self._poll_seconds * ALIVE_POLLS)

    def _on_notice(self, payload: str | None) -> None:
        # From the listener (payload: the new generation) or None after a reconnect: anything
        # may have changed, so the follower re-reads the generation either way.
        self._wanted.set()
        if payload is None and not self.reader:
            self._on_request(None)  # a reader's request may have been missed too

    async def _follow(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), self._poll_seconds)
            self._wanted.clear()
            try:
                await self.catch_up()
            except Exception:
                log.exception("could not follow the knowledge generation; retrying")

    async def catch_up(self) -> bool:
        """Switch to a newer generation another process published, then say which one this
        process serves (also its heartbeat). True when this process switched (or tried)."""
        switched = False
        if await self._repo.generation() > self.serving:
            switched = True
            if self._downloads is not None:
                await self._download_newer(self._downloads)
            else:
                await self._rebuild_newer()
        elif self._downloads is not None:
            await self._downloads.keep({self.serving, *self._previous})
        await self._repo.acknowledge(self.process, self.serving, self._clock())
        return switched

    async def _download_newer(self, downloads: Downloads) -> None:
        from index.saved import SavedIndexError, SavedKnowledgeBase

        assert isinstance(self.knowledge, SavedKnowledgeBase)
        generation = await self._repo.generation()
        try:
            folder = await downloads.fetch(self._db, generation)
            report = await self.knowledge.switch_to(folder)
        except (WaypointError, SavedIndexError, OSError) as exc:
            # The previous index keeps answering here; the next notice or poll tries again.
            log.warning("knowledge generation %d not loaded here: %s", generation, exc)
            return
        # The previous generation's folder stays while questions begun on it finish.
        self._previous = (self.serving,)
        self.serving = generation
        await downloads.keep({generation, *self._previous})
        log.info("switched to knowledge generation %d: %s", generation, report.summary())

    async def _rebuild_newer(self) -> None:
        async with self._db.exclusive(KNOWLEDGE_LOCK):
            # Read under the lock: a reload still in progress elsewhere has now finished.
            generation = await self._repo.generation()
            if generation > self.serving:
                report = await self.knowledge.reload()
                if report.ok:
                    self.serving = generation
                    log.info("switched to knowledge generation %d", generation)
                else:
                    # The previous index keeps answering here; the poll tries again.
                    log.warning(
                        "knowledge generation %d not loaded here: %s",
                        generation,
                        report.summary(),
                    )

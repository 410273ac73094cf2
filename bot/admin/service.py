"""Running Waypoint past one process: moving a single-process deployment's SQLite file into
the PostgreSQL database several processes share (`waypoint db import`), and keeping every
process on the same knowledge base (`KnowledgeSync`, behind `/kb reload`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import InvalidInput, WaypointError
from bot.storage.db import Database, is_postgres_url
from bot.storage.knowledge_state import KNOWLEDGE_LOCK, KnowledgeStateRepository
from bot.storage.transfer import Copied, copy_database

if TYPE_CHECKING:
    from index.documents import ReloadReport
    from index.search import KnowledgeBase

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
CHANNEL = "waypoint_knowledge"


@dataclass(frozen=True)
class SyncedReload:
    """A reload's report and, with several processes, how many serve the new generation."""

    report: ReloadReport
    # (processes switched, processes running), or None when only this process is concerned
    # (SQLite, or a reload that failed and so changed nothing anywhere).
    switched: tuple[int, int] | None = None


class KnowledgeSync:
    """Keeps every process sharing a PostgreSQL database on the same knowledge base.

    `/kb reload` in any process reloads under an advisory lock (two reloads never race), bumps
    the knowledge generation and NOTIFYs; every process re-reads its own knowledge folders when
    the generation moves (a notice, a listener reconnect, or the slow poll) and records the
    generation it serves, which is how the reload counts the processes that switched. Each
    process still indexes its own folders: publishing the index itself is a later step.
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
    ) -> None:
        self._knowledge = knowledge
        self._db = db
        self._repo = KnowledgeStateRepository(db)
        self._poll_seconds = poll_seconds
        self._switch_wait = switch_wait_seconds
        self._clock = clock
        self.process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.serving = 0  # the generation this process's knowledge base holds
        self._shared = db.dialect == "postgresql"
        self._started = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._wanted = asyncio.Event()  # set when the generation may have moved

    async def start(self) -> None:
        """Follow reloads made by other processes (PostgreSQL; nothing to do on SQLite).
        The knowledge base was just opened from the folders: it serves the current generation."""
        if self._started or not self._shared:
            return
        self._started = True
        self.serving = await self._repo.generation()
        await self._repo.acknowledge(self.process, self.serving, self._clock())
        await self._db.listen(CHANNEL, self._on_notice)
        self._poller = asyncio.get_running_loop().create_task(self._follow())

    async def close(self) -> None:
        """Stop following and drop this process from the running ones; safe to call twice."""
        if not self._started:
            return
        self._started = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        try:
            await self._repo.forget(self.process)
        except WaypointError as exc:  # the database is gone: the heartbeat ages out instead
            log.warning("could not unregister process %s: %s", self.process, exc)

    async def reload(self) -> SyncedReload:
        """Reload the knowledge base here and, when it worked, in every other process."""
        if not self._shared:
            return SyncedReload(await self._knowledge.reload())
        async with self._db.exclusive(KNOWLEDGE_LOCK):
            report = await self._knowledge.reload()
            if not report.ok:
                return SyncedReload(report)
            async with self._db.transaction():
                generation = await self._repo.bump(self._clock())
                await self._repo.acknowledge(self.process, generation, self._clock())
                await self._db.notify(CHANNEL, str(generation))
            self.serving = generation
        log.info("knowledge generation %d published by %s", generation, self.process)
        return SyncedReload(report, await self._wait_for_switch(generation))

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
        """Reload when another process published a newer generation, then say which one this
        process serves (also its heartbeat). True when a reload happened."""
        reloaded = False
        if await self._repo.generation() > self.serving:
            async with self._db.exclusive(KNOWLEDGE_LOCK):
                # Read under the lock: a reload still in progress elsewhere has now finished.
                generation = await self._repo.generation()
                if generation > self.serving:
                    report = await self._knowledge.reload()
                    reloaded = True
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
        await self._repo.acknowledge(self.process, self.serving, self._clock())
        return reloaded

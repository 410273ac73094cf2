"""The SQLite backend: one aiosqlite writer, one reader, numbered migrations at start-up.

Why two connections: SQLite in WAL mode lets a reader see the last committed state while a
writer holds its transaction. Reads made outside a transaction go to the reader, so they never
observe another task's half-finished (and possibly rolled back) writes; reads made inside
`transaction()` go to the writer so they see that transaction's own changes.

Writers inside this process are serialized by an asyncio lock held for the whole transaction
(aiosqlite shares one connection between tasks, so without the lock two tasks' statements would
interleave inside one SQLite transaction). Other processes are kept apart by SQLite itself:
`BEGIN IMMEDIATE` takes the write lock up front and `busy_timeout` waits for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import DatabaseBusy, DatabaseDamaged, DatabaseFull, StorageError, WaypointError
from bot.storage.base import (
    RESTORE_HINT,
    Executed,
    Migration,
    Params,
    newer_schema,
    split_statements,
)

log = logging.getLogger(__name__)

# Another process (a CLI check-in, a backup) may hold the write lock for a while: wait up to
# this long before saying "busy, try again".
BUSY_TIMEOUT_MS = 30_000

# Which SqliteBackend the current task is inside a transaction of (None: none).
_inside: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "waypoint_sqlite_tx", default=None
)


def translate(exc: sqlite3.Error, path: Path) -> WaypointError | None:
    """The user's sentence for an SQLite failure they can act on (None: a bug, re-raise)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DatabaseDamaged(
            f"The database {path} is damaged ({exc}); stop Waypoint and put your latest backup "
            f"in its place ({RESTORE_HINT})."
        )
    if code == sqlite3.SQLITE_FULL:
        return DatabaseFull(
            f"The disk holding {path} is full, so nothing was saved; free some space and try again."
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseBusy(
            f"The database {path} is busy with another Waypoint process; try again in a moment."
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return StorageError(
            f"The database {path} cannot be written ({exc}); check its permissions."
        )
    return None


class SqliteBackend:
    """An open SQLite database. Build it with `await SqliteBackend.open(path)`."""

    dialect = "sqlite"

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._closed = False
        self._callbacks: dict[str, list[Callable[[str | None], None]]] = {}
        self._exclusive: dict[int, asyncio.Lock] = {}

    @classmethod
    async def open(
        cls, path: Path, steps: Sequence[Migration], busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> tuple[SqliteBackend, int]:
        """Open (creating if needed) the file and apply pending migrations in one transaction.

        Only an absent file means "new": an empty (0-byte) file is a damaged database, never
        silently started afresh, and a folder in its place is refused.
        """
        _check_path(path)
        writer = await _connect(path, busy_timeout_ms)
        try:
            with _translated(path):
                version = await _migrate(writer, steps, path)
            reader = await _connect(path, busy_timeout_ms)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader), version

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            try:
                # Lets SQLite refresh the statistics its query planner uses (cheap, see docs).
                await self._writer.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                # Only statistics: skipped when another process holds the write lock (many
                # CLI check-ins at once), with nothing for the user to do about it.
                log.debug("PRAGMA optimize skipped on %s: %s", self.path, exc)
            await self._reader.close()
            await self._writer.close()

    async def notify(self, channel: str, payload: str) -> None:
        """Tell this process's listeners (an SQLite file serves one bot process; CLI processes
        change nothing that is cached)."""
        for callback in self._callbacks.get(channel, ()):
            callback(payload)

    async def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        """Call `callback(payload)` for each `notify` on `channel` in this process."""
        self._callbacks.setdefault(channel, []).append(callback)

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it."""
        async with self._lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def transaction(self, learner: tuple[int, int] | None = None) -> AsyncIterator[None]:
        """`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` if the block raises (SQLite has one
        writer at a time whatever `learner` says)."""
        if _inside.get() == id(self):
            yield
            return
        async with self._lock:
            token = _inside.set(id(self))
            try:
                with _translated(self.path):
                    await self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    # SQLite may already have rolled back (e.g. disk full); don't mask the error.
                    if self._writer.in_transaction:
                        await self._writer.execute("ROLLBACK")
                    raise
                try:
                    with _translated(self.path):
                        await self._writer.execute("COMMIT")
                except BaseException:
                    if self._writer.in_transaction:
                        await self._writer.execute("ROLLBACK")
                    raise
            finally:
                _inside.reset(token)

    @asynccontextmanager
    async def exclusive(self, key: int) -> AsyncIterator[None]:
        """Hold lock `key` for the block, in this process (an SQLite file serves one bot
        process); writers go on meanwhile."""
        async with self._exclusive.setdefault(key, asyncio.Lock()):
            yield

    def _for_reading(self) -> aiosqlite.Connection:
        return self._writer if _inside.get() == id(self) else self._reader

    async def execute(self, sql: str, params: Params = ()) -> Executed:
        """Run one write statement; outside `transaction()` it is committed on its own."""
        if _inside.get() != id(self):
            async with self.transaction():
                return await self.execute(sql, params)
        with _translated(self.path):
            cursor = await self._writer.execute(sql, params)
        try:
            return Executed(cursor.rowcount, cursor.lastrowid)
        finally:
            await cursor.close()

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an `INSERT … RETURNING id`; the new id, or None when nothing was inserted."""
        if _inside.get() != id(self):
            async with self.transaction():
                return await self.insert(sql, params)
        with _translated(self.path):
            rows = await self._writer.execute_fetchall(sql, params)
        for row in rows:
            return int(row[0])
        return None

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one write statement for many parameter sets (inside or as one transaction)."""
        if _inside.get() != id(self):
            async with self.transaction():
                await self.executemany(sql, rows)
            return
        with _translated(self.path):
            await self._writer.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        with _translated(self.path):
            async with self._for_reading().execute(sql, params) as cursor:
                return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        with _translated(self.path):
            async with self._for_reading().execute(sql, params) as cursor:
                row: sqlite3.Row | None = await cursor.fetchone()
                return row

    async def integrity_check(self) -> list[str]:
        """`PRAGMA integrity_check` and foreign key check; an empty list means healthy."""
        problems = [
            str(r[0]) for r in await self.fetch_all("PRAGMA integrity_check") if r[0] != "ok"
        ]
        problems += [
            f"foreign key violation in {r[0]} row {r[1]}"
            for r in await self.fetch_all("PRAGMA foreign_key_check")
        ]
        return problems


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise StorageError(f"The database path {path} is a folder; it must be a file.")
    if path.exists() and path.stat().st_size == 0:
        raise DatabaseDamaged(
            f"The database {path} is empty (0 bytes), so its data is gone; put your latest "
            f"backup in its place ({RESTORE_HINT}), or delete the file to start afresh."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"The folder for the database {path} cannot be made ({exc}).") from exc


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        mapped = translate(exc, path)
        if mapped is None:
            raise
        raise mapped from exc


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; every write goes through BEGIN IMMEDIATE.
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise translate(exc, path) or StorageError(
            f"The database {path} cannot be opened ({exc})."
        ) from exc
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = await (await conn.execute("PRAGMA journal_mode = WAL")).fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            log.warning("database %s is not in WAL mode (%s)", path, mode[0] if mode else None)
        # FULL: a committed check-in survives a power cut, not just a process crash (about
        # 2 ms per commit here, well inside the write budget).
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        await conn.close()
        mapped = translate(exc, path)
        if isinstance(mapped, DatabaseBusy | DatabaseFull):
            raise mapped from exc
        raise DatabaseDamaged(
            f"{path} is not a usable SQLite database ({exc}); if it held Waypoint's data, put "
            f"your latest backup in its place ({RESTORE_HINT})."
        ) from exc
    return conn


async def _migrate(conn: aiosqlite.Connection, steps: Sequence[Migration], path: Path) -> int:
    latest = steps[-1].version if steps else 0
    await conn.execute("BEGIN IMMEDIATE")
    try:
        row: Any = await (await conn.execute("PRAGMA user_version")).fetchone()
        version = int(row[0]) if row else 0
        if version > latest:
            raise newer_schema(str(path), version, latest)
        for step in steps:
            if step.version <= version:
                continue
            log.info("applying migration %s", step.name)
            for statement in split_statements(step.sql):
                await conn.execute(statement)
        if latest != version:
            # PRAGMA cannot take a bound parameter; `latest` is an int we computed.
            await conn.execute(f"PRAGMA user_version = {int(latest)}")
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    return latest

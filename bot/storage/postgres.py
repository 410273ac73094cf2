"""The PostgreSQL backend: an asyncpg pool, migrations under an advisory lock.

Statements are the repositories' SQLite text with `?` placeholders, numbered `$1, $2, …` here
(asyncpg's own syntax), so one repository layer runs on both backends.

Transactions keep the SQLite backend's promise that writers never interleave: each one takes
the same transaction-scoped advisory lock first, so a read-modify-write inside `transaction()`
is serialized across every process sharing the database, as `BEGIN IMMEDIATE` does for SQLite
files. A transaction that touches one learner's rows only (a check-in) may say so with
`transaction(learner=(scope, user_id))`: it then holds the write lock shared plus that
learner's own lock, so different learners write in parallel while every other transaction,
holding the write lock exclusively, still runs alone. Reads outside a transaction run on any
pooled connection and see committed rows only.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import asyncpg

from bot.errors import DatabaseBusy, DatabaseDamaged, DatabaseFull, StorageError, WaypointError
from bot.storage.base import Executed, Migration, Params, newer_schema

if TYPE_CHECKING:
    from asyncpg import Record
    from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

# Keys of pg_advisory_xact_lock: one for migrations, one that serializes write transactions.
MIGRATION_LOCK = 0x57_61_79_70_01
WRITE_LOCK = 0x57_61_79_70_02
POOL_SIZE = 10

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?")

# The (backend, connection) of the transaction the current task is inside (None: none).
_inside: contextvars.ContextVar[tuple[int, PoolConnectionProxy[Record]] | None] = (
    contextvars.ContextVar("waypoint_pg_tx", default=None)
)


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as `$1, $2, …` (question marks inside quoted literals stay)."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def learner_lock(scope: int, user_id: int) -> tuple[int, int]:
    """The two-int4 advisory key of one learner (a key space apart from the bigint keys above;
    two learners sharing a key merely wait for each other)."""
    digest = hashlib.blake2b(f"{scope}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "big", signed=True), int.from_bytes(
        digest[4:], "big", signed=True
    )


def driver_url(url: str) -> str:
    """The URL asyncpg takes (SQLAlchemy's `postgresql+asyncpg://` spelling is accepted too)."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def translate(exc: Exception, where: str) -> WaypointError | None:
    """The user's sentence for a PostgreSQL failure they can act on (None: a bug, re-raise)."""
    if isinstance(exc, asyncpg.DiskFullError):
        return DatabaseFull(
            f"The PostgreSQL server at {where} has no disk space left, so nothing was saved; "
            "free some space on it and try again."
        )
    if isinstance(exc, asyncpg.DataCorruptedError | asyncpg.IndexCorruptedError):
        return DatabaseDamaged(
            f"The PostgreSQL database at {where} reports damaged data ({exc}); restore it from "
            "your latest pg_dump backup."
        )
    if isinstance(
        exc,
        asyncpg.TooManyConnectionsError
        | asyncpg.LockNotAvailableError
        | asyncpg.DeadlockDetectedError
        | asyncpg.SerializationError,
    ):
        return DatabaseBusy(f"The PostgreSQL database at {where} is busy; try again in a moment.")
    if isinstance(exc, OSError | asyncpg.InterfaceError | asyncpg.PostgresConnectionError):
        return StorageError(f"The PostgreSQL server at {where} cannot be reached ({exc}).")
    return None


async def _reset(conn: asyncpg.Connection[Record]) -> None:
    """What a connection needs before going back to the pool. Waypoint sets no session state
    (no SET, LISTEN or session locks; its advisory locks end with their transaction), so
    asyncpg's default reset, one more round trip per statement, is skipped: only a transaction
    left open (a cancelled task) is rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _rowcount(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresBackend:
    """An open PostgreSQL database. Build it with `await PostgresBackend.open(url, steps)`."""

    dialect = "postgresql"

    def __init__(self, url: str, where: str, pool: asyncpg.Pool[Record]) -> None:
        self.where = where
        self._url = url
        self._pool = pool
        self._closed = False
        # LISTEN needs a connection of its own, outside the pool, kept for the process.
        self._callbacks: dict[str, list[Callable[[str | None], None]]] = {}
        self._listener: asyncpg.Connection[Record] | None = None
        self._reconnecting: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, steps: Sequence[Migration]) -> tuple[PostgresBackend, int]:
        """Connect and apply pending migrations in one transaction under an advisory lock, so
        processes starting together migrate exactly once."""
        where = shown_url(url)
        try:
            pool = await asyncpg.create_pool(
                driver_url(url), min_size=1, max_size=POOL_SIZE, reset=_reset
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(
                f"The PostgreSQL database at {where} cannot be opened ({exc})."
            ) from exc
        try:
            with _translated(where):
                version = await _migrate(pool, steps, where)
        except BaseException:
            await pool.close()
            raise
        return cls(driver_url(url), where, pool), version

    async def close(self) -> None:
        """Close the pool and the listening connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self._listener is not None:
            await self._listener.close()
        await self._pool.close()

    async def notify(self, channel: str, payload: str) -> None:
        """NOTIFY every process listening on `channel` (on commit, when inside a transaction)."""
        await self.execute("SELECT pg_notify(?, ?)", (channel, payload))

    async def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        """Call `callback(payload)` for each notice on `channel`, from any process (this one
        too). A notice sent while the listening connection was lost is not replayed, so after a
        reconnect `callback(None)` says "anything may have changed"."""
        first = channel not in self._callbacks
        self._callbacks.setdefault(channel, []).append(callback)
        if self._listener is None and self._reconnecting is None:
            with _translated(self.where):
                await self._connect_listener()
        elif first and self._listener is not None:
            await self._listener.add_listener(channel, self._on_notice)

    async def _connect_listener(self) -> None:
        conn = await asyncpg.connect(self._url)
        for channel in self._callbacks:
            await conn.add_listener(channel, self._on_notice)
        conn.add_termination_listener(self._on_lost)
        self._listener = conn

    def _on_notice(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        for callback in self._callbacks.get(channel, ()):
            callback(str(payload))

    def _everything_may_have_changed(self) -> None:
        for callbacks in self._callbacks.values():
            for callback in callbacks:
                callback(None)

    def _on_lost(self, _conn: object) -> None:
        self._listener = None
        if self._closed:
            return
        log.warning("lost the PostgreSQL listening connection to %s; reconnecting", self.where)
        self._everything_may_have_changed()
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.5
        while not self._closed:
            try:
                await self._connect_listener()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("PostgreSQL at %s still unreachable: %s", self.where, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            self._reconnecting = None
            self._everything_may_have_changed()  # notices sent meanwhile were lost
            log.info("listening to PostgreSQL at %s again", self.where)
            return

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL checkpoints on its own (kept for the common interface)."""

    @asynccontextmanager
    async def transaction(self, learner: tuple[int, int] | None = None) -> AsyncIterator[None]:
        """A transaction holding the write lock (shared plus the learner's own lock when
        `learner` is given); nested use joins the outer one."""
        current = _inside.get()
        if current is not None and current[0] == id(self):
            yield
            return
        with _translated(self.where):
            conn = await self._pool.acquire()
        try:
            tx = conn.transaction()
            with _translated(self.where):
                await tx.start()
                if learner is None:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                else:
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2, $3)",
                        WRITE_LOCK,
                        *learner_lock(*learner),
                    )
            token = _inside.set((id(self), conn))
            try:
                yield
            except BaseException:
                # A lost connection cannot roll back (the server already has): keep the
                # original error, not the rollback's.
                with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    await tx.rollback()
                raise
            finally:
                _inside.reset(token)
            with _translated(self.where):
                await tx.commit()
        finally:
            await self._pool.release(conn)

    @asynccontextmanager
    async def exclusive(self, key: int) -> AsyncIterator[None]:
        """Hold advisory lock `key` across every process for the block (a long one, such as a
        knowledge reload) without taking the write lock: other writers go on meanwhile.

        Transaction-scoped on a connection of its own, so a cancelled task or a lost connection
        releases it (the pool's reset rolls back)."""
        with _translated(self.where):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
                yield

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PoolConnectionProxy[Record]]:
        current = _inside.get()
        if current is not None and current[0] == id(self):
            yield current[1]
            return
        with _translated(self.where):
            async with self._pool.acquire() as conn:
                yield conn

    async def execute(self, sql: str, params: Params = ()) -> Executed:
        """Run one write statement (a lone statement is atomic: no write lock needed)."""
        async with self._connection() as conn:
            with _translated(self.where):
                status = await conn.execute(numbered(sql), *params)
        return Executed(_rowcount(status), None)

    async def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an `INSERT … RETURNING id`; the new id, or None when nothing was inserted."""
        async with self._connection() as conn:
            with _translated(self.where):
                value = await conn.fetchval(numbered(sql), *params)
        return None if value is None else int(value)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one write statement for many parameter sets (inside or as one transaction)."""
        current = _inside.get()
        if current is None or current[0] != id(self):
            async with self.transaction():
                await self.executemany(sql, rows)
            return
        with _translated(self.where):
            await current[1].executemany(numbered(sql), [tuple(r) for r in rows])

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Record]:
        """All rows of a query."""
        async with self._connection() as conn:
            with _translated(self.where):
                return await conn.fetch(numbered(sql), *params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Record | None:
        """The first row of a query, or None."""
        async with self._connection() as conn:
            with _translated(self.where):
                return await conn.fetchrow(numbered(sql), *params)

    async def integrity_check(self) -> list[str]:
        """Foreign keys are enforced by the server, which also checksums its own pages; the
        check here is that the schema is reachable (an empty list means healthy)."""
        await self.fetch_all("SELECT version FROM waypoint_schema")
        return []


@contextmanager
def _translated(where: str) -> Iterator[None]:
    try:
        yield
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        mapped = translate(exc, where)
        if mapped is None:
            raise
        raise mapped from exc


async def _migrate(pool: asyncpg.Pool[Record], steps: Sequence[Migration], where: str) -> int:
    latest = steps[-1].version if steps else 0
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS waypoint_schema (version INTEGER NOT NULL)")
        version = await conn.fetchval("SELECT max(version) FROM waypoint_schema") or 0
        if version > latest:
            raise newer_schema(where, version, latest)
        for step in steps:
            if step.version <= version:
                continue
            log.info("applying migration %s", step.name)
            # Without arguments asyncpg sends the script as one simple query: every statement
            # of the file runs, inside this transaction.
            await conn.execute(step.sql)
        if latest != version:
            await conn.execute("DELETE FROM waypoint_schema")
            await conn.execute("INSERT INTO waypoint_schema (version) VALUES ($1)", latest)
    return int(latest)

"""The database handle: one aiosqlite writer, one reader, numbered migrations at start-up.

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
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import WaypointError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Migration:
    """One numbered schema step read from `migrations/NNNN_name.sql`."""

    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class Executed:
    """What a write statement did."""

    rowcount: int
    lastrowid: int | None


def load_migrations(folder: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The migrations of a folder in version order; numbering must be 1, 2, 3, … without gaps."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise WaypointError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise WaypointError(
                f"Migrations must be numbered without gaps; expected {expected:04d}, "
                f"found {migration.name}."
            )
    return tuple(found)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (trigger bodies stay whole).

    `executescript` would commit the surrounding transaction, so migrations run statement by
    statement inside one explicit transaction instead.
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip().rstrip(";").strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
    ):
        raise WaypointError("A migration ends with an incomplete SQL statement.")
    return statements


# Which Database the current task is inside a transaction of (None: none).
_inside: contextvars.ContextVar[int | None] = contextvars.ContextVar("waypoint_db_tx", default=None)


class Database:
    """An open Waypoint database. Build it with `await Database.open(path)`."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, version: int
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._version = version
        self._closed = False

    @classmethod
    async def open(cls, path: Path, *, migrations: Iterable[Migration] | None = None) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        Pending migrations are applied in one transaction, so a failure leaves the previous
        version intact. A database written by a newer Waypoint is refused.
        """
        steps = tuple(migrations) if migrations is not None else load_migrations()
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            version = await _migrate(writer, steps, path)
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        log.debug("database %s open at schema version %d", path, version)
        return cls(path, writer, reader, version)

    @property
    def schema_version(self) -> int:
        """The `PRAGMA user_version` after migrations."""
        return self._version

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
                log.warning("PRAGMA optimize failed on %s: %s", self.path, exc)
            await self._reader.close()
            await self._writer.close()

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it (e.g. before a
        backup or to measure the file's size)."""
        async with self._lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` if the block raises.

        Nested use inside the same task joins the outer transaction (no savepoint). Every other
        writer waits while the block runs, so keep it to SQL: no network calls inside.
        """
        if _inside.get() == id(self):
            yield
            return
        async with self._lock:
            token = _inside.set(id(self))
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    # SQLite may already have rolled back (e.g. disk full); don't mask the error.
                    if self._writer.in_transaction:
                        await self._writer.execute("ROLLBACK")
                    raise
                await self._writer.execute("COMMIT")
            finally:
                _inside.reset(token)

    def _for_reading(self) -> aiosqlite.Connection:
        return self._writer if _inside.get() == id(self) else self._reader

    async def execute(self, sql: str, params: Params = ()) -> Executed:
        """Run one write statement; outside `transaction()` it is committed on its own."""
        if _inside.get() != id(self):
            async with self.transaction():
                return await self.execute(sql, params)
        cursor = await self._writer.execute(sql, params)
        try:
            return Executed(cursor.rowcount, cursor.lastrowid)
        finally:
            await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one write statement for many parameter sets (inside or as one transaction)."""
        if _inside.get() != id(self):
            async with self.transaction():
                await self.executemany(sql, rows)
            return
        await self._writer.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query (rows stay in bot/storage: repositories map them to dataclasses)."""
        async with self._for_reading().execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        async with self._for_reading().execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

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


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; every write goes through BEGIN IMMEDIATE.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = await (await conn.execute("PRAGMA journal_mode = WAL")).fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            log.warning("database %s is not in WAL mode (%s)", path, mode[0] if mode else None)
        # FULL: a committed check-in survives a power cut, not just a process crash (about
        # 2 ms per commit here, well inside the write budget).
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise WaypointError(f"{path} is not a usable SQLite database ({exc}).") from exc
    return conn


async def _migrate(conn: aiosqlite.Connection, steps: Sequence[Migration], path: Path) -> int:
    latest = steps[-1].version if steps else 0
    await conn.execute("BEGIN IMMEDIATE")
    try:
        version = int((await (await conn.execute("PRAGMA user_version")).fetchone() or [0])[0])
        if version > latest:
            raise WaypointError(
                f"The database {path} was written by a newer Waypoint (schema version {version}; "
                f"this one knows up to {latest}); upgrade Waypoint or use another data directory."
            )
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

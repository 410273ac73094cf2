"""The database handle the repositories use, on SQLite (one process) or PostgreSQL (several).

`Database.open(path)` opens the SQLite file (the default: `make run` needs no server);
`Database.open("postgresql://…")` opens a PostgreSQL database several bot processes share. Both
backends take the same SQL text with `?` placeholders and give rows that read as `row["name"]`
and `row[0]`; where the dialects differ, a repository asks `db.dialect` (a handful of
statements). Migrations are numbered SQL per dialect under `migrations/<dialect>/`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.storage.base import (
    Dialect,
    Executed,
    Migration,
    Params,
    Row,
    load_migrations,
    split_statements,
)
from bot.storage.sqlite import BUSY_TIMEOUT_MS, SqliteBackend

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresBackend

__all__ = [
    "Database",
    "Executed",
    "Migration",
    "Row",
    "is_postgres_url",
    "load_migrations",
    "split_statements",
]

log = logging.getLogger(__name__)


def is_postgres_url(target: str | Path) -> bool:
    """True when `target` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(
        ("postgresql:", "postgres:", "postgresql+")
    )


class Database:
    """An open Waypoint database. Build it with `await Database.open(path_or_url)`."""

    def __init__(self, backend: SqliteBackend | PostgresBackend, version: int) -> None:
        self._backend = backend
        self._version = version
        self.dialect: Dialect = "sqlite" if isinstance(backend, SqliteBackend) else "postgresql"
        # Where the data lives, for messages: the SQLite file, or the URL without its password.
        self.path: Path | None = backend.path if isinstance(backend, SqliteBackend) else None
        self.where = str(backend.path) if isinstance(backend, SqliteBackend) else backend.where

    @classmethod
    async def open(
        cls,
        target: Path | str,
        *,
        migrations: Iterable[Migration] | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> Database:
        """Open the SQLite file `target` (created if absent), or the PostgreSQL database when
        `target` is a `postgresql://` URL, and bring its schema up to date.

        Pending migrations are applied in one transaction, so a failure leaves the previous
        version intact. A database written by a newer Waypoint is refused.
        """
        if is_postgres_url(target):
            # Imported here: asyncpg costs ~0.1 s at start-up, which SQLite users never need.
            from bot.storage.postgres import PostgresBackend

            steps = load_migrations(dialect="postgresql") if migrations is None else migrations
            pg, version = await PostgresBackend.open(str(target), tuple(steps))
            log.debug("database %s open at schema version %d", pg.where, version)
            return cls(pg, version)
        steps = load_migrations() if migrations is None else migrations
        lite, version = await SqliteBackend.open(Path(target), tuple(steps), busy_timeout_ms)
        log.debug("database %s open at schema version %d", target, version)
        return cls(lite, version)

    @property
    def schema_version(self) -> int:
        """The schema version after migrations."""
        return self._version

    async def close(self) -> None:
        """Close the connections; safe to call twice."""
        await self._backend.close()

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the file and truncate it (before a backup or
        to measure the file's size). PostgreSQL: nothing to do."""
        await self._backend.checkpoint()

    async def notify(self, channel: str, payload: str) -> None:
        """Announce a change on `channel` to every process sharing the database (PostgreSQL
        NOTIFY, sent on commit when inside a transaction; SQLite: this process only). A notice
        means "read it again": a spurious one is harmless."""
        await self._backend.notify(channel, payload)

    async def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        """Call `callback(payload)` on every notice on `channel`; `callback(None)` after a lost
        connection means anything may have changed (notices are not replayed)."""
        await self._backend.listen(channel, callback)

    def transaction(
        self, *, learner: tuple[int, int] | None = None
    ) -> AbstractAsyncContextManager[None]:
        """`BEGIN` … `COMMIT`, or `ROLLBACK` if the block raises.

        Nested use inside the same task joins the outer transaction (no savepoint). Every other
        writer, in this process or another, waits while the block runs, so keep it to SQL: no
        network calls inside. `learner=(scope, user_id)` promises the block touches only that
        learner's rows: on PostgreSQL other learners' such transactions then run in parallel
        (SQLite still has one writer at a time).
        """
        return self._backend.transaction(learner)

    def exclusive(self, key: int) -> AbstractAsyncContextManager[None]:
        """Hold the named lock `key` for the block across every process sharing the database
        (PostgreSQL advisory lock; SQLite: this process). Unlike `transaction()` it does not
        stop writers, so it can guard slow work such as rebuilding the knowledge base."""
        return self._backend.exclusive(key)

    # The methods below return the backend's coroutine directly: no extra frame per statement.

    def execute(self, sql: str, params: Params = ()) -> Coroutine[Any, Any, Executed]:
        """Run one write statement; outside `transaction()` it is committed on its own.
        (`lastrowid` is SQLite only: use `insert` with `RETURNING id` for new ids.)"""
        return self._backend.execute(sql, params)

    def insert(self, sql: str, params: Params = ()) -> Coroutine[Any, Any, int | None]:
        """Run an `INSERT … RETURNING id`; the new id, or None when nothing was inserted
        (e.g. `ON CONFLICT DO NOTHING`)."""
        return self._backend.insert(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> Coroutine[Any, Any, None]:
        """Run one write statement for many parameter sets (inside or as one transaction)."""
        return self._backend.executemany(sql, rows)

    def fetch_all(self, sql: str, params: Params = ()) -> Coroutine[Any, Any, list[Row]]:
        """All rows of a query (rows stay in bot/storage: repositories map them to dataclasses)."""
        return self._backend.fetch_all(sql, params)  # type: ignore[return-value]

    def fetch_one(self, sql: str, params: Params = ()) -> Coroutine[Any, Any, Row | None]:
        """The first row of a query, or None."""
        return self._backend.fetch_one(sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self._backend.fetch_one(sql, params)
        return None if row is None else row[0]

    async def integrity_check(self) -> list[str]:
        """Problems found by the backend's own check; an empty list means healthy."""
        return await self._backend.integrity_check()

"""Open a fresh test database on either backend (SQLite file, or a PostgreSQL schema).

PostgreSQL cases need `WAYPOINT_TEST_DATABASE_URL` (`.ci/run` starts a throwaway server and
sets it); without it they skip, saying so. Each PostgreSQL test gets its own schema, dropped
afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.storage.db import Database, Migration

TEST_URL_VARIABLE = "WAYPOINT_TEST_DATABASE_URL"
POSTGRES_URL = os.environ.get(TEST_URL_VARIABLE, "")
NO_POSTGRES = (
    f"no PostgreSQL to test against: set {TEST_URL_VARIABLE} (.ci/run starts a throwaway server)"
)

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)

# Parametrize a fixture with these to run its tests on both backends.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=needs_postgres),
]


def _with_search_path(url: str, schema: str) -> str:
    # asyncpg passes unknown URL parameters to the server as settings.
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A URL whose connections use a new, empty schema (dropped on exit)."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        try:
            yield _with_search_path(POSTGRES_URL, schema)
        finally:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


@asynccontextmanager
async def open_test_database(
    backend: str, folder: Path, *, migrations: Iterable[Migration] | None = None
) -> AsyncIterator[Database]:
    """A migrated, empty database of the given backend, closed on exit."""
    if backend == "sqlite":
        db = await Database.open(folder / "waypoint.sqlite3", migrations=migrations)
        try:
            yield db
        finally:
            await db.close()
        return
    async with postgres_schema() as url:
        db = await Database.open(url, migrations=migrations)
        try:
            yield db
        finally:
            await db.close()

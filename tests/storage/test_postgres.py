"""PostgreSQL-only behaviour: migrations under an advisory lock, clear connection errors."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import asyncpg
import pytest

from bot.errors import StorageError, WaypointError
from bot.storage.db import Database, load_migrations
from bot.storage.postgres import numbered, shown_url
from tests.storage.backends import needs_postgres, postgres_schema

ROOT = Path(__file__).parents[2]


def test_placeholders_are_numbered_outside_quoted_literals() -> None:
    sql = "SELECT ? WHERE a = ? AND b = 'why?' AND c = ?"
    assert numbered(sql) == "SELECT $1 WHERE a = $2 AND b = 'why?' AND c = $3"


def test_passwords_stay_out_of_messages() -> None:
    assert shown_url("postgresql://bot:s3cret@db:5432/waypoint") == (
        "postgresql://bot:***@db:5432/waypoint"
    )


async def test_an_unreachable_server_is_one_sentence() -> None:
    # Port 1 on localhost: nothing listens there.
    with pytest.raises(StorageError, match=r"cannot be opened") as caught:
        await Database.open("postgresql://bot:s3cret@127.0.0.1:1/waypoint")
    assert "s3cret" not in caught.value.user_message


@needs_postgres
async def test_four_processes_starting_together_migrate_exactly_once() -> None:
    async with postgres_schema() as url:
        script = textwrap.dedent(
            f"""
            import asyncio
            from bot.storage.db import Database

            async def main():
                db = await Database.open({url!r})
                print(db.schema_version)
                await db.close()

            asyncio.run(main())
            """
        )
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", script, cwd=ROOT, stdout=asyncio.subprocess.PIPE
            )
            for _ in range(4)
        ]
        outputs = [(await p.communicate())[0].decode().strip() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0]
        assert outputs == [str(len(load_migrations(dialect="postgresql")))] * 4
        db = await Database.open(url)
        try:
            assert await db.fetch_value("SELECT count(*) FROM waypoint_schema") == 1
            assert await db.fetch_value("SELECT count(*) FROM learners") == 0
        finally:
            await db.close()


@needs_postgres
async def test_a_newer_postgres_schema_is_refused_and_left_alone() -> None:
    async with postgres_schema() as url:
        db = await Database.open(url)
        await db.execute("UPDATE waypoint_schema SET version = 999")
        await db.close()
        with pytest.raises(WaypointError, match="newer Waypoint"):
            await Database.open(url)
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT version FROM waypoint_schema") == 999
        finally:
            await conn.close()


@needs_postgres
async def test_a_killed_process_loses_no_committed_row_and_frees_the_write_lock() -> None:
    async with postgres_schema() as url:
        script = textwrap.dedent(
            f"""
            import asyncio, os
            from bot.storage.db import Database

            async def main():
                db = await Database.open({url!r})
                await db.execute("CREATE TABLE t (x INTEGER)")
                for i in range(20):
                    await db.execute("INSERT INTO t VALUES (?)", (i,))
                async with db.transaction():
                    for i in range(500):
                        await db.execute("INSERT INTO t VALUES (?)", (-1,))
                    os._exit(9)  # killed while holding the write lock, half written

            asyncio.run(main())
            """
        )
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script, cwd=ROOT)
        assert await proc.wait() == 9
        db = await Database.open(url)
        try:
            assert await db.fetch_value("SELECT count(*) FROM t WHERE x >= 0") == 20
            assert await db.fetch_value("SELECT count(*) FROM t WHERE x < 0") == 0
            # The server ended the dead session's transaction: writers are not blocked.
            async with asyncio.timeout(10):
                await db.execute("INSERT INTO t VALUES (?)", (100,))
                async with db.transaction():
                    await db.execute("INSERT INTO t VALUES (?)", (101,))
        finally:
            await db.close()

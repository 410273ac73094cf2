"""The Database: migrations, transactions, concurrent writers and crash safety."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.errors import DatabaseDamaged, WaypointError
from bot.storage.db import Database, Migration, load_migrations, split_statements


async def _schema(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        return [(str(n), str(s)) for n, s in rows]
    finally:
        conn.close()


async def test_fresh_database_is_migrated_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "sub" / "w.sqlite3")
    try:
        assert db.schema_version == len(load_migrations())
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA user_version") == db.schema_version
        assert await db.integrity_check() == []
    finally:
        await db.close()
        await db.close()  # closing twice is harmless


async def test_upgrading_step_by_step_equals_a_fresh_database(tmp_path: Path) -> None:
    steps = load_migrations()
    for upto in range(len(steps)):
        stepwise = tmp_path / f"step{upto}.sqlite3"
        await (await Database.open(stepwise, migrations=steps[:upto])).close()
        db = await Database.open(stepwise)
        await db.close()
    fresh = tmp_path / "fresh.sqlite3"
    await (await Database.open(fresh)).close()
    for upto in range(len(steps)):
        assert await _schema(tmp_path / f"step{upto}.sqlite3") == await _schema(fresh)


async def test_a_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    await (await Database.open(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(WaypointError, match="newer Waypoint"):
        await Database.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
    conn.close()


async def test_a_failing_migration_applies_nothing(tmp_path: Path) -> None:
    steps = (
        Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "0002_b", "CREATE TABLE b (x INTEGER);\nINSERT INTO missing VALUES (1);"),
    )
    path = tmp_path / "w.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(path, migrations=steps)
    assert await _schema(path) == []
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()


def test_migration_files_are_numbered_without_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(WaypointError, match="expected 0002"):
        load_migrations(tmp_path)


def test_statements_split_with_trigger_bodies_whole() -> None:
    script = textwrap.dedent(
        """
        -- a comment
        CREATE TABLE t (x INTEGER);
        CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
            UPDATE t SET x = x + 1;
        END;
        INSERT INTO t VALUES ('a;b');
        """
    )
    parts = split_statements(script)
    assert len(parts) == 3
    assert parts[1].startswith("CREATE TRIGGER")
    assert parts[1].endswith("END;")


async def test_rollback_on_error_and_reads_outside_see_only_commits(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "w.sqlite3")
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")

        async def fail_midway() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                assert await db.fetch_value("SELECT count(*) FROM t") == 1
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_midway()
        assert await db.fetch_value("SELECT count(*) FROM t") == 0

        inside = asyncio.Event()
        release = asyncio.Event()

        async def writer() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (2)")
                inside.set()
                await release.wait()

        task = asyncio.create_task(writer())
        await inside.wait()
        # Another task's uncommitted row is invisible until it commits.
        assert await db.fetch_value("SELECT count(*) FROM t") == 0
        release.set()
        await task
        assert await db.fetch_value("SELECT count(*) FROM t") == 1
    finally:
        await db.close()


async def test_concurrent_read_modify_write_transactions_do_not_interleave(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "w.sqlite3")
    try:
        await db.execute("CREATE TABLE c (n INTEGER)")
        await db.execute("INSERT INTO c VALUES (0)")

        async def bump() -> None:
            async with db.transaction():
                n = await db.fetch_value("SELECT n FROM c")
                await asyncio.sleep(0)  # give other tasks every chance to interleave
                await db.execute("UPDATE c SET n = ?", (n + 1,))

        await asyncio.gather(*(bump() for _ in range(60)))
        assert await db.fetch_value("SELECT n FROM c") == 60
    finally:
        await db.close()


def test_a_crash_mid_write_keeps_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from pathlib import Path
        from bot.storage.db import Database

        async def main():
            db = await Database.open(Path({str(path)!r}))
            await db.execute("CREATE TABLE t (x INTEGER)")
            for i in range(20):
                await db.execute("INSERT INTO t VALUES (?)", (i,))
            async with db.transaction():
                for i in range(1000):
                    await db.execute("INSERT INTO t VALUES (?)", (-1,))
                os._exit(9)  # the process dies with a transaction half written

        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    assert done.returncode == 9

    async def check() -> None:
        db = await Database.open(path)
        try:
            assert await db.fetch_value("SELECT count(*) FROM t WHERE x >= 0") == 20
            assert await db.fetch_value("SELECT count(*) FROM t WHERE x < 0") == 0
            assert await db.integrity_check() == []
        finally:
            await db.close()

    asyncio.run(check())


async def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    path.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(DatabaseDamaged, match="not a usable SQLite database") as caught:
        await Database.open(path)
    assert "Where data lives, and backups" in caught.value.user_message
    assert path.read_bytes() == b"this is a text file, not SQLite" * 100  # left alone

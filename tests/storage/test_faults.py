"""Real faults on real SQLite files: each ends in one sentence, and nothing is lost or half
written (issue 17, "Database")."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import DatabaseBusy, DatabaseDamaged, DatabaseFull, StorageError
from bot.storage.db import Database
from bot.study.service import StudyServices
from tests.disks import tiny_disk
from tests.study.conftest import CATALOG, Clock

G1, ALICE = 1_180_000_000_000_000_123, 42


@pytest.fixture
def clock() -> Clock:
    from datetime import UTC, datetime

    return Clock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))


async def _learner_with_checkins(db: Database, clock: Clock, count: int) -> StudyServices:
    service = StudyServices.build(db, lambda: CATALOG, default_timezone="UTC", clock=clock)
    await service.plans.new_plan(G1, ALICE, path="ml", background="beginner", hours_per_week=10)
    for i in range(count):
        await service.checkins.checkin(
            G1, ALICE, minutes=30, module="basics", note=f"session {i:04d}" * 5
        )
        clock.advance(days=1)
    return service


def _cli(data_dir: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--data-dir", str(data_dir), "--log-level", "WARNING", *argv])
    return status, capsys.readouterr().err


async def test_an_empty_database_file_is_refused_as_damaged_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "waypoint.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(DatabaseDamaged, match=r"empty \(0 bytes\).*backup"):
        await Database.open(path)
    assert path.stat().st_size == 0  # not silently turned into a new, empty database


def test_the_cli_says_so_in_one_line_for_an_empty_file_and_for_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "waypoint.sqlite3").write_bytes(b"")
    status, err = _cli(data, "progress", capsys=capsys)
    assert status == 2
    assert err.count("\n") == 1
    assert "is empty (0 bytes)" in err

    (data / "waypoint.sqlite3").unlink()
    (data / "waypoint.sqlite3").mkdir()
    status, err = _cli(data, "progress", capsys=capsys)
    assert status == 2
    assert err.strip().endswith("is a folder; it must be a file.")
    assert err.count("\n") == 1


async def test_a_damaged_checkins_page_is_named_with_the_way_back(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "waypoint.sqlite3"
    db = await Database.open(path)
    service = await _learner_with_checkins(db, clock, 200)
    await db.checkpoint()
    await db.close()
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'checkins'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as raw:  # a disk fault: the table's root page becomes noise
        raw.seek((root - 1) * page_size)
        raw.write(b"\xa5" * page_size)

    db = await Database.open(path)
    try:
        service = StudyServices.build(db, lambda: CATALOG, default_timezone="UTC", clock=clock)
        assert (await service.plans.plans(G1, ALICE))[0].path_id == "ml"  # other tables still read
        with pytest.raises(DatabaseDamaged) as caught:
            await service.checkins.checkin(G1, ALICE, minutes=30, module="basics")
        message = caught.value.user_message
        assert "is damaged" in message
        assert "Where data lives, and backups" in message
    finally:
        await db.close()


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


async def test_a_full_disk_saves_nothing_half_written_and_says_so(
    tmp_path: Path, clock: Clock
) -> None:
    disk = tmp_path / "disk"
    with tiny_disk(disk, "2m") as mounted:
        db = await Database.open(disk / "waypoint.sqlite3")
        try:
            service = await _learner_with_checkins(db, clock, 20)
            if mounted:
                filler = _fill(disk)
            else:
                # Not root: SQLite's own page limit gives the same SQLITE_FULL a full disk does.
                pages = await db.fetch_value("PRAGMA page_count")
                await db.execute(f"PRAGMA max_page_count = {int(pages)}")

            async def a_year_at_once() -> None:
                async with db.transaction():
                    for _ in range(365):
                        await service.checkins.checkin(
                            G1, ALICE, minutes=30, module="basics", note="x" * 500
                        )
                        clock.advance(days=1)

            with pytest.raises(DatabaseFull, match="full, so nothing was saved"):
                await a_year_at_once()
            if mounted:
                filler.unlink()
            else:
                await db.execute("PRAGMA max_page_count = 1073741823")
            assert (await service.progress.progress(G1, ALICE)).total_minutes == 20 * 30
            await service.checkins.checkin(G1, ALICE, minutes=15, module="basics")  # works again
            assert (await service.progress.progress(G1, ALICE)).total_minutes == 20 * 30 + 15
            assert await db.integrity_check() == []
        finally:
            await db.close()


@contextlib.asynccontextmanager
async def _writer_elsewhere(path: Path, seconds: float) -> AsyncIterator[None]:
    """Another process holding the database's write lock for `seconds` (then committing)."""
    script = textwrap.dedent(
        f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep({seconds})
        conn.execute("COMMIT")
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    assert (await proc.stdout.readline()).strip() == b"locked"
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def test_a_busy_database_is_waited_for(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "waypoint.sqlite3"
    db = await Database.open(path)
    try:
        service = await _learner_with_checkins(db, clock, 1)
        async with _writer_elsewhere(path, seconds=1.5):
            result = await service.checkins.checkin(G1, ALICE, minutes=20, module="basics")
        assert result.checkin.minutes == 20
    finally:
        await db.close()


async def test_a_database_busy_for_longer_than_we_wait_says_try_again(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "waypoint.sqlite3"
    db = await Database.open(path, busy_timeout_ms=300)
    try:
        service = await _learner_with_checkins(db, clock, 1)
        async with _writer_elsewhere(path, seconds=60):
            with pytest.raises(DatabaseBusy, match="busy with another Waypoint process; try again"):
                await service.checkins.checkin(G1, ALICE, minutes=20, module="basics")
        assert (await service.progress.progress(G1, ALICE)).total_minutes == 30
    finally:
        await db.close()


def test_storage_errors_are_the_projects_user_facing_errors() -> None:
    assert issubclass(DatabaseBusy, StorageError)
    assert issubclass(DatabaseFull, StorageError)
    assert issubclass(DatabaseDamaged, StorageError)


async def test_checkins_from_many_cli_processes_all_land_while_another_writer_holds_the_lock(
    tmp_path: Path,
) -> None:
    from tests.study.test_cli import ROADMAP

    knowledge = tmp_path / "knowledge"
    (knowledge / "paths").mkdir(parents=True)
    (knowledge / "paths" / "tiny.yaml").write_text(ROADMAP, encoding="utf-8")
    data = tmp_path / "data"
    base = [sys.executable, "-m", "bot", "--data-dir", str(data), "--knowledge", str(knowledge)]
    made = await asyncio.create_subprocess_exec(
        *base, "plan", "new", "tiny-path", "--hours", "5", stdout=asyncio.subprocess.DEVNULL
    )
    assert await made.wait() == 0
    processes = 12
    async with _writer_elsewhere(data / "waypoint.sqlite3", seconds=2):
        runs = [
            await asyncio.create_subprocess_exec(
                *base,
                "checkin",
                "5",
                "basics",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(processes)
        ]
        results = [await run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0] * processes, [err for _, err in results]
    conn = sqlite3.connect(data / "waypoint.sqlite3")
    try:
        assert conn.execute("SELECT count(*), sum(minutes) FROM checkins").fetchone() == (
            processes,
            5 * processes,
        )
    finally:
        conn.close()

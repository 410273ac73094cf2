"""`waypoint db import`: a single SQLite file's data moved into PostgreSQL, ids renumbered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.storage.db import Database
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.questions import QuestionRepository, ShownSource
from bot.study.service import StudyServices
from tests.storage.backends import needs_postgres, postgres_schema
from tests.study.conftest import CATALOG, Clock

G1, ALICE, BOB = 1_180_000_000_000_000_123, 9_000_000_000_000_000_001, 77
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema's URL (dropped afterwards), usable from sync tests."""
    loop = asyncio.new_event_loop()
    manager = postgres_schema()
    try:
        yield loop.run_until_complete(manager.__aenter__())
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()


async def _fill(path: Path) -> tuple[int, int]:
    """A single-process database with gaps in its ids; returns (minutes, questions)."""
    clock = Clock(START)
    db = await Database.open(path)
    try:
        study = StudyServices.build(db, lambda: CATALOG, default_timezone="UTC", clock=clock)
        for user in (ALICE, BOB):
            await study.plans.new_plan(
                G1, user, path="ml", background="beginner", hours_per_week=10
            )
        await study.plans.new_plan(G1, ALICE, path="web", background="beginner", hours_per_week=2)
        await study.plans.new_plan(G1, BOB, path="ml", background="beginner", hours_per_week=5)
        for day in range(6):
            await study.checkins.checkin(G1, ALICE, minutes=30 + day, module="basics")
            await study.checkins.checkin(
                G1, BOB, minutes=10, module="basics", request_key=f"k{day}"
            )
            clock.advance(days=1)
        await study.community.set_leaderboard(G1, ALICE, True)
        await db.execute(
            "DELETE FROM checkins WHERE user_id = ? AND minutes = 10 AND day % 2 = 0", (BOB,)
        )
        questions = QuestionRepository(db)
        ids = []
        for n in range(3):
            ids.append(
                await questions.add(
                    guild_id=G1,
                    channel_id=5,
                    user_id=BOB,
                    message_id=1000 + n,
                    via="mention",
                    question=f"question {n}",
                    normalized=f"question {n}",
                    answered=True,
                    top_score=0.7,
                    sources=(ShownSource("T", "S", None, "a.md"),),
                    asked_at=START + timedelta(minutes=n),
                )
            )
        await db.execute("DELETE FROM questions WHERE id = ?", (ids[0],))
        await questions.vote(ids[2], ALICE, False, START)
        await GuildConfigRepository(db).toggle_answer_channel(G1, 5, ALICE, START)
        minutes = (await study.progress.progress(G1, ALICE)).total_minutes
        return minutes, 2
    finally:
        await db.close()


@needs_postgres
def test_an_sqlite_file_moves_into_postgres_and_reads_the_same(
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "old" / "waypoint.sqlite3"
    minutes, _ = asyncio.run(_fill(source))
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", pg_url)
    data = ["--data-dir", str(tmp_path / "data"), "--log-level", "WARNING"]

    assert main([*data, "db", "import", str(source)]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 learners, 3 plans, 9 check-ins" in out
    assert "2 questions, 1 votes and 1 answer channels" in out

    async def check() -> None:
        db = await Database.open(pg_url)
        try:
            study = StudyServices.build(
                db, lambda: CATALOG, default_timezone="UTC", clock=Clock(START + timedelta(days=6))
            )
            assert (await study.progress.progress(G1, ALICE)).total_minutes == minutes
            assert [p.path_id for p in await study.plans.plans(G1, ALICE)] == ["web", "ml"]
            board = await study.community.leaderboard(G1, "month")
            assert [e.user_id for e in board] == [ALICE]
            [gap] = await QuestionRepository(db).disliked(G1, START - timedelta(days=1), 5)
            assert gap.question == "question 2"  # the vote follows its question's new id
            ids = [r[0] for r in await db.fetch_all("SELECT id FROM questions ORDER BY id")]
            assert ids == [1, 2]  # renumbered without the gap
            # A repeated request key is still recognized after the move.
            key = await db.fetch_value(
                "SELECT max(request_key) FROM checkins WHERE user_id = ?", (BOB,)
            )
            again = await study.checkins.checkin(
                G1, BOB, minutes=10, module="basics", request_key=key
            )
            assert again.duplicate
        finally:
            await db.close()

    asyncio.run(check())

    # A second import would double everything: refused, nothing changed.
    assert main([*data, "db", "import", str(source)]) == 2
    err = capsys.readouterr().err
    assert "already holds Waypoint data" in err
    assert err.count("\n") == 1

    async def count() -> int:
        conn = await asyncpg.connect(pg_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM checkins"))
        finally:
            await conn.close()

    assert asyncio.run(count()) == 9


def test_import_without_a_postgres_url_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WAYPOINT_DATABASE_URL", raising=False)
    source = tmp_path / "waypoint.sqlite3"
    status = main(["--data-dir", str(tmp_path), "db", "import", str(source)])
    assert status == 2
    assert "Set WAYPOINT_DATABASE_URL" in capsys.readouterr().err
    assert not source.exists()

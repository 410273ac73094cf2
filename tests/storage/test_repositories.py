"""The repositories on both backends: what is stored is what comes back, ids are new rows'
ids, Discord snowflakes keep all 64 bits, and the dialect-specific queries agree."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.storage.db import Database
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.questions import QuestionRepository, ShownSource
from bot.storage.study import StudyRepository
from bot.study.models import Checkin, PlanDraft, PlannedModule

# Real snowflakes are beyond 2**53 and 2**31: both must survive the round trip exactly.
GUILD = 1_180_000_000_000_000_123
ALICE = 9_000_000_000_000_000_001
BOB = 9_000_000_000_000_000_002
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _draft(path_id: str = "ml") -> PlanDraft:
    module = PlannedModule(
        module_id="basics",
        title="Basics",
        position=0,
        module_hours=4.0,
        hours=3.75,
        logged_before_minutes=15,
        start=date(2026, 3, 2),
        end=date(2026, 3, 9),
        weekly_hours=2.5,
    )
    return PlanDraft(
        path_id=path_id,
        path_title="ML Path",
        background="beginner",
        hours_per_week=2.5,
        start=date(2026, 3, 2),
        finish=date(2026, 3, 9),
        modules=(module,),
    )


async def _checkin(
    repo: StudyRepository, user: int, minutes: int, key: str | None, day: int = 1
) -> Checkin | None:
    return await repo.add_checkin(
        scope=GUILD,
        user_id=user,
        path_id="ml",
        module_id="basics",
        minutes=minutes,
        note="read chapter 1",
        study_date=date(2026, 3, day),
        day=day,
        timezone="UTC",
        entered_at=NOW + timedelta(minutes=day),
        entered_date=date(2026, 3, day),
        request_key=key,
    )


async def test_plans_round_trip_with_new_ids_and_exact_values(db: Database) -> None:
    repo = StudyRepository(db)
    async with db.transaction():
        await repo.ensure_learner(GUILD, ALICE, NOW)
        first = await repo.replace_plan(GUILD, ALICE, _draft(), NOW)
        second = await repo.replace_plan(GUILD, ALICE, _draft("web"), NOW + timedelta(hours=1))
    assert first != second
    plans = await repo.plans(GUILD, ALICE)
    assert [p.path_id for p in plans] == ["web", "ml"]  # most recent first
    plan = plans[1]
    assert (plan.id, plan.scope, plan.user_id) == (first, GUILD, ALICE)
    assert plan.hours_per_week == 2.5
    assert plan.modules[0].hours == 3.75
    assert plan.modules[0].logged_before_minutes == 15
    assert plan.created_at == NOW


async def test_a_repeated_request_key_is_stored_once(db: Database) -> None:
    repo = StudyRepository(db)
    await repo.ensure_learner(GUILD, ALICE, NOW)
    stored = await _checkin(repo, ALICE, 30, "interaction-1")
    again = await _checkin(repo, ALICE, 30, "interaction-1")
    other = await _checkin(repo, ALICE, 20, None)
    assert stored is not None
    assert other is not None
    assert again is None
    assert other.id != stored.id
    assert [c.id for c in await repo.checkins(GUILD, ALICE)] == [stored.id, other.id]
    assert await repo.totals(GUILD, ALICE) == (50, 2)
    assert await repo.minutes_per_day(GUILD, ALICE) == {1: 50}


async def test_leaderboard_counts_only_opted_in_learners_in_the_dates(db: Database) -> None:
    repo = StudyRepository(db)
    for user in (ALICE, BOB):
        await repo.ensure_learner(GUILD, user, NOW)
    await _checkin(repo, ALICE, 30, "a1", day=2)
    await _checkin(repo, ALICE, 40, "a2", day=20)  # outside the range below
    await _checkin(repo, BOB, 50, "b1", day=3)
    await repo.set_leaderboard(GUILD, ALICE, True)
    board = await repo.leaderboard(GUILD, date(2026, 3, 1), date(2026, 3, 10), 10)
    assert [(e.user_id, e.minutes) for e in board] == [(ALICE, 30)]
    await repo.set_leaderboard(GUILD, BOB, True)
    board = await repo.leaderboard(GUILD, date(2026, 3, 1), date(2026, 3, 10), 10)
    assert [(e.user_id, e.minutes) for e in board] == [(BOB, 50), (ALICE, 30)]


async def test_reminders_are_marked_once_per_day(db: Database) -> None:
    repo = StudyRepository(db)
    await repo.ensure_learner(GUILD, ALICE, NOW)
    await repo.set_reminder(GUILD, ALICE, "19:30")
    results = await asyncio.gather(
        *(repo.mark_reminded(GUILD, ALICE, date(2026, 3, 2)) for _ in range(10))
    )
    assert results.count(True) == 1
    assert await repo.mark_reminded(GUILD, ALICE, date(2026, 3, 3))


async def test_deleting_a_learner_removes_everything_they_own(db: Database) -> None:
    repo = StudyRepository(db)
    async with db.transaction():
        await repo.ensure_learner(GUILD, ALICE, NOW)
        await repo.replace_plan(GUILD, ALICE, _draft(), NOW)
        await repo.set_completed(GUILD, ALICE, "ml", ["basics"], True, NOW)
    await _checkin(repo, ALICE, 30, "k")
    async with db.transaction():
        deleted = await repo.delete_learner(GUILD, ALICE)
    assert (deleted.checkins, deleted.plans, deleted.completions) == (1, 1, 1)
    assert await repo.learner(GUILD, ALICE) is None
    assert await db.fetch_value("SELECT count(*) FROM plan_modules") == 0


def _question(
    repo: QuestionRepository,
    text: str,
    *,
    guild: int | None,
    message: int | None,
    answered: bool,
    at: datetime,
):
    return repo.add(
        guild_id=guild,
        channel_id=None if guild is None else 42,
        user_id=ALICE,
        message_id=message,
        via="mention" if message else "cli",
        question=text,
        normalized="what is mlops",
        answered=answered,
        top_score=0.5,
        sources=(ShownSource("MLOps", "Intro", None, "articles/mlops.md"),),
        asked_at=at,
    )


async def test_questions_are_logged_once_per_message_and_grouped_in_gaps(db: Database) -> None:
    repo = QuestionRepository(db)
    ids = await asyncio.gather(
        _question(repo, "What is MLOps?", guild=GUILD, message=111, answered=False, at=NOW),
        _question(repo, "what is mlops", guild=GUILD, message=111, answered=False, at=NOW),
        _question(
            repo,
            "What's MLOps",
            guild=GUILD,
            message=112,
            answered=False,
            at=NOW + timedelta(hours=1),
        ),
        _question(repo, "What is MLOps?", guild=None, message=None, answered=False, at=NOW),
    )
    assert ids[1] is None  # the same Discord message is answered (and logged) once
    assert len({i for i in ids if i is not None}) == 3
    gaps = await repo.unanswered(GUILD, NOW - timedelta(days=1), 10)
    # One group; the wording shown is the latest asked.
    assert [(g.question, g.count) for g in gaps] == [("What's MLOps", 2)]
    direct = await repo.unanswered(None, NOW - timedelta(days=1), 10)
    assert [(g.question, g.count) for g in direct] == [("What is MLOps?", 1)]


async def test_votes_change_and_disliked_answers_are_listed(db: Database) -> None:
    repo = QuestionRepository(db)
    qid = await _question(repo, "What is MLOps?", guild=GUILD, message=7, answered=True, at=NOW)
    assert qid is not None
    assert await repo.vote(qid, ALICE, False, NOW) is None
    assert await repo.vote(qid, ALICE, True, NOW) is False
    assert await repo.disliked(GUILD, NOW - timedelta(days=1), 10) == []
    await repo.vote(qid, BOB, False, NOW)
    [row] = await repo.disliked(GUILD, NOW - timedelta(days=1), 10)
    assert (row.question, row.count, row.helpful) == ("What is MLOps?", 1, 1)
    assert row.sources[0].source == "articles/mlops.md"
    record = await repo.get(qid)
    assert record is not None
    assert (record.guild_id, record.answered) == (GUILD, True)
    history = await repo.member_history(GUILD, ALICE)
    assert [h.get("question", h.get("vote_on")) for h in history] == ["What is MLOps?"] * 2
    assert await repo.delete_user(GUILD, ALICE) == 1
    assert await repo.get(qid) is None


async def test_answer_channels_toggle(db: Database) -> None:
    repo = GuildConfigRepository(db)
    assert await repo.toggle_answer_channel(GUILD, 5, ALICE, NOW) is True
    assert await repo.answer_channels(GUILD) == frozenset({5})
    assert await repo.toggle_answer_channel(GUILD, 5, ALICE, NOW) is False
    assert await repo.answer_channels(GUILD) == frozenset()


async def test_concurrent_read_modify_write_transactions_do_not_interleave(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER)")
    await db.execute("INSERT INTO counter VALUES (0)")

    async def bump() -> None:
        async with db.transaction():
            n = await db.fetch_value("SELECT n FROM counter")
            await asyncio.sleep(0)  # give other tasks every chance to interleave
            await db.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(bump() for _ in range(40)))
    assert await db.fetch_value("SELECT n FROM counter") == 40


async def test_a_failed_transaction_leaves_nothing_and_others_see_only_commits(
    db: Database,
) -> None:
    repo = StudyRepository(db)

    async def fail_midway() -> None:
        async with db.transaction():
            await repo.ensure_learner(GUILD, ALICE, NOW)
            assert await repo.learner(GUILD, ALICE) is not None  # seen inside
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()
    assert await repo.learner(GUILD, ALICE) is None
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction():
            await repo.ensure_learner(GUILD, BOB, NOW)
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await repo.learner(GUILD, BOB) is None  # not committed yet
    release.set()
    await task
    assert await repo.learner(GUILD, BOB) is not None

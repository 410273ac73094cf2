"""QuestionService against a real SQLite file: logging, duplicates, votes, gaps, forgetting,
the cooldown and the replay guard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.errors import InvalidInput, NotFound
from bot.qa.service import QuestionService, normalize
from bot.storage.db import Database
from bot.study.service import StudyServices
from index.catalog import Catalog
from index.search import KnowledgeBase
from tests.discord_bot.conftest import SESSION_LOOP

pytestmark = SESSION_LOOP
GUILD = 1
CATALOG = Catalog()


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "q.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def study(db: Database) -> StudyServices:
    return StudyServices.build(db, lambda: CATALOG)


@pytest.fixture
def service(db: Database, study: StudyServices, knowledge: KnowledgeBase) -> QuestionService:
    return QuestionService(knowledge, db, study.plans, top_k=2)


async def test_concurrent_copies_of_one_message_answered_once(service: QuestionService) -> None:
    outcomes = await asyncio.gather(
        *(
            service.ask("what is overfitting?", user_id=7, guild_id=GUILD, message_id=99)
            for _ in range(20)
        )
    )
    assert sum(o is not None for o in outcomes) == 1


async def test_concurrent_questions_each_logged(service: QuestionService) -> None:
    outcomes = await asyncio.gather(
        *(
            service.ask(f"what is overfitting? {i}", user_id=i, guild_id=GUILD, message_id=i)
            for i in range(1, 31)
        )
    )
    ids = [o.question_id for o in outcomes if o is not None]
    assert len(set(ids)) == 30
    assert all(len(o.answer.passages) <= 2 for o in outcomes if o is not None)


async def test_votes_and_gaps(service: QuestionService) -> None:
    for text in ("Best pizza in Naples?", "best PIZZA in naples", "How to bake bread?"):
        await service.ask(text, user_id=1, guild_id=GUILD)
    answered = await service.ask("What is overfitting?", user_id=1, guild_id=GUILD)
    assert answered is not None
    first = await service.vote(answered.question_id, 2, helpful=False)
    assert first.previous is None
    again = await service.vote(answered.question_id, 2, helpful=True)
    assert again.previous is False
    await service.vote(answered.question_id, 3, helpful=False)
    report = await service.gaps(GUILD)
    assert [(g.count, normalize(g.question)) for g in report.unanswered] == [
        (2, "best pizza in naples"),
        (1, "how to bake bread"),
    ]
    (disliked,) = report.disliked
    assert (disliked.question, disliked.count, disliked.helpful) == ("What is overfitting?", 1, 1)
    assert (await service.gaps(GUILD + 1)).unanswered == ()
    with pytest.raises(InvalidInput):
        await service.gaps(GUILD, days=0)


async def test_vote_on_unknown_answer(service: QuestionService) -> None:
    with pytest.raises(NotFound):
        await service.vote(12345, 1, helpful=True)


async def test_answer_channels_toggle(service: QuestionService) -> None:
    added = await service.toggle_answer_channel(GUILD, 10, by=1)
    assert added.added
    assert added.channels == {10}
    await service.toggle_answer_channel(GUILD, 11, by=1)
    removed = await service.toggle_answer_channel(GUILD, 10, by=1)
    assert not removed.added
    assert await service.answer_channels(GUILD) == {11}
    assert await service.answer_channels(GUILD + 1) == frozenset()


async def test_forget_member(service: QuestionService, study: StudyServices) -> None:
    mine = await service.ask("What is overfitting?", user_id=5, guild_id=GUILD)
    theirs = await service.ask("What is overfitting?", user_id=6, guild_id=GUILD)
    assert mine is not None
    assert theirs is not None
    await service.vote(theirs.question_id, 5, helpful=True)
    await service.vote(mine.question_id, 6, helpful=True)
    assert (await study.privacy.delete_data(GUILD, 5)).questions == 1
    with pytest.raises(NotFound):
        await service.vote(mine.question_id, 6, helpful=False)
    assert (await service.vote(theirs.question_id, 5, helpful=True)).previous is None

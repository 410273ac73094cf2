"""Answer channels' thread mode and the conversation behind a follow-up, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.conversations import ConversationRepository
from bot.storage.db import Database
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.questions import QuestionRepository

GUILD, TEXT, FORUM, THREAD, OTHER = 1, 10, 11, 20, 30
ALICE, BOB = 100, 200
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


async def test_thread_mode_is_set_changed_and_toggled_off(db: Database) -> None:
    config = GuildConfigRepository(db)
    assert await config.set_answer_channel(GUILD, TEXT, ALICE, NOW, threads=True)
    assert await config.toggle_answer_channel(GUILD, FORUM, ALICE, NOW)
    assert await config.answer_channel_modes(GUILD) == {TEXT: True, FORUM: False}
    # Setting the mode of a channel already set changes it and keeps the channel.
    assert not await config.set_answer_channel(GUILD, TEXT, BOB, NOW, threads=False)
    assert await config.answer_channel_modes(GUILD) == {TEXT: False, FORUM: False}
    assert not await config.toggle_answer_channel(GUILD, TEXT, BOB, NOW)
    assert await config.answer_channels(GUILD) == frozenset({FORUM})


async def _ask(
    db: Database, channel: int | None, user: int, question: str, message: int | None
) -> int:
    question_id = await QuestionRepository(db).add(
        guild_id=GUILD if channel is not None else None,
        channel_id=channel,
        user_id=user,
        message_id=message,
        via="channel",
        question=question,
        normalized=question.casefold(),
        answered=True,
        top_score=0.5,
        sources=(),
        asked_at=NOW,
    )
    assert question_id is not None
    return question_id


async def test_a_conversation_is_read_back_oldest_first(db: Database) -> None:
    repo = ConversationRepository(db)
    assert await repo.in_channel(THREAD) == []
    first = await _ask(db, THREAD, ALICE, "what is overfitting?", 1)
    await _ask(db, OTHER, ALICE, "what is git lfs?", 2)
    second = await _ask(db, THREAD, BOB, "how do I prevent it?", 3)
    await _ask(db, THREAD, ALICE, "tell me more", 4)
    assert await repo.in_channel(THREAD) == [
        "what is overfitting?",
        "how do I prevent it?",
        "tell me more",
    ]
    assert await repo.in_channel(THREAD, limit=1) == ["tell me more"]
    assert await repo.question_id_of_message(3) == second
    assert await repo.question_id_of_message(99) is None
    # Leading to a question: the same member's questions in the same channel, up to it.
    assert await repo.leading_to(first) == ["what is overfitting?"]
    assert await repo.leading_to(second) == ["how do I prevent it?"]
    assert await repo.leading_to(12345) == []
    # The terminal's questions have no guild or channel: still one conversation.
    cli = [await _ask(db, None, ALICE, q, None) for q in ("what is dropout?", "and why?")]
    assert await repo.leading_to(cli[1]) == ["what is dropout?", "and why?"]

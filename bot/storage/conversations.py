"""Read-only queries over logged questions that give a follow-up its conversation."""

from __future__ import annotations

from bot.storage.db import Database

# Enough earlier turns to find the subject of a thread; older ones rarely matter.
HISTORY_TURNS = 5


class ConversationRepository:
    """The earlier questions of a thread, or of the answer a member replied to."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def in_channel(self, channel_id: int, *, limit: int = HISTORY_TURNS) -> list[str]:
        """The latest questions asked in a channel or thread, oldest first (empty when the bot
        never answered there)."""
        rows = await self._db.fetch_all(
            "SELECT question FROM questions WHERE channel_id = ? ORDER BY id DESC LIMIT ?",
            (channel_id, limit),
        )
        return [str(r["question"]) for r in reversed(rows)]

    async def question_id_of_message(self, message_id: int) -> int | None:
        """The id under which the question in `message_id` was logged, if it was."""
        value = await self._db.fetch_value(
            "SELECT id FROM questions WHERE message_id = ?", (message_id,)
        )
        return None if value is None else int(value)

    async def leading_to(self, question_id: int, *, limit: int = HISTORY_TURNS) -> list[str]:
        """The question `question_id` and the same member's questions just before it in the
        same channel, oldest first (empty when it is unknown)."""
        rows = await self._db.fetch_all(
            "SELECT q.question FROM questions AS q JOIN questions AS t"
            " ON q.user_id = t.user_id AND q.channel_id IS NOT DISTINCT FROM t.channel_id"
            " AND q.guild_id IS NOT DISTINCT FROM t.guild_id AND q.id <= t.id"
            " WHERE t.id = ? ORDER BY q.id DESC LIMIT ?",
            (question_id, limit),
        )
        return [str(r["question"]) for r in reversed(rows)]

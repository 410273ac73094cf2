"""Repository for the questions log and the 👍/👎 votes on answers."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.db import Database


@dataclass(frozen=True)
class ShownSource:
    """A citation as it was shown under an answer."""

    title: str
    section: str
    url: str | None
    source: str


@dataclass(frozen=True)
class QuestionRecord:
    """One logged question."""

    id: int
    guild_id: int | None
    user_id: int
    question: str
    answered: bool
    sources: tuple[ShownSource, ...]


@dataclass(frozen=True)
class GapRow:
    """A question (grouped by its normalized words) and how often it came up."""

    question: str
    count: int
    last_asked: datetime
    sources: tuple[ShownSource, ...] = ()
    helpful: int = 0


def _sources(raw: str) -> tuple[ShownSource, ...]:
    return tuple(ShownSource(**item) for item in json.loads(raw))


_INSERT_QUESTION = (
    "INSERT INTO questions (guild_id, channel_id, user_id, message_id, via, question,"
    " normalized, answered, top_score, sources, asked_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING id"
)


def _guild(column: str, guild_id: int | None) -> tuple[str, tuple[int, ...]]:
    """A condition matching one guild, or direct messages and the terminal (NULL guild).

    Spelled per case rather than `IS ?` (which PostgreSQL lacks) so both databases use the
    guild's index.
    """
    if guild_id is None:
        return f"{column} IS NULL", ()
    return f"{column} = ?", (guild_id,)


class _GroupCommit:
    """Inserts from concurrent callers share one transaction (one fsync).

    Under a burst of questions each commit would otherwise wait for every commit before it;
    here the inserts that arrive while one transaction commits go together in the next one.
    Each caller still gets its own row id (or None on a duplicate message) before it replies.
    """

    def __init__(self, db: Database, sql: str) -> None:
        self._db = db
        self._sql = sql
        self._pending: list[tuple[tuple[Any, ...], asyncio.Future[int | None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def insert(self, params: tuple[Any, ...]) -> int | None:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending.append((params, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._db.transaction():
                    results = []
                    for params, _ in batch:
                        results.append(await self._db.insert(self._sql, params))
            except Exception as exc:  # every caller of the batch learns of the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)


class QuestionRepository:
    """All SQL about questions and feedback."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._inserts = _GroupCommit(db, _INSERT_QUESTION)

    async def add(
        self,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        message_id: int | None,
        via: str,
        question: str,
        normalized: str,
        answered: bool,
        top_score: float | None,
        sources: tuple[ShownSource, ...],
        asked_at: datetime,
    ) -> int | None:
        """Log an answered question; None when `message_id` was logged already (the unique
        message id makes "answer each message once" hold across processes)."""
        payload = json.dumps([s.__dict__ for s in sources], ensure_ascii=False)
        return await self._inserts.insert(
            (
                guild_id,
                channel_id,
                user_id,
                message_id,
                via,
                question,
                normalized,
                int(answered),
                top_score,
                payload,
                asked_at.isoformat(),
            )
        )

    async def get(self, question_id: int) -> QuestionRecord | None:
        """The logged question with this id."""
        row = await self._db.fetch_one(
            "SELECT id, guild_id, user_id, question, answered, sources FROM questions WHERE id = ?",
            (question_id,),
        )
        if row is None:
            return None
        answered = bool(row["answered"])
        return QuestionRecord(
            row["id"],
            row["guild_id"],
            row["user_id"],
            row["question"],
            answered,
            _sources(row["sources"]),
        )

    async def vote(
        self, question_id: int, user_id: int, helpful: bool, at: datetime
    ) -> bool | None:
        """Store (or change) a vote; returns the voter's previous vote, None if first."""
        async with self._db.transaction():
            previous = await self._db.fetch_value(
                "SELECT helpful FROM feedback WHERE question_id = ? AND user_id = ?",
                (question_id, user_id),
            )
            await self._db.execute(
                "INSERT INTO feedback (question_id, user_id, helpful, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful,"
                " voted_at = excluded.voted_at",
                (question_id, user_id, int(helpful), at.isoformat()),
            )
        return None if previous is None else bool(previous)

    async def unanswered(self, guild_id: int | None, since: datetime, limit: int) -> list[GapRow]:
        """Questions the bot abstained on, most frequent first."""
        where, guild = _guild("guild_id", guild_id)
        # The wording shown is the latest asked (SQLite takes bare columns from the MAX row;
        # PostgreSQL needs it spelled out).
        question = (
            "question"
            if self._db.dialect == "sqlite"
            else ("(array_agg(question ORDER BY asked_at DESC))[1]")
        )
        rows = await self._db.fetch_all(
            f"SELECT {question} AS question, COUNT(*) AS n, MAX(asked_at) AS last FROM questions"
            f" WHERE {where} AND answered = 0 AND asked_at >= ?"
            " GROUP BY normalized ORDER BY n DESC, last DESC LIMIT ?",
            (*guild, since.isoformat(), limit),
        )
        return [GapRow(r["question"], r["n"], datetime.fromisoformat(r["last"])) for r in rows]

    async def disliked(self, guild_id: int | None, since: datetime, limit: int) -> list[GapRow]:
        """Answered questions voted 👎 (grouped by question), most 👎 first, with the sources
        shown the last time and the 👍 the same answers got."""
        where, guild = _guild("q.guild_id", guild_id)
        if self._db.dialect == "sqlite":
            shown = "q.question, q.sources"
        else:
            shown = (
                "(array_agg(q.question ORDER BY q.asked_at DESC))[1] AS question,"
                " (array_agg(q.sources ORDER BY q.asked_at DESC))[1] AS sources"
            )
        rows = await self._db.fetch_all(
            f"SELECT {shown}, count(*) FILTER (WHERE f.helpful = 0) AS downs,"
            " count(*) FILTER (WHERE f.helpful = 1) AS ups, MAX(q.asked_at) AS last"
            " FROM feedback f JOIN questions q ON q.id = f.question_id"
            f" WHERE {where} AND f.voted_at >= ?"
            " GROUP BY q.normalized HAVING count(*) FILTER (WHERE f.helpful = 0) > 0"
            " ORDER BY downs DESC, last DESC LIMIT ?",
            (*guild, since.isoformat(), limit),
        )
        return [
            GapRow(
                r["question"],
                r["downs"],
                datetime.fromisoformat(r["last"]),
                _sources(r["sources"]),
                r["ups"],
            )
            for r in rows
        ]

    async def member_history(self, guild_id: int | None, user_id: int) -> list[dict[str, Any]]:
        """A member's questions with the sources shown and their own votes (for data export)."""
        where, guild = _guild("guild_id", guild_id)
        questions = await self._db.fetch_all(
            "SELECT id, question, via, answered, sources, asked_at FROM questions"
            f" WHERE {where} AND user_id = ? ORDER BY asked_at",
            (*guild, user_id),
        )
        where, guild = _guild("q.guild_id", guild_id)
        votes = await self._db.fetch_all(
            "SELECT f.question_id, q.question, f.helpful, f.voted_at"
            " FROM feedback f JOIN questions q ON q.id = f.question_id"
            f" WHERE {where} AND f.user_id = ? ORDER BY f.voted_at",
            (*guild, user_id),
        )
        return [
            {
                "question": r["question"],
                "asked_via": r["via"],
                "answered": bool(r["answered"]),
                "sources_shown": json.loads(r["sources"]),
                "asked_at": r["asked_at"],
            }
            for r in questions
        ] + [
            {
                "vote_on": r["question"],
                "helpful": bool(r["helpful"]),
                "voted_at": r["voted_at"],
            }
            for r in votes
        ]

    async def delete_user(self, guild_id: int | None, user_id: int) -> int:
        """Forget a member's questions (their votes on them go too) and their votes elsewhere."""
        where, guild = _guild("guild_id", guild_id)
        async with self._db.transaction():
            done = await self._db.execute(
                f"DELETE FROM questions WHERE {where} AND user_id = ?", (*guild, user_id)
            )
            await self._db.execute(
                "DELETE FROM feedback WHERE user_id = ? AND question_id IN"
                f" (SELECT id FROM questions WHERE {where})",
                (user_id, *guild),
            )
        return done.rowcount

"""QuestionService: ask the knowledge base, log every question, votes, answer channels, gaps,
and the rules on who may ask when (the per-member cooldown, the replay guard).

Plain async code with no Discord imports: the Discord cogs and the terminal call the same methods.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.errors import InvalidInput, NotFound, OnCooldown
from bot.qa.cooldown import Cooldown
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.questions import GapRow, QuestionRepository, ShownSource
from bot.study import TERMINAL_SCOPE

if TYPE_CHECKING:
    from bot.storage.db import Database
    from bot.study.models import CurrentModule
    from bot.study.plans import PlanService
    from index.documents import Answer
    from index.search import KnowledgeBase

log = logging.getLogger(__name__)

__all__ = ["AskOutcome", "ChannelToggle", "GapRow", "GapsReport", "QuestionService", "VoteOutcome"]

MAX_QUESTION_CHARS = 500
# Message ids remembered by the in-memory replay guard (the database is the durable one).
_SEEN_MAX = 5_000
Via = Literal["slash", "mention", "channel", "cli"]
_WORDS = re.compile(r"\w+")


def clean_question(text: str) -> str:
    """The question with surrounding space removed; InvalidInput when empty or too long."""
    # Lone surrogates (a terminal's undecodable bytes, a broken client) are not text: drop them.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    question = " ".join(text.split())
    if not question:
        raise InvalidInput("Ask a question in words, for example: what is overfitting?")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidInput(
            f"Your question is {len(question)} characters long; please keep it under "
            f"{MAX_QUESTION_CHARS} (a short question also finds better passages)."
        )
    return question


def normalize(question: str) -> str:
    """Casefolded words only, so "What is RAG?" and "what is rag" count as one gap."""
    return " ".join(_WORDS.findall(question.casefold()))


@dataclass(frozen=True)
class AskOutcome:
    """An answer and the id it was logged under (the feedback buttons carry that id)."""

    question_id: int
    answer: Answer
    module: CurrentModule | None = None  # the learner's current module, when they have a plan


@dataclass(frozen=True)
class VoteOutcome:
    """A stored vote and the voter's previous vote on the same answer."""

    helpful: bool
    previous: bool | None


@dataclass(frozen=True)
class ChannelToggle:
    """The result of `/config answer-channel`: whether it was added, and the channels now set."""

    channel_id: int
    added: bool
    channels: frozenset[int]


@dataclass(frozen=True)
class GapsReport:
    """What the knowledge base is missing, according to learners."""

    since: datetime
    unanswered: tuple[GapRow, ...]
    disliked: tuple[GapRow, ...]


class QuestionService:
    """Everything about questions, independent of where they are asked."""

    def __init__(
        self,
        kb: KnowledgeBase,
        db: Database,
        plans: PlanService,
        *,
        top_k: int = 3,
        cooldown_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kb = kb
        self._plans = plans  # a learner's current module ranks a little higher
        self._questions = QuestionRepository(db)
        self._config = GuildConfigRepository(db)
        self.top_k = top_k
        self._cooldown = Cooldown(cooldown_seconds, monotonic)
        # on_message consults this for every message, so it is kept in memory per guild, and
        # dropped when any process sharing the database changes it.
        self._channels: dict[int, frozenset[int]] = {}
        self._channel_changes = 0
        self._watching = False
        # Gateway replays (RESUME) can deliver a message twice; the database is the durable
        # guard, this keeps a replay from even reaching the cooldown.
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_delivery(self, message_id: int) -> bool:
        """False when this message was already seen by this process (a replayed event)."""
        if message_id in self._seen:
            return False
        self._seen[message_id] = None
        if len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        return True

    def admit(self, question: str, *, user_id: int, guild_id: int | None) -> str:
        """The cleaned question if the member may ask now; starts their cooldown.

        Raises InvalidInput (empty, too long) or OnCooldown; `OnCooldown.notify` is True only
        for the first refusal of a cooldown window, so a flood gets one notice, not one each.
        """
        text = clean_question(question)
        key = (guild_id, user_id)
        wait = self._cooldown.retry_after(key)
        if wait > 0:
            raise OnCooldown(wait, notify=self._cooldown.first_refusal(key))
        return text

    async def ask(
        self,
        question: str,
        *,
        user_id: int,
        guild_id: int | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        via: Via = "slash",
        boost_module: tuple[str, str] | None = None,
        top_k: int | None = None,
    ) -> AskOutcome | None:
        """Answer and log a question. None when `message_id` was already answered (a replayed
        gateway event or a second bot process), so no message is ever answered twice.

        `boost_module` = (path id, module id) of the learner's current module, ranked a little
        higher when about as relevant as other passages."""
        text = clean_question(question)
        module = None
        # The terminal's questions have no guild; its learner's plan lives in TERMINAL_SCOPE.
        scope = TERMINAL_SCOPE if guild_id is None and via == "cli" else guild_id
        if boost_module is None and scope is not None:
            module = await self._plans.current_module(scope, user_id)
            if module is not None:
                boost_module = (module.path_id, module.module_id)
        answer = await self._kb.ask(text, top_k=top_k or self.top_k, boost_module=boost_module)
        shown = tuple(
            ShownSource(p.citation.title, p.citation.section, p.citation.url, p.citation.source)
            for p in answer.passages
        )
        # One write per question, after the answer: the unique message id decides which
        # process (or replayed event) gets to reply.
        question_id = await self._questions.add(
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            message_id=message_id,
            via=via,
            question=text,
            normalized=normalize(text),
            answered=answer.answered,
            top_score=max((p.score for p in answer.passages), default=None),
            sources=shown,
            asked_at=datetime.now(UTC),
        )
        if question_id is None:
            log.info("message %s already answered; not answering again", message_id)
            return None
        log.info(
            "question %d guild=%s via=%s answered=%s sources=%d",
            question_id,
            guild_id,
            via,
            answer.answered,
            len(shown),
        )
        return AskOutcome(question_id, answer, module)

    async def vote(self, question_id: int, user_id: int, *, helpful: bool) -> VoteOutcome:
        """Record a 👍 (helpful) or 👎 on an answer; voting again changes the vote."""
        if await self._questions.get(question_id) is None:
            raise NotFound("That answer is no longer in my records, so the vote was not saved.")
        previous = await self._questions.vote(question_id, user_id, helpful, datetime.now(UTC))
        return VoteOutcome(helpful, previous)

    async def answer_channels(self, guild_id: int) -> frozenset[int]:
        """The channels of a guild where every message is answered."""
        if not self._watching:
            self._watching = True
            await self._config.on_answer_channels_changed(self._forget_channels)
        cached = self._channels.get(guild_id)
        if cached is None:
            changes = self._channel_changes
            cached = await self._config.answer_channels(guild_id)
            if changes == self._channel_changes:  # no change announced while reading
                self._channels[guild_id] = cached
        return cached

    def _forget_channels(self, guild_id: int | None) -> None:
        self._channel_changes += 1
        if guild_id is None:
            self._channels.clear()
        else:
            self._channels.pop(guild_id, None)

    async def toggle_answer_channel(
        self, guild_id: int, channel_id: int, *, by: int
    ) -> ChannelToggle:
        """Add a channel to the answer channels, or remove it when it is already one."""
        added = await self._config.toggle_answer_channel(
            guild_id, channel_id, by, datetime.now(UTC)
        )
        channels = self._channels[guild_id] = await self._config.answer_channels(guild_id)
        log.info(
            "guild=%s answer channel %s %s", guild_id, channel_id, "added" if added else "removed"
        )
        return ChannelToggle(channel_id, added, channels)

    async def gaps(self, guild_id: int | None, *, days: int = 30, limit: int = 10) -> GapsReport:
        """Unanswered and 👎 questions of the last `days` days, most frequent first."""
        if not 1 <= days <= 365:
            raise InvalidInput("Choose between 1 and 365 days.")
        since = datetime.now(UTC) - timedelta(days=days)
        unanswered = await self._questions.unanswered(guild_id, since, limit)
        disliked = await self._questions.disliked(guild_id, since, limit)
        return GapsReport(since, tuple(unanswered), tuple(disliked))

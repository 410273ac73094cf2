"""QuestionService: ask the knowledge base, log every question, votes, answer channels, gaps,
and the rules on who may ask when (the per-member cooldown, the replay guard).

Plain async code with no Discord imports: the Discord cogs and the terminal call the same methods.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from bot.errors import InvalidInput, NotFound, OnCooldown
from bot.qa.cooldown import Cooldown
from bot.qa.followup import MIN_TOPIC_WORDS, contextual_query, mentions_any
from bot.storage.conversations import ConversationRepository
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
# Follow-ups in a conversation skip the new-question cooldown; this keeps a flood out.
FOLLOW_UP_FLOOD_SECONDS = 2.0


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
    threads: bool = False  # the channel answers each question in a new thread


@dataclass(frozen=True)
class GapsReport:
    """What the knowledge base is missing, according to learners."""

    since: datetime
    unanswered: tuple[GapRow, ...]
    disliked: tuple[GapRow, ...]


async def answer_in_context(
    kb: KnowledgeBase,
    question: str,
    history: Sequence[str],
    *,
    top_k: int,
    boost_module: tuple[str, str] | None = None,
    min_topic_words: int = MIN_TOPIC_WORDS,
) -> Answer:
    """The answer to `question` asked after `history` (earlier questions, oldest first).

    A follow-up too vague to stand alone is searched with the conversation's subject; when
    the passages found that way mention none of its own words, it changed the subject and is
    answered (or refused) on its own."""
    query = contextual_query(question, history, min_topic_words=min_topic_words)
    if query != question:
        answer = await kb.ask(query, top_k=top_k, boost_module=boost_module)
        found = [f"{p.citation.label()} {p.text}" for p in answer.passages]
        if answer.answered and mentions_any(question, found):
            return answer
    return await kb.ask(question, top_k=top_k, boost_module=boost_module)


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
        self._conversations = ConversationRepository(db)
        self._config = GuildConfigRepository(db)
        self.top_k = top_k
        self._cooldown = Cooldown(cooldown_seconds, monotonic)
        self._flood = Cooldown(min(FOLLOW_UP_FLOOD_SECONDS, cooldown_seconds), monotonic)
        # on_message consults this for every message, so it is kept in memory per guild, and
        # dropped when any process sharing the database changes it. Channel -> thread mode.
        self._channels: dict[int, Mapping[int, bool]] = {}
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

    def admit(
        self, question: str, *, user_id: int, guild_id: int | None, follow_up: bool = False
    ) -> str:
        """The cleaned question if the member may ask now; starts their cooldown.

        A `follow_up` in a conversation (a thread the bot answers in, a reply to an answer)
        is held only by a short flood guard, not by the cooldown meant for new questions.
        Raises InvalidInput (empty, too long) or OnCooldown; `OnCooldown.notify` is True only
        for the first refusal of a cooldown window, so a flood gets one notice, not one each.
        """
        text = clean_question(question)
        key = (guild_id, user_id)
        limit = self._flood if follow_up else self._cooldown
        wait = limit.retry_after(key)
        if wait > 0:
            raise OnCooldown(wait, notify=limit.first_refusal(key))
        return text

    async def thread_history(self, channel_id: int) -> list[str]:
        """The questions answered so far in a thread, oldest first (empty: none yet)."""
        return await self._conversations.in_channel(channel_id)

    async def answer_history(
        self, *, question_id: int | None = None, message_id: int | None = None
    ) -> list[str]:
        """The conversation behind one of the bot's answers, named by the question id its
        buttons carry or by the message it replied to; oldest first, empty when unknown."""
        if question_id is None and message_id is not None:
            question_id = await self._conversations.question_id_of_message(message_id)
        if question_id is None:
            return []
        return await self._conversations.leading_to(question_id)

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
        history: Sequence[str] = (),
    ) -> AskOutcome | None:
        """Answer and log a question. None when `message_id` was already answered (a replayed
        gateway event or a second bot process), so no message is ever answered twice.

        `boost_module` = (path id, module id) of the learner's current module, ranked a little
        higher when about as relevant as other passages. `history`: the conversation's earlier
        questions, oldest first; a follow-up too vague to stand alone is searched with their
        subject (see bot.qa.followup)."""
        text = clean_question(question)
        module = None
        # The terminal's questions have no guild; its learner's plan lives in TERMINAL_SCOPE.
        scope = TERMINAL_SCOPE if guild_id is None and via == "cli" else guild_id
        if boost_module is None and scope is not None:
            module = await self._plans.current_module(scope, user_id)
            if module is not None:
                boost_module = (module.path_id, module.module_id)
        answer = await self._answer(text, history, top_k or self.top_k, boost_module)
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

    async def _answer(
        self,
        text: str,
        history: Sequence[str],
        top_k: int,
        boost_module: tuple[str, str] | None,
    ) -> Answer:
        return await answer_in_context(
            self._kb, text, history, top_k=top_k, boost_module=boost_module
        )

    async def vote(self, question_id: int, user_id: int, *, helpful: bool) -> VoteOutcome:
        """Record a 👍 (helpful) or 👎 on an answer; voting again changes the vote."""
        if await self._questions.get(question_id) is None:
            raise NotFound("That answer is no longer in my records, so the vote was not saved.")
        previous = await self._questions.vote(question_id, user_id, helpful, datetime.now(UTC))
        return VoteOutcome(helpful, previous)

    async def answer_channels(self, guild_id: int) -> frozenset[int]:
        """The channels of a guild where every message is answered."""
        return frozenset(await self.answer_channel_modes(guild_id))

    async def answer_channel_modes(self, guild_id: int) -> Mapping[int, bool]:
        """Each answer channel of a guild, True when it answers each question in a new thread."""
        if not self._watching:
            self._watching = True
            await self._config.on_answer_channels_changed(self._forget_channels)
        cached = self._channels.get(guild_id)
        if cached is None:
            changes = self._channel_changes
            cached = await self._config.answer_channel_modes(guild_id)
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
        modes = self._channels[guild_id] = await self._config.answer_channel_modes(guild_id)
        log.info(
            "guild=%s answer channel %s %s", guild_id, channel_id, "added" if added else "removed"
        )
        return ChannelToggle(channel_id, added, frozenset(modes), modes.get(channel_id, False))

    async def set_answer_channel(
        self, guild_id: int, channel_id: int, *, by: int, threads: bool
    ) -> ChannelToggle:
        """Make a channel an answer channel that answers in new threads (`threads`) or in the
        channel itself; an answer channel already set keeps answering, in the new mode."""
        await self._config.set_answer_channel(
            guild_id, channel_id, by, datetime.now(UTC), threads=threads
        )
        modes = self._channels[guild_id] = await self._config.answer_channel_modes(guild_id)
        log.info("guild=%s answer channel %s set threads=%s", guild_id, channel_id, threads)
        return ChannelToggle(channel_id, True, frozenset(modes), threads)

    async def gaps(self, guild_id: int | None, *, days: int = 30, limit: int = 10) -> GapsReport:
        """Unanswered and 👎 questions of the last `days` days, most frequent first."""
        if not 1 <= days <= 365:
            raise InvalidInput("Choose between 1 and 365 days.")
        since = datetime.now(UTC) - timedelta(days=days)
        unanswered = await self._questions.unanswered(guild_id, since, limit)
        disliked = await self._questions.disliked(guild_id, since, limit)
        return GapsReport(since, tuple(unanswered), tuple(disliked))

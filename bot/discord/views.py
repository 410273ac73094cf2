"""Persistent 👍/👎 buttons under answers.

The question id and the vote live in the button's custom_id, so a click is understood by any
process at any time after a restart. discord.py rebuilds a clicked button from its class alone,
so the question service is bound to that class: `feedback_buttons(questions, errors)` makes the
class the bot registers (`add_dynamic_items`) and the answers are sent with.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.discord.errors import ErrorHandler, send_ephemeral

if TYPE_CHECKING:
    from bot.qa.service import QuestionService, VoteOutcome

log = logging.getLogger(__name__)

VOTE_TEMPLATE = r"waypoint:vote:(?P<question>[0-9]+):(?P<vote>up|down)"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=VOTE_TEMPLATE):
    """One of the two vote buttons of an answer (use a class from `feedback_buttons`)."""

    questions: ClassVar[QuestionService]
    errors: ClassVar[ErrorHandler]

    def __init__(self, question_id: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"waypoint:vote:{question_id}:{'up' if helpful else 'down'}",
            )
        )
        self.question_id = question_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FeedbackButton:
        """Rebuild the button from a clicked custom_id."""
        return cls(int(match["question"]), match["vote"] == "up")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the vote and thank the voter privately."""
        try:
            outcome = await self.questions.vote(
                self.question_id, interaction.user.id, helpful=self.helpful
            )
        except Exception as exc:  # a click must always get an answer
            await self.errors.on_click_error(interaction, exc, f"vote on {self.question_id}")
            return
        log.info(
            "vote guild=%s question=%d helpful=%s",
            interaction.guild_id,
            self.question_id,
            self.helpful,
        )
        await send_ephemeral(interaction, vote_text(outcome))


def vote_text(outcome: VoteOutcome) -> str:
    """The private thanks for a vote (or a changed or repeated vote)."""
    emoji = "👍" if outcome.helpful else "👎"
    if outcome.previous is None:
        text = f"Thanks, your {emoji} is recorded."
        if not outcome.helpful:
            text += " Moderators see answers voted 👎 and improve the knowledge base."
        return text
    if outcome.previous == outcome.helpful:
        return f"You already voted {emoji} on this answer."
    return f"Changed your vote to {emoji}."


def feedback_buttons(questions: QuestionService, errors: ErrorHandler) -> type[FeedbackButton]:
    """The vote button class bound to this bot's question service."""

    class BoundFeedbackButton(FeedbackButton, template=VOTE_TEMPLATE):
        pass

    BoundFeedbackButton.questions = questions
    BoundFeedbackButton.errors = errors
    return BoundFeedbackButton


def feedback_view(button: type[FeedbackButton], question_id: int) -> discord.ui.View:
    """The 👍/👎 row under an answer (persistent: no timeout, ids carry the state)."""
    view = discord.ui.View(timeout=None)
    view.add_item(button(question_id, True))
    view.add_item(button(question_id, False))
    return view

"""Persistent 👍/👎 buttons under answers.

The question id and the vote live in the button's custom_id, so a click is understood by any
process at any time after a restart: `add_dynamic_items(FeedbackButton)` is all it takes.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.cogs.common import UNEXPECTED, send_ephemeral, user_message

if TYPE_CHECKING:
    from bot.client import WaypointBot

log = logging.getLogger(__name__)


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"waypoint:vote:(?P<question>[0-9]+):(?P<vote>up|down)",
):
    """One of the two vote buttons of an answer."""

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
        bot: WaypointBot = interaction.client  # type: ignore[assignment]
        try:
            outcome = await bot.questions.vote(
                self.question_id, interaction.user.id, helpful=self.helpful
            )
        except Exception as exc:  # a click must always get an answer
            message = user_message(exc)
            if message is None:
                log.error(
                    "vote failed guild=%s question=%s",
                    interaction.guild_id,
                    self.question_id,
                    exc_info=exc,
                )
            await send_ephemeral(interaction, message or UNEXPECTED)
            return
        log.info(
            "vote guild=%s question=%d helpful=%s",
            interaction.guild_id,
            self.question_id,
            self.helpful,
        )
        emoji = "👍" if outcome.helpful else "👎"
        if outcome.previous is None:
            text = f"Thanks, your {emoji} is recorded."
            if not outcome.helpful:
                text += " Moderators see answers voted 👎 and improve the knowledge base."
        elif outcome.previous == outcome.helpful:
            text = f"You already voted {emoji} on this answer."
        else:
            text = f"Changed your vote to {emoji}."
        await send_ephemeral(interaction, text)


def feedback_view(question_id: int) -> discord.ui.View:
    """The 👍/👎 row under an answer (persistent: no timeout, ids carry the state)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(question_id, True))
    view.add_item(FeedbackButton(question_id, False))
    return view

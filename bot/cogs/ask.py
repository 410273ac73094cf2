"""Questions: `/ask`, mentions of the bot, and the answer channels moderators chose."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import NO_PINGS, UNEXPECTED, mark_answered, user_message
from bot.embeds import answer_embed
from bot.errors import WaypointError
from bot.qa.cooldown import Cooldown
from bot.qa.service import AskOutcome, QuestionService, Via, clean_question
from bot.views import feedback_view

if TYPE_CHECKING:
    from bot.client import WaypointBot

log = logging.getLogger(__name__)

# Notices in a channel (cooldown, too long) disappear on their own to keep the channel readable.
NOTICE_SECONDS = 15.0
_SEEN_MAX = 5_000
_ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class OnCooldown(WaypointError):
    """The member asked again before the cooldown ran out."""

    def __init__(self, retry_after: float) -> None:
        wait = max(1, round(retry_after))
        super().__init__(
            f"You can ask again in {wait} s — meanwhile, the sources under your last answer "
            "are worth a look."
        )


def reply_payload(outcome: AskOutcome) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed of an answer and, when something was answered, its 👍/👎 buttons."""
    footer = None
    if outcome.module is not None:
        footer = (
            f"You're on {outcome.module.title} ({outcome.module.path_title}). "
            "Was this helpful? Vote below."
        )
    embed = answer_embed(outcome.answer, footer=footer)
    view = feedback_view(outcome.question_id) if outcome.answer.answered else None
    return embed, view


class AskCog(commands.Cog):
    """Answers questions from the knowledge base wherever members ask them."""

    def __init__(self, bot: WaypointBot, questions: QuestionService, cooldown: Cooldown) -> None:
        self.bot = bot
        self.questions = questions
        self.cooldown = cooldown
        # Gateway replays (RESUME) can deliver a message twice; the database is the durable
        # guard, this keeps a replay from even reaching the cooldown.
        self._seen: OrderedDict[int, None] = OrderedDict()

    def _check_cooldown(self, guild_id: int | None, user_id: int) -> None:
        wait = self.cooldown.retry_after((guild_id, user_id))
        if wait > 0:
            raise OnCooldown(wait)

    @app_commands.command(
        name="ask", description="Ask the study knowledge base; the answer cites its sources."
    )
    @app_commands.describe(question="Your question in a sentence, up to 500 characters.")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer in the channel, with sources and 👍/👎 buttons."""
        text = clean_question(question)
        self._check_cooldown(interaction.guild_id, interaction.user.id)
        await interaction.response.defer(thinking=True)
        outcome = await self.questions.ask(
            text,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            via="slash",
        )
        assert outcome is not None  # only a message id can be answered already
        embed, view = reply_payload(outcome)
        if view is None:
            await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        mark_answered(interaction)

    def _first_time(self, message_id: int) -> bool:
        if message_id in self._seen:
            return False
        self._seen[message_id] = None
        if len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        return True

    @staticmethod
    def _talks_to_someone(message: discord.Message, my_id: int) -> bool:
        """A reply to another member's message is conversation, even in an answer channel
        (a reply to one of the bot's answers is a follow-up question)."""
        if message.reference is None:
            return False
        replied = message.reference.resolved
        return not (isinstance(replied, discord.Message) and replied.author.id == my_id)

    def _question_text(self, message: discord.Message) -> str:
        me = self.bot.user
        assert me is not None
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot, or any message in an answer channel."""
        me = self.bot.user
        if (
            message.author.bot
            or me is None
            or message.guild is None
            or message.type not in _ANSWERABLE_TYPES
            or not message.content.strip()
        ):
            return
        mentioned = me in message.mentions
        via: Via = "mention" if mentioned else "channel"
        if not mentioned:
            channels = await self.questions.answer_channels(message.guild.id)
            if message.channel.id not in channels or self._talks_to_someone(message, me.id):
                return
        if not self._first_time(message.id):
            return
        text = self._question_text(message)
        if not text:
            await self._notice(
                message, "Ask me a question after the mention, or use `/ask`.", delete=False
            )
            return
        try:
            question = clean_question(text)
            self._check_cooldown(message.guild.id, message.author.id)
            outcome = await self.questions.ask(
                question,
                user_id=message.author.id,
                guild_id=message.guild.id,
                channel_id=message.channel.id,
                message_id=message.id,
                via=via,
            )
        except Exception as exc:  # one listener error must not go unanswered
            shown = user_message(exc)
            if shown is None:
                log.error(
                    "answering message %s failed guild=%s",
                    message.id,
                    message.guild.id,
                    exc_info=exc,
                )
            await self._notice(message, shown or UNEXPECTED)
            return
        if outcome is None:
            return
        embed, view = reply_payload(outcome)
        try:
            if view is None:
                await message.reply(embed=embed, allowed_mentions=NO_PINGS, mention_author=False)
            else:
                await message.reply(
                    embed=embed, view=view, allowed_mentions=NO_PINGS, mention_author=False
                )
        except discord.HTTPException as exc:
            # Deleted before the answer was ready, or no permission to post here.
            log.warning(
                "could not reply to message %s guild=%s: %s", message.id, message.guild.id, exc
            )

    async def _notice(self, message: discord.Message, text: str, *, delete: bool = True) -> None:
        try:
            if delete:
                await message.reply(
                    text,
                    allowed_mentions=NO_PINGS,
                    mention_author=False,
                    delete_after=NOTICE_SECONDS,
                )
            else:
                await message.reply(text, allowed_mentions=NO_PINGS, mention_author=False)
        except discord.HTTPException as exc:
            log.warning(
                "could not send a notice in guild=%s: %s",
                message.guild.id if message.guild else None,
                exc,
            )

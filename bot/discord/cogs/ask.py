"""Questions: `/ask`, mentions of the bot, and the answer channels moderators chose."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import answer_embed
from bot.discord.errors import NO_PINGS, ErrorHandler, mark_answered
from bot.discord.views import FeedbackButton, feedback_view
from bot.errors import OnCooldown
from bot.qa.service import AskOutcome, QuestionService, Via

log = logging.getLogger(__name__)

# Notices in a channel (cooldown, too long) disappear on their own to keep the channel readable.
NOTICE_SECONDS = 15.0
_ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def reply_payload(
    outcome: AskOutcome, button: type[FeedbackButton]
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed of an answer and, when something was answered, its 👍/👎 buttons."""
    footer = None
    if outcome.module is not None:
        footer = (
            f"You're on {outcome.module.title} ({outcome.module.path_title}). "
            "Was this helpful? Vote below."
        )
    embed = answer_embed(outcome.answer, footer=footer)
    view = feedback_view(button, outcome.question_id) if outcome.answer.answered else None
    return embed, view


class AskCog(commands.Cog):
    """Answers questions from the knowledge base wherever members ask them."""

    def __init__(
        self,
        client: discord.Client,
        questions: QuestionService,
        button: type[FeedbackButton],
        errors: ErrorHandler,
    ) -> None:
        self.client = client
        self.questions = questions
        self.button = button
        self.errors = errors

    @app_commands.command(
        name="ask", description="Ask the study knowledge base; the answer cites its sources."
    )
    @app_commands.describe(question="Your question in a sentence, up to 500 characters.")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer in the channel, with sources and 👍/👎 buttons."""
        # Refusals (too long, cooldown) come before the public "thinking…", so they stay private.
        text = self.questions.admit(
            question, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        await interaction.response.defer(thinking=True)
        outcome = await self.questions.ask(
            text,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            via="slash",
        )
        assert outcome is not None  # only a message id can be answered already
        embed, view = reply_payload(outcome, self.button)
        if view is None:
            await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        mark_answered(interaction)

    @staticmethod
    def _talks_to_someone(message: discord.Message, my_id: int) -> bool:
        """A reply to another member's message is conversation, even in an answer channel
        (a reply to one of the bot's answers is a follow-up question)."""
        if message.reference is None:
            return False
        replied = message.reference.resolved
        return not (isinstance(replied, discord.Message) and replied.author.id == my_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot, or any message in an answer channel."""
        me = self.client.user
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
        if not self.questions.first_delivery(message.id):
            return
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not text:
            await self._notice(
                message, "Ask me a question after the mention, or use `/ask`.", delete=False
            )
            return
        try:
            question = self.questions.admit(
                text, user_id=message.author.id, guild_id=message.guild.id
            )
            outcome = await self.questions.ask(
                question,
                user_id=message.author.id,
                guild_id=message.guild.id,
                channel_id=message.channel.id,
                message_id=message.id,
                via=via,
            )
        except OnCooldown as exc:
            if exc.notify:  # one notice per member per cooldown window; the rest are ignored
                await self._notice(message, exc.user_message)
            return
        except Exception as exc:  # one listener error must not go unanswered
            await self._notice(message, self.errors.message_notice(exc, message))
            return
        if outcome is None:
            return
        embed, view = reply_payload(outcome, self.button)
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

"""Questions: `/ask`, "Ask Waypoint" on a message, mentions of the bot, the answer channels
moderators chose (text and forum channels, and their threads), and follow-ups in a conversation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import answer_embed, shorten
from bot.discord.errors import NO_PINGS, ErrorHandler, mark_answered
from bot.discord.views import FeedbackButton, feedback_view
from bot.errors import InvalidInput, OnCooldown
from bot.qa.service import AskOutcome, QuestionService, Via

log = logging.getLogger(__name__)

# Notices in a channel (cooldown, too long) disappear on their own to keep the channel readable.
NOTICE_SECONDS = 15.0
_ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
# The question id an answer's vote buttons carry (see bot.discord.views).
_VOTE_ID = re.compile(r"^waypoint:vote:(\d+):")
THREAD_NAME_MAX = 100  # Discord's limit on a thread's name
# Threads the bot opens archive after a day without messages.
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440


@dataclass(frozen=True)
class Route:
    """How to answer one message: where it came from, its conversation, where to reply."""

    via: Via
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first
    follow_up: bool = False  # part of a conversation: no new-question cooldown
    new_thread: bool = False  # open a thread on the message and answer there


def forum_question(message: discord.Message, text: str) -> str:
    """The question of a forum post's first message: its title often says what the body
    assumes ("Overfitting" / "how can I tell?"), so the title leads unless the body repeats it."""
    channel = message.channel
    if (
        not text
        or not isinstance(channel, discord.Thread)
        or message.id != channel.id  # a forum post's first message has the thread's id
        or not isinstance(channel.parent, discord.ForumChannel)
    ):
        return text
    title = " ".join(channel.name.split())
    if not title or title.casefold() in text.casefold():
        return text
    return f"{title}: {text}"


def answered_question_id(message: discord.Message) -> int | None:
    """The question id carried by the vote buttons of one of the bot's answers."""
    for row in message.components:
        for item in getattr(row, "children", ()):
            match = _VOTE_ID.match(getattr(item, "custom_id", None) or "")
            if match:
                return int(match.group(1))
    return None


def reply_payload(
    outcome: AskOutcome, button: type[FeedbackButton], asked: str | None = None
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed of an answer and, when something was answered, its 👍/👎 buttons.

    `asked`: the learner's own words, the embed's title (a follow-up is searched with more)."""
    footer = None
    if outcome.module is not None:
        footer = (
            f"You're on {outcome.module.title} ({outcome.module.path_title}). "
            "Was this helpful? Vote below."
        )
    embed = answer_embed(outcome.answer, footer=footer, asked=asked)
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
        # Right-click a message -> Apps -> Ask Waypoint (context menus cannot be cog methods).
        self.ask_menu = app_commands.ContextMenu(
            name="Ask Waypoint",
            callback=self.ask_about_message,
            extras={
                "help": (
                    "Use it on something another member posted in the chat, so you need not type "
                    "it again."
                ),
            },
        )

    async def cog_load(self) -> None:
        """Register the "Ask Waypoint" message command with the tree."""
        tree = getattr(self.client, "tree", None)
        if isinstance(tree, app_commands.CommandTree):
            tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        """Remove the "Ask Waypoint" message command."""
        tree = getattr(self.client, "tree", None)
        if isinstance(tree, app_commands.CommandTree):
            tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

    @app_commands.command(
        name="ask",
        description="Ask the study knowledge base; the answer cites its sources.",
        extras={
            "help": (
                "Use it to ask me a study question in your own words, such as what to learn first"
                " or how a topic works: I reply with the passages that answer it and where they "
                "come from."
            ),
        },
    )
    @app_commands.describe(question="Your question in a sentence, up to 500 characters.")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer in the channel, with sources and 👍/👎 buttons."""
        await self._answer_interaction(interaction, question)

    async def ask_about_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """ "Ask Waypoint": answer the text of `message` as a question, in the channel."""
        if not message.content.strip():
            raise InvalidInput("That message has no text I can answer; try `/ask` instead.")
        await self._answer_interaction(
            interaction, message.content, lead=f"Asked about {message.jump_url}"
        )

    async def _answer_interaction(
        self, interaction: discord.Interaction, question: str, *, lead: str | None = None
    ) -> None:
        """Admit, think in public, answer with sources and buttons (`/ask`, "Ask Waypoint")."""
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
        embed, view = reply_payload(outcome, self.button, text)
        content = lead if lead is not None else discord.utils.MISSING
        if view is None:
            await interaction.followup.send(content, embed=embed, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(
                content, embed=embed, view=view, allowed_mentions=NO_PINGS
            )
        mark_answered(interaction)

    async def _route(self, message: discord.Message, my_id: int, mentioned: bool) -> Route | None:
        """How to answer `message`, or None when it is not for the bot."""
        assert message.guild is not None
        channel = message.channel
        replied = message.reference.resolved if message.reference else None
        if message.reference is not None:
            if isinstance(replied, discord.Message) and replied.author.id == my_id:
                history = await self._answer_history(replied)
                if history:  # a reply to one of the bot's answers continues its conversation
                    return Route("mention", tuple(history), follow_up=True)
            elif not mentioned:
                return None  # a reply to another member is conversation, even here
        modes = await self.questions.answer_channel_modes(message.guild.id)
        if isinstance(channel, discord.Thread):
            history = await self.questions.thread_history(channel.id)
            if history or channel.parent_id in modes:
                # A thread (or forum post) of an answer channel, or one the bot answers in.
                via: Via = "mention" if mentioned else "channel"
                return Route(via, tuple(history), follow_up=bool(history))
        elif channel.id in modes:
            threads = modes[channel.id] and isinstance(channel, discord.TextChannel)
            return Route("mention" if mentioned else "channel", new_thread=threads)
        return Route("mention") if mentioned else None

    async def _answer_history(self, answer: discord.Message) -> list[str]:
        question_id = answered_question_id(answer)
        if question_id is not None:
            return await self.questions.answer_history(question_id=question_id)
        if answer.reference is not None and answer.reference.message_id is not None:
            return await self.questions.answer_history(message_id=answer.reference.message_id)
        return []

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot, any message in an answer channel or its
        threads, and follow-ups in a conversation with the bot."""
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
        try:
            route = await self._route(message, me.id, mentioned)
        except Exception as exc:  # e.g. the database is down: only say so when addressed
            if mentioned and self.questions.first_delivery(message.id):
                await self._notice(message, self.errors.message_notice(exc, message))
            else:
                log.exception("routing message %s failed guild=%s", message.id, message.guild.id)
            return
        if route is None or not self.questions.first_delivery(message.id):
            return
        text = forum_question(message, re.sub(rf"<@!?{me.id}>", " ", message.content).strip())
        if not text:
            await self._notice(
                message, "Ask me a question after the mention, or use `/ask`.", delete=False
            )
            return
        # A thread opened on a message takes the message's id: log the question there, so
        # the thread's follow-ups find it.
        channel_id = message.id if route.new_thread else message.channel.id
        try:
            question = self.questions.admit(
                text,
                user_id=message.author.id,
                guild_id=message.guild.id,
                follow_up=route.follow_up,
            )
            outcome = await self.questions.ask(
                question,
                user_id=message.author.id,
                guild_id=message.guild.id,
                channel_id=channel_id,
                message_id=message.id,
                via=route.via,
                history=route.history,
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
        await self._reply(message, outcome, question, new_thread=route.new_thread)

    async def _reply(
        self, message: discord.Message, outcome: AskOutcome, asked: str, *, new_thread: bool
    ) -> None:
        embed, view = reply_payload(outcome, self.button, asked)
        # MISSING: no components at all (an abstention has nothing to vote on).
        buttons = discord.utils.MISSING if view is None else view
        if new_thread:
            try:
                thread = await message.create_thread(
                    name=shorten(outcome.answer.question, THREAD_NAME_MAX),
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
            except discord.HTTPException as exc:
                # No Create Public Threads here: an answer in the channel beats none.
                log.warning(
                    "could not open a thread on message %s guild=%s: %s; answering in the channel",
                    message.id,
                    message.guild.id if message.guild else None,
                    exc,
                )
            else:
                await self._send(thread.send(embed=embed, allowed_mentions=NO_PINGS, view=buttons))
                return
        await self._send(
            message.reply(
                embed=embed, allowed_mentions=NO_PINGS, mention_author=False, view=buttons
            )
        )

    @staticmethod
    async def _send(sending: Coroutine[Any, Any, discord.Message]) -> None:
        try:
            await sending
        except discord.HTTPException as exc:
            # Deleted before the answer was ready, or no permission to post here.
            log.warning("could not send an answer: %s", exc)

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

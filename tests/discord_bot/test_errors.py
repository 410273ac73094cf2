"""Unexpected failures: one short private sentence for the user, a traceback in the log."""

from __future__ import annotations

import logging

import discord
import pytest

from tests.discord_bot.conftest import SESSION_LOOP, Running, World

pytestmark = SESSION_LOOP


async def test_failure_after_defer_is_private_and_logged(
    running: Running, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await running.services.db.close()  # every question now fails to be logged
    with caplog.at_level(logging.ERROR, logger="bot"):
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="What is overfitting?"
        )
    assert result.deferred
    assert result.original is not None
    assert result.original.deleted
    (shown,) = result.messages
    assert shown.ephemeral
    assert shown.content.startswith("Something went wrong on my side")
    record = next(r for r in caplog.records if "command /ask failed" in r.getMessage())
    assert f"guild={world.guild.id}" in record.getMessage()
    assert record.exc_info is not None


async def test_failure_answering_a_mention_is_explained(
    running: Running, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await running.services.db.close()
    bot_member = world.guild.member(world.fake.bot_user)
    with caplog.at_level(logging.ERROR, logger="bot"):
        sent = await world.fake.message(
            world.general, world.alice, "what is overfitting?", mentions=(bot_member,)
        )
        reply = await sent.wait_reply()
    assert reply.content.startswith("Something went wrong on my side")
    assert reply.pings_nobody
    assert any(r.exc_info for r in caplog.records)
    # The bot is still up: commands that need no database still answer.
    status = await world.fake.slash(world.guild, world.admin, "kb status")
    assert status.message.embeds


async def test_failing_listener_is_logged_and_the_bot_carries_on(
    running: Running, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async def on_message(message: discord.Message) -> None:
        raise RuntimeError("a listener bug")

    running.bot.add_listener(on_message)
    bot_member = world.guild.member(world.fake.bot_user)
    with caplog.at_level(logging.ERROR, logger="bot"):
        sent = await world.fake.message(
            world.general, world.alice, "what is overfitting?", mentions=(bot_member,)
        )
        reply = await sent.wait_reply()
    assert "overfitting" in reply.text.lower()  # the bot's own listener still answered
    record = next(r for r in caplog.records if "listener on_message failed" in r.getMessage())
    assert f"guild={world.guild.id}" in record.getMessage()
    assert record.exc_info is not None

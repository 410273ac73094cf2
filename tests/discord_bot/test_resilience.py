"""Rate limits and dropped connections: the bot recovers without losing a question."""

from __future__ import annotations

from tests.discord_bot.conftest import SESSION_LOOP, Running, World

pytestmark = SESSION_LOOP


async def test_429_on_reply_is_retried(running: Running, world: World) -> None:
    fake = world.fake
    fake.rate_limit_next("/messages", retry_after=0.2)
    bot_member = world.guild.member(fake.bot_user)
    sent = await fake.message(
        world.general, world.alice, "what is overfitting?", mentions=(bot_member,)
    )
    reply = await sent.wait_reply()
    assert "overfitting" in reply.text.lower()
    statuses = [r.status for r in fake.requests_to("POST /channels/{id}/messages")]
    assert statuses == [429, 200]
    limited, retried = fake.requests_to("POST /channels/{id}/messages")
    assert retried.at - limited.at >= 0.2


async def test_429_on_interaction_response_is_retried(running: Running, world: World) -> None:
    fake = world.fake
    fake.rate_limit_next("/webhooks/", retry_after=0.1)
    result = await fake.slash(world.guild, world.alice, "ask", question="What is overfitting?")
    assert result.message.embeds
    assert [r.status for r in fake.requests if "/webhooks/" in r.path] == [429, 200]


async def test_dropped_connection_resumes_and_replays(running: Running, world: World) -> None:
    fake = world.fake
    await fake.drop_connection(code=4000)
    # Sent while the bot is offline: Discord replays it after RESUME.
    bot_member = world.guild.member(fake.bot_user)
    sent = await fake.message(
        world.general, world.alice, "how do I pick a learning rate?", mentions=(bot_member,)
    )
    reply = await sent.wait_reply(within=20)
    assert "learning rate" in reply.text.lower()
    assert len(fake.identifies) == 1
    assert len(fake.resumes) == 1
    assert fake.resumes[0]["session_id"] in fake.sessions


async def test_reconnect_opcode_resumes(running: Running, world: World) -> None:
    fake = world.fake
    await fake.request_reconnect()
    await fake.wait_for(lambda: len(fake.resumes) == 1, 20, "RESUME")
    result = await fake.slash(world.guild, world.alice, "ask", question="What is overfitting?")
    assert result.message.embeds
    assert len(fake.identifies) == 1

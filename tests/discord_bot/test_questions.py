"""Questions as members ask them: /ask, mentions, answer channels, abstention, limits."""

from __future__ import annotations

from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, StartBot, World
from tests.fake_discord.models import check_embed_limits

pytestmark = SESSION_LOOP

VOTE_BUTTONS = 2


async def test_ask_answers_in_channel_with_sources(running: Running, world: World) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="What is overfitting?"
    )
    assert result.deferred
    assert not result.ephemeral
    answer = result.message
    assert not answer.ephemeral
    (embed,) = answer.embeds
    assert embed["title"] == "What is overfitting?"
    assert "validation" in embed["description"].lower()
    assert "**What is overfitting and how do I prevent it?**" in embed["description"]
    assert "*What overfitting means*" in embed["description"]
    assert answer.pings_nobody
    assert not check_embed_limits(answer.embeds)
    assert len(answer.custom_ids) == VOTE_BUTTONS


async def test_linked_source_is_a_markdown_link(running: Running, world: World) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="How should I pick a learning rate?"
    )
    assert "](https://example.org/learning-rate-guide)" in result.message.embeds[0]["description"]


async def test_question_and_sources_are_logged(running: Running, world: World) -> None:
    await world.fake.slash(world.guild, world.alice, "ask", question="What is overfitting?")
    rows = await running.services.db.fetch_all(
        "SELECT guild_id, user_id, via, answered, sources FROM questions"
    )
    (row,) = rows
    assert (row["guild_id"], row["user_id"], row["via"], row["answered"]) == (
        world.guild.id,
        world.alice.id,
        "slash",
        1,
    )
    assert "overfitting" in row["sources"].lower()


async def test_abstains_and_says_what_is_covered(running: Running, world: World) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="Which pizza topping is best in Naples?"
    )
    embed = result.message.embeds[0]
    assert embed["title"] == "Not covered yet"
    assert "The knowledge base covers:" in embed["description"]
    assert "Closest topics it has:" in embed["description"]
    assert "learning rate" in embed["description"].lower() or "overfitting" in (
        embed["description"].lower()
    )
    assert result.message.custom_ids == []  # nothing to vote on
    unanswered = await running.services.db.fetch_value(
        "SELECT COUNT(*) FROM questions WHERE answered = 0"
    )
    assert unanswered == 1


async def test_mention_is_answered_as_a_reply(running: Running, world: World) -> None:
    bot_member = world.guild.member(world.fake.bot_user)
    sent = await world.fake.message(
        world.general, world.alice, "how do I choose a learning rate?", mentions=(bot_member,)
    )
    reply = await sent.wait_reply()
    assert "learning rate" in reply.text.lower()
    assert reply.pings_nobody
    assert len(reply.custom_ids) == VOTE_BUTTONS
    via = await running.services.db.fetch_value("SELECT via FROM questions")
    assert via == "mention"


async def test_bare_mention_gets_a_hint(running: Running, world: World) -> None:
    bot_member = world.guild.member(world.fake.bot_user)
    sent = await world.fake.message(world.general, world.alice, "", mentions=(bot_member,))
    reply = await sent.wait_reply()
    assert "/ask" in reply.text


async def test_answer_channel_answered_other_channels_ignored(
    running: Running, world: World
) -> None:
    fake = world.fake
    set_up = await fake.slash(
        world.guild, world.moderator, "config answer-channel", channel=world.questions
    )
    assert set_up.ephemeral
    assert f"<#{world.questions.id}>" in set_up.message.content

    in_channel = await fake.message(world.questions, world.bob, "git lfs for big datasets?")
    reply = await in_channel.wait_reply()
    assert "Git" in reply.text

    elsewhere = await fake.message(world.general, world.bob, "what is overfitting?")
    await elsewhere.expect_no_reply()

    # The same command on the same channel removes it.
    removed = await fake.slash(
        world.guild, world.moderator, "config answer-channel", channel=world.questions
    )
    assert "no longer" in removed.message.content
    after = await fake.message(world.questions, world.bob, "what is overfitting?")
    await after.expect_no_reply()


async def test_bots_self_and_empty_messages_ignored(running: Running, world: World) -> None:
    fake = world.fake
    await fake.slash(world.guild, world.admin, "config answer-channel", channel=world.questions)
    from_bot = await fake.message(world.questions, world.other_bot, "what is overfitting?")
    from_self = await fake.message(
        world.questions, world.guild.member(fake.bot_user), "what is overfitting?"
    )
    empty = await fake.message(world.questions, world.alice, "   ")
    for sent in (from_bot, from_self, empty):
        await sent.expect_no_reply(within=0.2)
    assert fake.requests_to("POST /channels/{id}/messages") == []


async def test_no_message_answered_twice(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    first = await start_bot(settings)
    bot_member = world.guild.member(world.fake.bot_user)
    sent = await world.fake.message(
        world.general, world.alice, "what is overfitting?", mentions=(bot_member,)
    )
    await sent.wait_reply()
    await first.stop()
    # A second process on the same database receives the same event (as after a failover).
    await start_bot(settings)
    await world.fake.dispatch("MESSAGE_CREATE", sent.message.payload, world.guild)
    # Events are handled in order: once a later question is answered, the replay was seen.
    later = await world.fake.message(
        world.general, world.bob, "what is a learning rate?", mentions=(bot_member,)
    )
    await later.wait_reply()
    assert len(sent.replies) == 1


async def test_question_over_500_characters(running: Running, world: World) -> None:
    long = "Why " + "does my model overfit " * 30
    result = await world.fake.slash(world.guild, world.alice, "ask", question=long)
    assert result.ephemeral
    assert not result.deferred
    assert "under 500" in result.message.content
    assert await running.services.db.fetch_value("SELECT COUNT(*) FROM questions") == 0

    bot_member = world.guild.member(world.fake.bot_user)
    sent = await world.fake.message(world.general, world.alice, long, mentions=(bot_member,))
    reply = await sent.wait_reply()
    assert "under 500" in reply.text


async def test_cooldown_is_friendly_and_ephemeral(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    await start_bot(make_settings(ask_cooldown_seconds=60))
    fake = world.fake
    first = await fake.slash(world.guild, world.alice, "ask", question="What is overfitting?")
    assert first.message.embeds
    second = await fake.slash(world.guild, world.alice, "ask", question="And underfitting?")
    assert second.ephemeral
    assert "You can ask again in" in second.message.content
    # Another member is not slowed down.
    other = await fake.slash(world.guild, world.bob, "ask", question="What is overfitting?")
    assert other.message.embeds


async def test_quoted_knowledge_never_pings(running: Running, world: World) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="@everyone what is overfitting <@123>?"
    )
    message = result.message
    assert message.pings_nobody
    assert message.content == ""  # only embeds, which never notify anyone


async def test_answer_channel_conversation_and_follow_ups(running: Running, world: World) -> None:
    fake = world.fake
    await fake.slash(world.guild, world.admin, "config answer-channel", channel=world.questions)
    question = await fake.message(world.questions, world.alice, "what is overfitting?")
    answer = await question.wait_reply()
    # Bob answering Alice is a conversation between members: the bot stays out of it.
    chat = await fake.message(
        world.questions, world.bob, "use dropout, it helped me", reply_to=question.message
    )
    await chat.expect_no_reply(within=0.3)
    # A reply to the bot's answer is a follow-up question.
    follow_up = await fake.message(
        world.questions, world.alice, "and how do I pick a learning rate?", reply_to=answer
    )
    assert "learning rate" in (await follow_up.wait_reply()).text.lower()


async def test_a_flood_in_an_answer_channel_gets_one_cooldown_notice(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    running = await start_bot(make_settings(ask_cooldown_seconds=60))
    fake = world.fake
    await fake.slash(world.guild, world.admin, "config answer-channel", channel=world.questions)
    first = await fake.message(world.questions, world.alice, "what is overfitting?")
    assert (await first.wait_reply()).embeds
    notice = await fake.message(world.questions, world.alice, "and underfitting?")
    assert "You can ask again in" in (await notice.wait_reply()).text
    for i in range(8):
        more = await fake.message(world.questions, world.alice, f"and regularization {i}?")
        await more.expect_no_reply(within=0.1)
    # One answer and one notice in the channel; the rest ignored (and not logged).
    assert len(fake.bot_messages(world.questions)) == 2
    assert await running.services.db.fetch_value("SELECT COUNT(*) FROM questions") == 1
    # Bob has his own window.
    other = await fake.message(world.questions, world.bob, "what is overfitting?")
    assert (await other.wait_reply()).embeds


async def test_a_lone_surrogate_in_a_question_is_answered(running: Running, world: World) -> None:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="what is overfitting?\ud800"
    )
    assert result.message.embeds
    assert "went wrong" not in result.text
    bot_member = world.guild.member(world.fake.bot_user)
    sent = await world.fake.message(
        world.general, world.alice, "what is \udcff overfitting?", mentions=(bot_member,)
    )
    reply = await sent.wait_reply()
    assert reply.embeds
    stored = await running.services.db.fetch_all("SELECT question FROM questions ORDER BY id")
    assert [r[0] for r in stored] == ["what is overfitting?", "what is overfitting?"]

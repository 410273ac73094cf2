"""Threads, forum channels, follow-ups with context and "Ask Waypoint", as members use them."""

from __future__ import annotations

from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, StartBot, World
from tests.fake_discord import Channel, Message
from tests.fake_discord.models import CREATE_PUBLIC_THREADS, check_embed_limits

pytestmark = SESSION_LOOP

THREAD_ROUTE = "POST /channels/{id}/messages/{id}/threads"


def _answer_in(world: World, channel: Channel) -> list[Message]:
    return world.fake.bot_messages(channel)


async def _thread_answer(world: World, question: Message) -> tuple[Channel, Message]:
    """The thread the bot opened on `question`, once its answer is there."""
    fake = world.fake

    def answered() -> bool:
        thread = fake.channels.get(question.id)
        return thread is not None and bool(fake.bot_messages(thread))

    await fake.wait_for(answered, what="an answer in a new thread")
    thread = fake.channels[question.id]
    (answer,) = fake.bot_messages(thread)
    return thread, answer


async def test_a_forum_post_is_answered_inside_its_thread(running: Running, world: World) -> None:
    fake = world.fake
    forum = fake.add_forum(world.guild, "help-forum")
    await fake.channel_created(forum)
    set_up = await fake.slash(world.guild, world.admin, "config answer-channel", channel=forum)
    assert "inside its own thread" in set_up.message.content

    # The post's title says what its body assumes.
    thread, post = await fake.forum_post(forum, world.alice, "Overfitting", "how can I tell?")
    answer = await post.wait_reply()
    assert answer.channel_id == thread.id
    assert answer.embeds[0]["title"] == "Overfitting: how can I tell?"
    assert "validation" in answer.text.lower()
    assert answer.pings_nobody
    assert not check_embed_limits(answer.embeds)
    # Nothing outside the post's thread, and no thread of the bot's own.
    assert _answer_in(world, forum) == []
    assert fake.requests_to(THREAD_ROUTE) == []


async def test_messages_in_a_thread_of_an_answer_channel_are_answered_there(
    running: Running, world: World
) -> None:
    fake = world.fake
    await fake.slash(world.guild, world.moderator, "config answer-channel", channel=world.questions)
    thread = await fake.start_thread(world.questions, world.bob, "git questions")
    sent = await fake.message(thread, world.bob, "how do I version big datasets with git?")
    reply = await sent.wait_reply()
    assert reply.channel_id == thread.id
    assert "Git" in reply.text
    assert _answer_in(world, world.questions) == []
    # A thread of another channel is left alone.
    elsewhere = await fake.start_thread(world.general, world.bob, "chat")
    other = await fake.message(elsewhere, world.bob, "what is overfitting?")
    await other.expect_no_reply()


async def test_threads_option_opens_a_thread_per_question(running: Running, world: World) -> None:
    fake = world.fake
    set_up = await fake.slash(
        world.guild, world.admin, "config answer-channel", channel=world.questions, threads=True
    )
    assert "open a thread on each question" in set_up.message.content
    question = await fake.message(world.questions, world.alice, "what is overfitting?")
    thread, answer = await _thread_answer(world, question.message)
    (opened,) = fake.requests_to(THREAD_ROUTE)
    assert opened.path.endswith(f"/messages/{question.message.id}/threads")
    assert opened.json["name"] == "what is overfitting?"
    assert thread.name == "what is overfitting?"
    assert "validation" in answer.text.lower()
    assert _answer_in(world, world.questions) == []  # the channel stays a list of questions

    # Setting the mode again keeps the channel (it does not toggle it off); without the
    # option the command still toggles.
    again = await fake.slash(
        world.guild, world.admin, "config answer-channel", channel=world.questions, threads=False
    )
    assert "now answer" in again.message.content
    plain = await fake.message(world.questions, world.bob, "how should I pick a learning rate?")
    assert (await plain.wait_reply()).channel_id == world.questions.id


async def test_a_follow_up_in_a_thread_keeps_the_subject(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    running = await start_bot(make_settings(ask_cooldown_seconds=60))
    fake = world.fake
    await fake.slash(
        world.guild, world.admin, "config answer-channel", channel=world.questions, threads=True
    )
    question = await fake.message(world.questions, world.alice, "what is overfitting?")
    thread, _ = await _thread_answer(world, question.message)

    # Seconds later, well inside the 60 s cooldown for new questions: still answered, and
    # "prevent it" is understood as preventing overfitting.
    follow_up = await fake.message(thread, world.alice, "how do I prevent it?")
    answer = await follow_up.wait_reply()
    assert answer.channel_id == thread.id
    assert "dropout" in answer.text.lower() or "regularization" in answer.text.lower()
    # Titled with the learner's words; the footer says which question it was read with.
    assert answer.embeds[0]["title"] == "how do I prevent it?"
    assert "“what is overfitting?”" in answer.embeds[0]["footer"]["text"]

    # An off-topic follow-up is still refused, in context or not.
    off_topic = await fake.message(thread, world.bob, "which pizza topping is best in Naples?")
    assert (await off_topic.wait_reply()).embeds[0]["title"] == "Not covered yet"

    # A new question in the channel itself is held by the cooldown.
    new = await fake.message(world.questions, world.alice, "how do I pick a learning rate?")
    assert "You can ask again in" in (await new.wait_reply()).text
    logged = await running.services.db.fetch_all("SELECT question FROM questions ORDER BY id")
    assert [r["question"] for r in logged] == [
        "what is overfitting?",
        "how do I prevent it?",
        "which pizza topping is best in Naples?",
    ]


async def test_a_flood_of_follow_ups_in_a_thread_is_held(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    running = await start_bot(make_settings(ask_cooldown_seconds=60))
    fake = world.fake
    await fake.slash(world.guild, world.admin, "config answer-channel", channel=world.questions)
    thread = await fake.start_thread(world.questions, world.alice, "overfitting")
    first = await fake.message(thread, world.alice, "what is overfitting?")
    await first.wait_reply()
    second = await fake.message(thread, world.alice, "tell me more")
    assert (await second.wait_reply()).embeds  # a follow-up, not held by the cooldown
    flood = [await fake.message(thread, world.alice, f"and more {i}?") for i in range(5)]
    await flood[-1].expect_no_reply(within=0.3)
    # At most one notice for the whole flood; nothing more answered.
    assert sum(bool(sent.replies) for sent in flood) <= 1
    assert await running.services.db.fetch_value("SELECT COUNT(*) FROM questions") == 2


async def test_a_reply_to_an_answer_continues_its_conversation(
    running: Running, world: World
) -> None:
    fake = world.fake
    bot_member = world.guild.member(fake.bot_user)
    asked = await fake.message(
        world.general, world.alice, "what is overfitting?", mentions=(bot_member,)
    )
    answer = await asked.wait_reply()
    # In a channel that is not an answer channel, with no mention: a reply to the answer.
    follow_up = await fake.message(world.general, world.alice, "tell me more", reply_to=answer)
    reply = await follow_up.wait_reply()
    assert "overfitting" in reply.text.lower()
    assert not check_embed_limits(reply.embeds)
    # The same words with no conversation are not a question for the bot.
    alone = await fake.message(world.general, world.alice, "tell me more")
    await alone.expect_no_reply()


async def test_ask_waypoint_answers_the_target_message(running: Running, world: World) -> None:
    fake = world.fake
    question = await fake.message(world.general, world.alice, "How do I pick a learning rate?")
    await question.expect_no_reply()
    result = await fake.message_command(world.bob, "Ask Waypoint", question.message)
    assert result.deferred
    assert not result.ephemeral
    answer = result.message
    assert answer.channel_id == world.general.id
    (embed,) = answer.embeds
    assert embed["title"] == "How do I pick a learning rate?"
    assert "](https://example.org/learning-rate-guide)" in embed["description"]
    assert str(question.message.id) in answer.content  # links the message it answers
    assert answer.pings_nobody
    assert not check_embed_limits(answer.embeds)
    via = await running.services.db.fetch_value("SELECT user_id FROM questions")
    assert via == world.bob.id


async def test_ask_waypoint_on_a_message_without_text(running: Running, world: World) -> None:
    fake = world.fake
    empty = await fake.message(world.general, world.alice, "   ")
    result = await fake.message_command(world.bob, "Ask Waypoint", empty.message)
    assert result.ephemeral
    assert "no text" in result.message.content


async def test_without_create_public_threads_the_answer_goes_in_the_channel(
    running: Running, world: World
) -> None:
    fake = world.fake
    world.guild.role("Waypoint").permissions &= ~CREATE_PUBLIC_THREADS
    await fake.slash(
        world.guild, world.admin, "config answer-channel", channel=world.questions, threads=True
    )
    question = await fake.message(world.questions, world.alice, "what is overfitting?")
    answer = await question.wait_reply()
    assert answer.channel_id == world.questions.id
    assert "validation" in answer.text.lower()
    (refused,) = fake.requests_to(THREAD_ROUTE)
    assert refused.status == 403

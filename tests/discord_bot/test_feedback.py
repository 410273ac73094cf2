"""👍/👎 buttons under answers, also after the bot restarts."""

from __future__ import annotations

from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, StartBot, World
from tests.fake_discord import Message

pytestmark = SESSION_LOOP


async def _answer(world: World) -> Message:
    result = await world.fake.slash(
        world.guild, world.alice, "ask", question="What is overfitting?"
    )
    return result.message


async def test_vote_is_stored_with_question_and_sources(running: Running, world: World) -> None:
    message = await _answer(world)
    up = next(c for c in message.custom_ids if c.endswith(":up"))
    click = await world.fake.click(message, up, world.bob)
    assert click.ephemeral
    assert "👍 is recorded" in click.message.content
    row = await running.services.db.fetch_one(
        "SELECT f.user_id, f.helpful, q.question, q.sources FROM feedback f"
        " JOIN questions q ON q.id = f.question_id"
    )
    assert row is not None
    assert (row["user_id"], row["helpful"], row["question"]) == (
        world.bob.id,
        1,
        "What is overfitting?",
    )
    assert "What is overfitting and how do I prevent it?" in row["sources"]


async def test_changing_a_vote(running: Running, world: World) -> None:
    message = await _answer(world)
    up, down = sorted(message.custom_ids, key=lambda c: not c.endswith(":up"))
    await world.fake.click(message, up, world.bob)
    again = await world.fake.click(message, up, world.bob)
    assert "already voted" in again.message.content
    changed = await world.fake.click(message, down, world.bob)
    assert "Changed your vote to 👎" in changed.message.content
    assert await running.services.db.fetch_value("SELECT helpful FROM feedback") == 0
    # The answer itself is untouched: votes are private.
    assert not world.fake.requests_to("PATCH /channels/{id}/messages/{id}")


async def test_buttons_work_after_restart(
    start_bot: StartBot, world: World, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    first = await start_bot(settings)
    message = await _answer(world)
    await first.stop()

    second = await start_bot(settings)  # a new client, same database
    down = next(c for c in message.custom_ids if c.endswith(":down"))
    click = await world.fake.click(message, down, world.alice)
    assert "👎 is recorded" in click.message.content
    assert await second.services.db.fetch_value("SELECT helpful FROM feedback") == 0


async def test_vote_on_forgotten_answer_is_explained(running: Running, world: World) -> None:
    message = await _answer(world)
    await running.services.db.execute("DELETE FROM questions")
    up = next(c for c in message.custom_ids if c.endswith(":up"))
    click = await world.fake.click(message, up, world.bob)
    assert click.ephemeral
    assert "no longer in my records" in click.message.content
